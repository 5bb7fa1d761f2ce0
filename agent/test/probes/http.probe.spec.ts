import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type Server as NetServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeSamples, runProbeOnce, type ProbeConfig } from '../../src/probes/index.js';
import {
  close, closedPort, EXPIRED_CERT, EXPIRED_KEY, fixedClock, fixture, ipv6Available, listen, NOW_MS, pairs, parseProbe, SERVER_CERT, SERVER_KEY, valueOf,
} from './helpers.js';

const DAY_MS = 86_400_000;
const hasIpv6 = await ipv6Available();
const notAfterMs = (pem: Buffer) => Date.parse(new X509Certificate(pem).validTo);

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

function routes(seen: Seen[]) {
  return (req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      const url = new URL(req.url!, 'http://x');
      switch (url.pathname) {
        case '/health':
          res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok","db":"up"}');
          return;
        case '/down':
          res.writeHead(503).end('maintenance');
          return;
        case '/missing':
          res.writeHead(404).end('no such page');
          return;
        case '/old':
          res.writeHead(302, { location: '/health' }).end();
          return;
        case '/see-other':
          res.writeHead(303, { location: '/echo' }).end();
          return;
        case '/loop':
          res.writeHead(301, { location: '/loop' }).end();
          return;
        case '/ftp':
          res.writeHead(302, { location: 'ftp://127.0.0.1/file' }).end();
          return;
        case '/echo':
          res.writeHead(200).end(`${req.method} ${body}`);
          return;
        case '/big': {
          // 3 MiB of filler, then a marker the probe must not see (it reads 1 MiB at most).
          res.writeHead(200);
          const mib = Buffer.alloc(1 << 20, 'a');
          res.write(mib);
          res.write(mib);
          res.write(mib);
          res.end('MARKER');
          return;
        }
        case '/big-redirect': {
          // A redirect with a large body the probe never reads.
          res.writeHead(302, { location: '/health' });
          const mib = Buffer.alloc(1 << 20, 'r');
          res.write(mib);
          res.write(mib);
          res.end(mib);
          return;
        }
        case '/hang':
          return; // never answers
        default:
          res.writeHead(500).end();
      }
    });
  };
}

describe('http probe', () => {
  const seen: Seen[] = [];
  let server: Server;
  let base: string;
  const probe = (extra: Record<string, unknown>): ProbeConfig => parseProbe({ name: 'web', type: 'http', interval: '5s', timeout: '2s', ...extra });
  const run = async (config: ProbeConfig) => {
    const result = await runProbeOnce(config, { hostRoot: '/', clock: fixedClock });
    return { result: result!, samples: probeSamples(config, result!) };
  };

  beforeAll(async () => {
    server = createServer(routes(seen));
    base = `http://127.0.0.1:${await listen(server)}`;
  });
  afterAll(() => close(server));

  it('reports success, duration and status with the probe labels at the run start', async () => {
    const config = probe({ url: `${base}/health`, expect_status: [200], body_match: '"status":"ok"', body_not_match: 'down', labels: { service: 'shop' } });
    const { result, samples } = await run(config);
    expect(result.outcome).toEqual({ success: true });
    const labels = { service: 'shop', probe: 'web', type: 'http', target: `${base}/health` };
    expect(samples).toEqual([
      { metric: 'vigil_probe_success', labels, kind: 'gauge', timestampMs: NOW_MS, value: 1 },
      { metric: 'vigil_probe_duration_seconds', labels, kind: 'gauge', timestampMs: NOW_MS, value: result.durationSeconds },
      { metric: 'vigil_probe_http_status_code', labels, kind: 'gauge', timestampMs: NOW_MS, value: 200 },
    ]);
    expect(result.durationSeconds).toBeGreaterThan(0);
    expect(result.durationSeconds).toBeLessThan(1);
    const request = seen.at(-1)!;
    expect(request.method).toBe('GET');
    expect(request.headers['user-agent']).toBe('vigil-agent-probe/1');
    expect(request.headers.connection).toBe('close');
  });

  it('fails on a status outside expect_status, default any 2xx', async () => {
    const down = await run(probe({ url: `${base}/down` }));
    expect(down.result.outcome).toEqual({ success: false, reason: 'status', detail: 'status 503 not in 2xx' });
    expect(pairs(down.samples)).toEqual([
      ['vigil_probe_success', 0],
      ['vigil_probe_duration_seconds', down.result.durationSeconds],
      ['vigil_probe_http_status_code', 503],
    ]);
    const notFoundExpected = await run(probe({ url: `${base}/missing`, expect_status: [404, 410] }));
    expect(notFoundExpected.result.outcome).toEqual({ success: true });
    const okButNotListed = await run(probe({ url: `${base}/health`, expect_status: [204] }));
    expect(okButNotListed.result.outcome).toEqual({ success: false, reason: 'status', detail: 'status 200 not in 204' });
  });

  it('checks body_match and body_not_match', async () => {
    const noMatch = await run(probe({ url: `${base}/health`, body_match: '"db":"down"' }));
    expect(noMatch.result.outcome).toEqual({ success: false, reason: 'body_match', detail: 'body_match /"db":"down"/ not found in 25 bytes' });
    expect(valueOf(noMatch.samples, 'vigil_probe_http_status_code')).toBe(200);
    const forbidden = await run(probe({ url: `${base}/down`, expect_status: [503], body_not_match: 'mainten' }));
    expect(forbidden.result.outcome).toEqual({ success: false, reason: 'body_not_match', detail: 'body_not_match /mainten/ found' });
  });

  it('reads at most 1 MiB of the body', async () => {
    const marker = await run(probe({ url: `${base}/big`, body_match: 'MARKER' }));
    expect(marker.result.outcome).toEqual({ success: false, reason: 'body_match', detail: 'body_match /MARKER/ not found in 1048576 bytes' });
    const filler = await run(probe({ url: `${base}/big`, body_match: '^a+$' }));
    expect(filler.result.outcome).toEqual({ success: true });
  });

  it('follows redirects by default and reports the final status', async () => {
    const before = seen.length;
    const followed = await run(probe({ url: `${base}/old` }));
    expect(followed.result.outcome).toEqual({ success: true });
    expect(valueOf(followed.samples, 'vigil_probe_http_status_code')).toBe(200);
    expect(seen.slice(before).map((s) => s.url)).toEqual(['/old', '/health']);
  });

  it('drops the unread body of a redirect without error', async () => {
    const followed = await run(probe({ url: `${base}/big-redirect`, body_match: '"status":"ok"' }));
    expect(followed.result.outcome).toEqual({ success: true });
  });

  it('does not follow redirects when told not to', async () => {
    const before = seen.length;
    const kept = await run(probe({ url: `${base}/old`, follow_redirects: false }));
    expect(kept.result.outcome).toEqual({ success: false, reason: 'status', detail: 'status 302 not in 2xx' });
    expect(valueOf(kept.samples, 'vigil_probe_http_status_code')).toBe(302);
    expect(seen.slice(before).map((s) => s.url)).toEqual(['/old']);
    const expected = await run(probe({ url: `${base}/old`, follow_redirects: false, expect_status: [301, 302] }));
    expect(expected.result.outcome).toEqual({ success: true });
  });

  it('bounds redirect chains and refuses non-HTTP locations', async () => {
    const before = seen.length;
    const loop = await run(probe({ url: `${base}/loop` }));
    expect(loop.result.outcome).toEqual({ success: false, reason: 'redirect_limit', detail: 'more than 10 redirects (last to /loop)' });
    expect(seen.length - before).toBe(11);
    const ftp = await run(probe({ url: `${base}/ftp` }));
    expect(ftp.result.outcome).toEqual({ success: false, reason: 'redirect_invalid', detail: 'redirect to unsupported ftp: location' });
  });

  it('sends method, headers and body; a 303 continues as GET without the body', async () => {
    const before = seen.length;
    const posted = await run(probe({ url: `${base}/echo`, method: 'post', headers: { 'X-Probe': 'vigil', 'Content-Type': 'text/plain' }, body: 'ping', body_match: '^POST ping$' }));
    expect(posted.result.outcome).toEqual({ success: true });
    const request = seen.at(-1)!;
    expect([request.method, request.headers['x-probe'], request.headers['content-length'], request.body]).toEqual(['POST', 'vigil', '4', 'ping']);
    const redirected = await run(probe({ url: `${base}/see-other`, method: 'POST', body: 'ping', body_match: '^GET $' }));
    expect(redirected.result.outcome).toEqual({ success: true });
    expect(seen.slice(before + 1).map((s) => `${s.method} ${s.url} ${s.body}`)).toEqual(['POST /see-other ping', 'GET /echo ']);
  });

  it('cuts a server that never answers at the timeout', async () => {
    const config = probe({ url: `${base}/hang`, interval: '1s', timeout: '300ms' });
    const started = performance.now();
    const { result, samples } = await run(config);
    const elapsedMs = performance.now() - started;
    expect(result.outcome).toEqual({ success: false, reason: 'timeout', detail: 'no result within 300ms' });
    expect(pairs(samples)).toEqual([
      ['vigil_probe_success', 0],
      ['vigil_probe_duration_seconds', result.durationSeconds],
    ]);
    expect(result.durationSeconds).toBeGreaterThanOrEqual(0.295);
    expect(result.durationSeconds).toBeLessThan(0.4);
    expect(elapsedMs).toBeLessThan(400);
  });

  it('reports a refused connection', async () => {
    const url = `http://127.0.0.1:${await closedPort()}/`;
    const { result, samples } = await run(probe({ url }));
    expect(result.outcome).toMatchObject({ success: false, reason: 'connection_refused' });
    expect(pairs(samples).map(([metric]) => metric)).toEqual(['vigil_probe_success', 'vigil_probe_duration_seconds']);
  });

  it.runIf(hasIpv6)('probes IPv6 literals', async () => {
    const v6 = createServer(routes([]));
    const port = await listen(v6, '::1');
    try {
      const { result } = await run(probe({ url: `http://[::1]:${port}/health` }));
      expect(result.outcome).toEqual({ success: true });
    } finally {
      await close(v6);
    }
  });
});

describe('https probe', () => {
  let good: Server;
  let expired: Server;
  let goodUrl: string;
  let expiredUrl: string;
  const probe = (extra: Record<string, unknown>): ProbeConfig => parseProbe({ name: 'tls', type: 'http', interval: '5s', timeout: '2s', ...extra });
  const run = async (config: ProbeConfig) => {
    const result = await runProbeOnce(config, { hostRoot: '/', clock: fixedClock });
    return { result: result!, samples: probeSamples(config, result!) };
  };

  beforeAll(async () => {
    good = createHttpsServer({ key: SERVER_KEY, cert: SERVER_CERT }, (_req, res) => res.end('secure ok'));
    expired = createHttpsServer({ key: EXPIRED_KEY, cert: EXPIRED_CERT }, (_req, res) => res.end('stale'));
    goodUrl = `https://127.0.0.1:${await listen(good)}/`;
    expiredUrl = `https://localhost:${await listen(expired)}/`;
  });
  afterAll(async () => {
    await close(good);
    await close(expired);
  });

  it('reports the certificate expiry and days left when the CA is trusted', async () => {
    const { result, samples } = await run(probe({ url: goodUrl, ca: fixture('server.crt'), body_match: 'secure ok' }));
    expect(result.outcome).toEqual({ success: true });
    const notAfter = notAfterMs(SERVER_CERT);
    expect(notAfter).toBeGreaterThan(NOW_MS + 90 * 365 * DAY_MS); // the fixture is valid for 100 years
    expect(pairs(samples)).toEqual([
      ['vigil_probe_success', 1],
      ['vigil_probe_duration_seconds', result.durationSeconds],
      ['vigil_probe_http_status_code', 200],
      ['vigil_probe_tls_cert_expiry_timestamp_seconds', notAfter / 1000],
      ['vigil_probe_tls_cert_remaining_seconds', (notAfter - NOW_MS) / 1000],
    ]);
  });

  it('fails verification of an untrusted certificate but still reports its expiry', async () => {
    const { result, samples } = await run(probe({ url: goodUrl }));
    expect(result.outcome).toMatchObject({ success: false, reason: 'tls_verify' });
    expect((result.outcome as { detail: string }).detail).toContain('DEPTH_ZERO_SELF_SIGNED_CERT');
    expect(valueOf(samples, 'vigil_probe_tls_cert_expiry_timestamp_seconds')).toBe(notAfterMs(SERVER_CERT) / 1000);
    expect(valueOf(samples, 'vigil_probe_http_status_code')).toBeUndefined();
  });

  it('accepts any certificate with tls_verify: false', async () => {
    const { result } = await run(probe({ url: goodUrl, tls_verify: false }));
    expect(result.outcome).toEqual({ success: true });
  });

  it('reports an expired certificate with negative days left', async () => {
    const { result, samples } = await run(probe({ url: expiredUrl, ca: fixture('expired.crt') }));
    expect(result.outcome).toMatchObject({ success: false, reason: 'tls_verify' });
    expect((result.outcome as { detail: string }).detail).toContain('CERT_HAS_EXPIRED');
    const notAfter = notAfterMs(EXPIRED_CERT);
    expect(notAfter).toBe(Date.UTC(2021, 0, 1));
    expect(valueOf(samples, 'vigil_probe_tls_cert_remaining_seconds')).toBe((notAfter - NOW_MS) / 1000);
  });

  it('checks the host name against the certificate', async () => {
    const wrongHost = createHttpsServer({ key: readFileSync(fixture('wronghost.key')), cert: readFileSync(fixture('wronghost.crt')) }, (_req, res) => res.end());
    const port = await listen(wrongHost);
    try {
      const { result } = await run(probe({ url: `https://127.0.0.1:${port}/`, ca: fixture('wronghost.crt') }));
      expect(result.outcome).toMatchObject({ success: false, reason: 'tls_verify' });
      expect((result.outcome as { detail: string }).detail).toContain('ERR_TLS_CERT_ALTNAME_INVALID');
    } finally {
      await close(wrongHost);
    }
  });
});

describe('http probe on the wire (its own HTTP/1.1 exchange)', () => {
  /** A server that records the request's bytes and answers with `reply` written in `parts` (0 closes the connection). */
  let requests: string[] = [];
  let reply: (string | 0)[] = [];
  let server: NetServer;
  let port: number;
  const probe = (extra: Record<string, unknown> = {}) => parseProbe({ name: 'wire', type: 'http', interval: '5s', timeout: '1s', url: `http://127.0.0.1:${port}/path?q=1`, ...extra });
  const run = async (extra: Record<string, unknown> = {}) => (await runProbeOnce(probe(extra), { hostRoot: '/', clock: fixedClock }))!;

  beforeAll(async () => {
    server = createNetServer((socket) => {
      let request = '';
      socket.on('data', async (data) => {
        request += data.toString('latin1');
        if (!request.includes('\r\n\r\n') || (/content-length: (\d+)/i.test(request) && request.length - request.indexOf('\r\n\r\n') - 4 < Number(/content-length: (\d+)/i.exec(request)![1]))) return;
        requests.push(request);
        for (const part of reply) {
          if (part === 0) {
            socket.end();
            return;
          }
          socket.write(part);
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      });
      socket.on('error', () => undefined);
    });
    port = await listen(server);
  });
  afterAll(() => close(server));

  it('sends the request line, its headers, Host, Connection: close and a length for a body', async () => {
    requests = [];
    reply = ['HTTP/1.1 204 No Content\r\n\r\n'];
    expect((await run()).outcome).toEqual({ success: true });
    expect((await run({ method: 'PUT', headers: { 'X-A': 'b' }, body: 'héllo' })).outcome).toEqual({ success: true });
    expect((await run({ method: 'POST' })).outcome).toEqual({ success: true });
    expect(requests).toEqual([
      `GET /path?q=1 HTTP/1.1\r\nuser-agent: vigil-agent-probe/1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`,
      `PUT /path?q=1 HTTP/1.1\r\nuser-agent: vigil-agent-probe/1\r\nX-A: b\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\nContent-Length: 6\r\n\r\nh\u00c3\u00a9llo`,
      `POST /path?q=1 HTTP/1.1\r\nuser-agent: vigil-agent-probe/1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`,
    ]);
  });

  it('reads chunked bodies split anywhere, with extensions and trailers, after an interim 100 Continue', async () => {
    reply = ['HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n', '5;ext=1\r\nhel', 'lo\r', '\n6\r\n world\r\n0\r\nX-Trailer: t\r\n', '\r\n'];
    expect((await run({ body_match: '^hello world$' })).outcome).toEqual({ success: true });
    // Nothing after the last chunk is read as body.
    reply = ['HTTP/1.1 200 OK\r\ntransfer-encoding: gzip, chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\nEXTRA'];
    expect((await run({ body_match: '^abc$' })).outcome).toEqual({ success: true });
  });

  it('reads exactly Content-Length bytes, or up to the close without a length', async () => {
    reply = ['HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel', 'loEXTRA'];
    expect((await run({ body_match: '^hello$' })).outcome).toEqual({ success: true });
    reply = ['HTTP/1.0 200 OK\r\n\r\nuntil ', 'the close', 0];
    expect((await run({ body_match: '^until the close$' })).outcome).toEqual({ success: true });
  });

  it('reports a response that is not HTTP as http_protocol, and an early close as connection_reset', async () => {
    reply = ['SSH-2.0-OpenSSH_9.2\r\n\r\n'];
    expect((await run()).outcome).toEqual({ success: false, reason: 'http_protocol', detail: 'invalid status line "SSH-2.0-OpenSSH_9.2"' });
    reply = ['HTTP/1.1 200 OK\r\nbad header\r\n\r\n'];
    expect((await run()).outcome).toEqual({ success: false, reason: 'http_protocol', detail: 'invalid header line "bad header"' });
    reply = ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'];
    expect((await run()).outcome).toEqual({ success: false, reason: 'http_protocol', detail: 'invalid chunk size "zz"' });
    reply = ['HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc', 0];
    expect((await run()).outcome).toEqual({ success: false, reason: 'connection_reset', detail: 'ECONNRESET: the connection closed before the end of the body' });
    reply = ['HTTP/1.1 200 OK\r\n', 0];
    expect((await run()).outcome).toEqual({ success: false, reason: 'connection_reset', detail: 'ECONNRESET: socket hang up' });
  });
});
