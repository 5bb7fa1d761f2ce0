// Opening one Ingest/Stream call to one collector endpoint, on a connection of its own (closed with the call, so a
// reconnect never inherits a failed connection's state), and waiting for its write buffer to drain.
import { decodeCollectorMessage, encodeAgentMessage, INGEST_STREAM_PATH, type vigil } from '@vigil/proto/agent';
import type { TlsConfig } from '../config/config.schema.js';
import { AGENT_VERSION } from '../version.js';
import { connectionOptions } from './credentials.js';
import type { CollectorEndpoint } from './endpoints.js';
import { BidiCall } from './grpc-http2/bidi-call.js';

export type IngestStream = BidiCall<vigil.v1.AgentMessage.$Properties, vigil.v1.CollectorMessage.$Properties>;

export function openIngestStream(endpoint: CollectorEndpoint, tls: TlsConfig, token: string): IngestStream {
  return new BidiCall({
    ...connectionOptions(tls, endpoint),
    path: INGEST_STREAM_PATH,
    userAgent: `vigil-agent/${AGENT_VERSION}`,
    metadata: { authorization: `Bearer ${token}` },
    serialize: encodeAgentMessage,
    deserialize: decodeCollectorMessage,
  });
}

export function waitForDrain(call: IngestStream): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      call.off('drain', done);
      call.off('close', done);
      resolve();
    };
    call.once('drain', done);
    call.once('close', done);
  });
}
