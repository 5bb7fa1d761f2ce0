// The console's server side in the full application: built pages and assets (compressed, cached,
// with security headers) next to an untouched API, the reads it adds, the public status endpoint
// under protect_reads, and service state changes on the live feed (token as subprotocol or none).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startCollector, type RunningCollector } from '../../src/app.js';
import { buildConfig } from '../../src/config/config.loader.js';
import { CONSOLE_ASSETS_DIR } from '../../src/console/console-assets.js';
import { gauge, TestAgent } from '../support/test-agent.js';

const AGENT_TOKEN = 'console-int-agent';
const API_TOKEN = 'console-int-api-token';
const REPO = path.resolve(CONSOLE_ASSETS_DIR, '../..');

function services() {
  return [
    { id: 'web', name: 'Web shop', public: true, probes: ['web-http'], sla: { availability: 99.9, windows: ['1h'], timezone: 'UTC' } },
    { id: 'intranet', name: 'Intranet', probes: ['intra-http'], sla: { availability: 99, windows: ['1h'], timezone: 'UTC' } },
  ];
}

async function start(dir: string, protectReads: boolean): Promise<RunningCollector> {
  const config = buildConfig({
    storage: { path: path.join(dir, `vigil-${protectReads}.db`) },
    listen: { grpc: '127.0.0.1:0', http: '127.0.0.1:0' },
    auth: { agent_tokens: [AGENT_TOKEN], api_tokens: [API_TOKEN], protect_reads: protectReads },
    services: services(),
  });
  return startCollector({ config, logLevels: false });
}

function liveClient(url: string, protocols: string[]): Promise<{ ws: WebSocket; messages: Array<Record<string, unknown>> } | string> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, protocols);
    const messages: Array<Record<string, unknown>> = [];
    ws.on('message', (d) => messages.push(JSON.parse(String(d))));
    ws.on('open', () => resolve({ ws, messages }));
    ws.on('unexpected-response', (_req, res) => resolve(`${res.statusCode}`));
  });
}

describe('console server side', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-console-int-'));
  let open: RunningCollector;
  let guarded: RunningCollector;

  beforeAll(async () => {
    // The pages are the console build's output; build it when a plain `tsc --build` left it out.
    if (!existsSync(path.join(CONSOLE_ASSETS_DIR, 'index.html'))) execFileSync('npm', ['run', 'build', '--silent'], { cwd: REPO, stdio: 'pipe' });
    open = await start(dir, false);
    guarded = await start(dir, true);
  }, 180_000);

  afterAll(async () => {
    await open?.close();
    await guarded?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const url = (c: RunningCollector, p: string) => `http://${c.httpAddress}${p}`;

  it('serves the console on its client routes and /status, compressed and revalidated, without shadowing the API', async () => {
    for (const p of ['/', '/incidents/12', '/hosts/web-1', '/capacity']) {
      const res = await fetch(url(open, p));
      expect([p, res.status, res.headers.get('content-type')]).toEqual([p, 200, 'text/html; charset=utf-8']);
      expect(await res.text()).toContain('<title>Vigil</title>');
    }
    const status = await fetch(url(open, '/status'));
    expect(await status.text()).toContain('<title>Service status</title>');
    expect(status.headers.get('content-security-policy')).toContain("default-src 'self'");

    const html = await (await fetch(url(open, '/'))).text();
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)![1]!;
    const raw = await fetch(url(open, script), { headers: { 'accept-encoding': 'gzip' } });
    expect(raw.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const etag = raw.headers.get('etag')!;
    expect((await fetch(url(open, script), { headers: { 'if-none-match': etag } })).status).toBe(304);
    // Node's fetch decodes gzip itself; read the raw bytes through a plain request instead.
    const { request } = await import('node:http');
    const gz = await new Promise<{ encoding: string | undefined; body: Buffer }>((resolve) =>
      request(url(open, script), { headers: { 'accept-encoding': 'gzip' } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ encoding: res.headers['content-encoding'], body: Buffer.concat(chunks) }));
      }).end(),
    );
    expect(gz.encoding).toBe('gzip');
    expect(gunzipSync(gz.body).toString()).toBe(await raw.text());

    expect((await fetch(url(open, '/assets/nope.js'))).status).toBe(404);
    const api404 = await fetch(url(open, '/api/nope'));
    expect([api404.status, (await api404.json()).message]).toEqual([404, 'there is no GET /api/nope; every route is listed in /api/openapi.json']);
  });

  it('checks sign-in tokens, answers the overview and daily uptime, and validates input', async () => {
    expect((await fetch(url(open, '/api/session'), { headers: { authorization: 'Bearer wrong-token-1' } })).status).toBe(401);
    expect(await (await fetch(url(open, '/api/session'), { headers: { authorization: `Bearer ${API_TOKEN}` } })).json()).toEqual({ valid: true, protect_reads: false });

    const overview = await (await fetch(url(open, '/api/overview'))).json();
    expect(overview.services.map((s: { id: string; state: string; public: boolean }) => [s.id, s.state, s.public])).toEqual([
      ['intranet', 'no_data', false],
      ['web', 'no_data', true],
    ]);
    expect(overview.agents).toEqual({ total: 0, connected: 0, lost: 0, lost_agents: [] });

    const uptime = await (await fetch(url(open, '/api/services/web/uptime?days=3'))).json();
    expect([uptime.objective, uptime.timezone, uptime.days.length]).toEqual([0.999, 'UTC', 3]);
    const bad = await fetch(url(open, '/api/services/web/uptime?days=0'));
    expect([bad.status, await bad.json()]).toEqual([400, { error: 'invalid request', issues: ['days: must be a whole number of days from 1 to 400'] }]);
    expect((await fetch(url(open, '/api/services/nope/uptime'))).status).toBe(404);
    // Reads are open here, so the feed takes a client without a token, but a wrong token is still refused.
    const anonymous = await liveClient(`ws://${open.httpAddress}/ws`, ['vigil']);
    expect(typeof anonymous).toBe('object');
    (anonymous as { ws: WebSocket }).ws.terminate();
    expect(await liveClient(`ws://${open.httpAddress}/ws`, ['vigil', `vigil-token.${Buffer.from('wrong-token-1').toString('base64url')}`])).toBe('401');
  });

  it('with protect_reads, /api/status still answers without a token and lists only public services', async () => {
    expect((await fetch(url(guarded, '/api/overview'))).status).toBe(401);
    const res = await fetch(url(guarded, '/api/status'));
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(Object.keys(body)).toEqual(['generated_at', 'services', 'incidents', 'maintenance']);
    expect(body.services.map((s: { id: string; name: string }) => [s.id, s.name])).toEqual([['web', 'Web shop']]);
    expect(JSON.stringify(body)).not.toContain('intra');
    // The feed follows the same rule: no token is refused here, the subprotocol token is accepted.
    expect(await liveClient(`ws://${guarded.httpAddress}/ws`, ['vigil'])).toBe('401');
    const signed = await liveClient(`ws://${guarded.httpAddress}/ws`, ['vigil', `vigil-token.${Buffer.from(API_TOKEN).toString('base64url')}`]);
    expect(typeof signed).toBe('object');
    (signed as { ws: WebSocket }).ws.terminate();
  });

  it('announces service state changes on the live feed as probe results arrive', async () => {
    const client = await liveClient(`ws://${open.httpAddress}/ws?types=service`, ['vigil']);
    if (typeof client === 'string') throw new Error(`feed refused: ${client}`);
    const agent = new TestAgent(open.grpcAddress, AGENT_TOKEN, 'agent-1', 'e1', 'host-1').connect().hello();
    try {
      const labels = { probe: 'web-http' }; // agent and host labels are set by the collector
      agent.batch(1, [gauge('vigil_probe_success', labels, Date.now(), [1])]);
      await agent.until(() => agent.acks.includes(1));
      expect(agent.rejections).toEqual([]);
      const waitState = async (state: string) => {
        const deadline = Date.now() + 5000;
        for (;;) {
          const m = client.messages.find((x) => x.type === 'service' && (x.service as { state: string }).state === state);
          if (m) return m;
          if (Date.now() > deadline) throw new Error(`no ${state} message: ${JSON.stringify(client.messages)}`);
          await new Promise((r) => setTimeout(r, 20));
        }
      };
      expect((await waitState('up')).service).toEqual({ id: 'web', name: 'Web shop', state: 'up', previous: 'no_data' });
      agent.batch(2, [gauge('vigil_probe_success', labels, Date.now() + 1, [0])]);
      expect((await waitState('down')).service).toEqual({ id: 'web', name: 'Web shop', state: 'down', previous: 'up' });
      expect(client.messages.filter((m) => m.type === 'service').every((m) => (m.service as { id: string }).id === 'web')).toBe(true);
    } finally {
      agent.close();
      client.ws.terminate();
    }
  });
});
