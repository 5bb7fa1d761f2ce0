// TCP probe: connect (optionally TLS), optionally send a payload, optionally wait for a regex.
import type { TcpProbeConfig } from './probe.config.types.js';
import { openConnection, readCa, readUntil } from './connect.js';
import { ProbeFailure, type ProbeCheck } from './probe.types.js';

/** Most banners and replies fit many times over; bounds memory and regex work per run. */
export const TCP_EXPECT_BYTES = 64 * 1024;

export function tcpCheck(config: TcpProbeConfig): ProbeCheck {
  const expect = config.expect === undefined ? undefined : new RegExp(config.expect);
  return async (ctx) => {
    const ca = config.ca === undefined ? undefined : await readCa(config.ca);
    const socket = await openConnection({ host: config.host, port: config.port, tls: config.tls ? { verify: config.tlsVerify, ca } : undefined }, ctx);
    try {
      // Listen before sending: a banner may arrive first and a reply may follow immediately.
      const reply = expect ? readUntil(socket, TCP_EXPECT_BYTES, (text) => expect.test(text)) : undefined;
      reply?.catch(() => undefined); // awaited below; a write failure must not leave it unhandled
      if (config.send !== undefined) {
        const payload = config.send;
        await new Promise<void>((resolve, reject) => socket.write(payload, (err) => (err ? reject(err) : resolve())));
      }
      if (reply && expect) {
        const { found, bytes } = await reply;
        if (!found) {
          const why = bytes >= TCP_EXPECT_BYTES ? `not found in the first ${TCP_EXPECT_BYTES} bytes` : `not received before the connection closed (${bytes} bytes)`;
          throw new ProbeFailure('expect', `expect /${expect.source}/ ${why}`);
        }
      }
    } finally {
      socket.destroy();
    }
  };
}
