import { X509Certificate } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeSamples, runProbeOnce, type ProbeConfig } from '../../src/probes/index.js';
import { close, closedPort, fixedClock, fixture, ipv6Available, listen, NOW_MS, pairs, parseProbe, SERVER_CERT, SERVER_KEY } from './helpers.js';

const hasIpv6 = await ipv6Available();

/** Line protocol: greets with a banner, answers PING with PONG, QUIT closes, anything else is ignored. */
function lineServer(socket: Socket): void {
  socket.write('220 vigil-test ready\r\n');
  socket.on('data', (data) => {
    const line = data.toString().trim();
    if (line === 'PING') socket.write('PONG\r\n');
    if (line === 'QUIT') socket.end('221 bye\r\n');
  });
  socket.on('error', () => undefined);
}

describe('tcp probe', () => {
  let server: Server;
  let target: string;
  const connections: Socket[] = [];
  const probe = (extra: Record<string, unknown>): ProbeConfig => parseProbe({ name: 'tcp', type: 'tcp', target, interval: '5s', timeout: '1s', ...extra });
  const run = async (config: ProbeConfig) => {
    const result = await runProbeOnce(config, { hostRoot: '/', clock: fixedClock });
    return { result: result!, samples: probeSamples(config, result!) };
  };

  beforeAll(async () => {
    server = createServer((socket) => {
      connections.push(socket);
      lineServer(socket);
    });
    target = `127.0.0.1:${await listen(server)}`;
  });
  afterAll(() => close(server));

  it('succeeds on a listening port', async () => {
    const config = probe({ labels: { role: 'db' } });
    const { result, samples } = await run(config);
    expect(result.outcome).toEqual({ success: true });
    const labels = { role: 'db', probe: 'tcp', type: 'tcp', target };
    expect(samples).toEqual([
      { metric: 'vigil_probe_success', labels, kind: 'gauge', timestampMs: NOW_MS, value: 1 },
      { metric: 'vigil_probe_duration_seconds', labels, kind: 'gauge', timestampMs: NOW_MS, value: result.durationSeconds },
    ]);
  });

  it('fails on a closed port', async () => {
    const closed = `127.0.0.1:${await closedPort()}`;
    const { result, samples } = await run(probe({ target: closed }));
    expect(result.outcome).toMatchObject({ success: false, reason: 'connection_refused' });
    expect((result.outcome as { detail: string }).detail).toContain('ECONNREFUSED');
    expect(pairs(samples)).toEqual([
      ['vigil_probe_success', 0],
      ['vigil_probe_duration_seconds', result.durationSeconds],
    ]);
  });

  it('matches a banner without sending anything', async () => {
    expect((await run(probe({ expect: '^220 ' }))).result.outcome).toEqual({ success: true });
  });

  it('sends a payload and waits for the expected reply', async () => {
    expect((await run(probe({ send: 'PING\r\n', expect: 'PONG' }))).result.outcome).toEqual({ success: true });
  });

  it('fails when the peer closes before the expected reply', async () => {
    const { result } = await run(probe({ send: 'QUIT\r\n', expect: 'PONG' }));
    expect(result.outcome).toEqual({ success: false, reason: 'expect', detail: 'expect /PONG/ not received before the connection closed (31 bytes)' });
  });

  it('cuts a peer that never sends the expected reply at the timeout', async () => {
    const started = performance.now();
    const { result } = await run(probe({ send: 'HELLO\r\n', expect: 'PONG', interval: '1s', timeout: '250ms' }));
    expect(result.outcome).toEqual({ success: false, reason: 'timeout', detail: 'no result within 250ms' });
    expect(result.durationSeconds).toBeGreaterThanOrEqual(0.245);
    expect(performance.now() - started).toBeLessThan(350);
  });

  it.runIf(hasIpv6)('connects to [::1]:port', async () => {
    const v6 = createServer(lineServer);
    const port = await listen(v6, '::1');
    try {
      const config = probe({ target: `[::1]:${port}`, send: 'PING\n', expect: 'PONG' });
      expect(config).toMatchObject({ host: '::1', port, target: `[::1]:${port}` });
      expect((await run(config)).result.outcome).toEqual({ success: true });
    } finally {
      await close(v6);
    }
  });
});

describe('tcp probe over tls', () => {
  let server: Server;
  let target: string;
  const run = async (extra: Record<string, unknown>) => {
    const config = parseProbe({ name: 'tls', type: 'tcp', target, tls: true, interval: '5s', timeout: '1s', ...extra });
    const result = await runProbeOnce(config, { hostRoot: '/', clock: fixedClock });
    return { result: result!, samples: probeSamples(config, result!) };
  };

  beforeAll(async () => {
    server = createTlsServer({ key: SERVER_KEY, cert: SERVER_CERT }, lineServer);
    target = `localhost:${await listen(server)}`;
  });
  afterAll(() => close(server));

  it('handshakes, talks, and reports the certificate', async () => {
    const { result, samples } = await run({ ca: fixture('server.crt'), send: 'PING\n', expect: 'PONG' });
    expect(result.outcome).toEqual({ success: true });
    const notAfter = Date.parse(new X509Certificate(SERVER_CERT).validTo);
    expect(pairs(samples)).toEqual([
      ['vigil_probe_success', 1],
      ['vigil_probe_duration_seconds', result.durationSeconds],
      ['vigil_probe_tls_cert_expiry_timestamp_seconds', notAfter / 1000],
      ['vigil_probe_tls_cert_remaining_seconds', (notAfter - NOW_MS) / 1000],
    ]);
  });

  it('refuses an untrusted certificate unless tls_verify is false', async () => {
    expect((await run({})).result.outcome).toMatchObject({ success: false, reason: 'tls_verify' });
    expect((await run({ tls_verify: false })).result.outcome).toEqual({ success: true });
  });

  it('reports a TLS handshake with a plain-text server as a tls failure', async () => {
    const plain = createServer((socket) => socket.end('this is not TLS\r\n'));
    const port = await listen(plain);
    try {
      const { result } = await run({ target: `127.0.0.1:${port}` });
      expect(result.outcome).toMatchObject({ success: false, reason: 'tls' });
      expect((result.outcome as { detail: string }).detail).toContain('ERR_SSL_WRONG_VERSION_NUMBER');
    } finally {
      await close(plain);
    }
  });
});
