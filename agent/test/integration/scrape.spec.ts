// Scrape targets against real loopback HTTP(S) servers: what reaches the sink for a good answer in each format,
// and that every kind of failure (status, timeout, size, truncation, refused connection) reports the target down
// within its timeout, with a reason, without samples.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Logger } from '../../src/log.js';
import type { Sample } from '../../src/pipeline/types.js';
import { startScrapes, ScrapeTarget, SCRAPE_LIMITS, type ScrapeTargetConfig } from '../../src/scrape/index.js';
import { fixedClock, fixture, listen, NOW_MS, RecordingSink, SERVER_CERT, SERVER_KEY } from '../probes/helpers.js';

const OPENMETRICS = `# TYPE app_requests counter
app_requests_total{code="200"} 12.0
app_requests_created{code="200"} 1.7e9
# TYPE app_queue_depth gauge
app_queue_depth{job="billing"} 42 1700000000.000
# TYPE app_latency_seconds histogram
app_latency_seconds_bucket{le="0.1"} 3 # {trace_id="abc"} 0.05
app_latency_seconds_bucket{le="+Inf"} 4
app_latency_seconds_sum 1.25
app_latency_seconds_count 4
up 1
# EOF
`;

const routes: Record<string, (req: IncomingMessage, res: ServerResponse) => void> = {
  '/openmetrics': (_req, res) => res.writeHead(200, { 'content-type': 'application/openmetrics-text; version=1.0.0; charset=utf-8' }).end(OPENMETRICS),
  '/text': (_req, res) => res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end('# TYPE jobs_total counter\njobs_total 5\n'),
  '/accept': (req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end(`accept_seen{accept=${JSON.stringify(req.headers.accept)}} 1\n`),
  '/error': (_req, res) => res.writeHead(503).end('overloaded'),
  '/hang': () => undefined,
  '/big': (_req, res) => {
    const body = `big 1\n${'# padding\n'.repeat(200)}`;
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) }).end(body);
  },
  '/chunked-big': (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    for (let i = 0; i < 20; i++) res.write('# padding padding padding padding padding padding padding\n');
    res.end('big 1\n');
  },
  '/truncated': (_req, res) => res.writeHead(200, { 'content-type': 'application/openmetrics-text; version=1.0.0' }).end('app_queue_depth 1\n'),
  '/garbage': (_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('<html>not metrics</html>\n'),
};
const handler = (req: IncomingMessage, res: ServerResponse) => (routes[req.url ?? ''] ?? ((_q, r) => r.writeHead(404).end()))(req, res);

function target(url: string, overrides: Partial<ScrapeTargetConfig> = {}): ScrapeTargetConfig {
  return { name: 'app', url, intervalMs: 10_000, timeoutMs: 1000, labels: {}, maxSeries: 100, maxBytes: SCRAPE_LIMITS.defaultMaxBytes, tlsVerify: true, ...overrides };
}

const logLines: string[] = [];
const logger: Logger = {
  debug: () => undefined,
  info: (m, f) => logLines.push(`info ${m} ${JSON.stringify(f)}`),
  warn: (m, f) => logLines.push(`warn ${m} ${JSON.stringify(f)}`),
  error: (m, f) => logLines.push(`error ${m} ${JSON.stringify(f)}`),
};

const byName = (samples: Sample[], metric: string) => samples.filter((s) => s.metric === metric);

describe('scrape targets over real HTTP', () => {
  let server: Server;
  let base: string;
  let tlsServer: Server;
  let tlsBase: string;

  beforeAll(async () => {
    server = createServer(handler);
    base = `http://127.0.0.1:${await listen(server)}`;
    tlsServer = createHttpsServer({ key: SERVER_KEY, cert: SERVER_CERT }, handler);
    tlsBase = `https://localhost:${await listen(tlsServer)}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    tlsServer.closeAllConnections();
    await Promise.all([new Promise((r) => server.close(r)), new Promise((r) => tlsServer.close(r))]);
  });

  async function scrapeOnce(config: ScrapeTargetConfig) {
    const sink = new RecordingSink();
    const t = new ScrapeTarget(config, sink, { clock: fixedClock, logger });
    const outcome = await t.scrape(NOW_MS);
    await t.stop();
    return { sink, outcome, target: t };
  }

  it('forwards an OpenMetrics answer: names kept, scrape_target added, kinds mapped, reserved names counted, up=1', async () => {
    const { sink } = await scrapeOnce(target(`${base}/openmetrics`, { labels: { team: 'pay' } }));
    const lines = sink.samples.map((s) => `${s.kind} ${s.metric}${JSON.stringify(s.labels)} ${s.value}`);
    expect(lines.slice(0, 6)).toEqual([
      'counter app_requests_total{"code":"200","team":"pay","scrape_target":"app"} 12',
      'gauge app_queue_depth{"job":"billing","team":"pay","scrape_target":"app"} 42',
      'counter app_latency_seconds_bucket{"le":"0.1","team":"pay","scrape_target":"app"} 3',
      'counter app_latency_seconds_bucket{"le":"+Inf","team":"pay","scrape_target":"app"} 4',
      'counter app_latency_seconds_sum{"team":"pay","scrape_target":"app"} 1.25',
      'counter app_latency_seconds_count{"team":"pay","scrape_target":"app"} 4',
    ]);
    expect(sink.samples.every((s) => s.timestampMs === NOW_MS)).toBe(true);
    expect(byName(sink.samples, 'vigil_scrape_up')).toMatchObject([{ labels: { target: 'app' }, value: 1, kind: 'gauge' }]);
    expect(byName(sink.samples, 'vigil_scrape_series')).toMatchObject([{ value: 6 }]);
    const duration = byName(sink.samples, 'vigil_scrape_duration_seconds')[0]!.value;
    expect(duration).toBeGreaterThan(0);
    expect(duration).toBeLessThan(1);
    const rejected = Object.fromEntries(byName(sink.samples, 'vigil_scrape_rejected_series_total').map((s) => [s.labels.reason, s.value]));
    expect(rejected).toEqual({ reserved_name: 1, invalid_series: 0, non_finite_value: 0, duplicate_series: 0, max_series: 0 });
  });

  it('reads the classic text format, over HTTPS too (CA file), and asks for OpenMetrics first', async () => {
    const { sink } = await scrapeOnce(target(`${tlsBase}/text`, { ca: fixture('server.crt') }));
    expect(byName(sink.samples, 'jobs_total')).toMatchObject([{ kind: 'counter', value: 5, labels: { scrape_target: 'app' } }]);
    const accept = await scrapeOnce(target(`${base}/accept`));
    expect(byName(accept.sink.samples, 'accept_seen')[0]!.labels.accept).toBe('application/openmetrics-text;version=1.0.0;q=0.9,text/plain;version=0.0.4;q=0.5,*/*;q=0.1');
  });

  it('refuses an HTTPS target whose certificate it cannot verify', async () => {
    const { outcome } = await scrapeOnce(target(`${tlsBase}/text`));
    expect(outcome).toEqual({ status: 'down', error: 'DEPTH_ZERO_SELF_SIGNED_CERT: self-signed certificate' });
    const insecure = await scrapeOnce(target(`${tlsBase}/text`, { tlsVerify: false }));
    expect(insecure.outcome.status).toBe('up');
  });

  it('reports every failure as down with its reason, no scraped samples, within the timeout', async () => {
    const cases: [string, Partial<ScrapeTargetConfig>, string][] = [
      ['/error', {}, 'HTTP status 503'],
      ['/hang', { timeoutMs: 300 }, 'no complete answer within 300ms'],
      ['/big', { maxBytes: 1024 }, 'response of 2006 bytes is larger than max_bytes 1KiB'],
      ['/chunked-big', { maxBytes: 1024 }, 'response larger than max_bytes 1KiB'],
      ['/truncated', {}, 'unparsable exposition: OpenMetrics exposition does not end with "# EOF" (cut short?)'],
      ['/garbage', {}, 'unparsable exposition: line 1: expected a metric name: "<html>not metrics</html>"'],
    ];
    for (const [route, overrides, error] of cases) {
      const started = performance.now();
      const { sink, outcome } = await scrapeOnce(target(`${base}${route}`, overrides));
      expect(performance.now() - started).toBeLessThan((overrides.timeoutMs ?? 1000) + 500);
      expect(outcome).toEqual({ status: 'down', error });
      expect(sink.samples.map((s) => `${s.metric} ${s.value}`).filter((l) => !l.startsWith('vigil_scrape_rejected') && !l.startsWith('vigil_scrape_duration'))).toEqual(['vigil_scrape_up 0', 'vigil_scrape_series 0']);
    }
  });

  it('a dead target never delays another: both keep their schedule; up turns 0 when the endpoint stops', async () => {
    const other = createServer(handler);
    const port = await listen(other);
    const sink = new RecordingSink();
    const runner = startScrapes([target(`${base}/hang`, { name: 'stuck', intervalMs: 1000, timeoutMs: 900 }), target(`http://127.0.0.1:${port}/text`, { name: 'ok', intervalMs: 1000, timeoutMs: 900 })], sink, { logger });
    const upOf = (name: string) => sink.samples.filter((s) => s.metric === 'vigil_scrape_up' && s.labels.target === name).map((s) => s.value);
    try {
      await sink.waitFor(() => upOf('ok').length >= 2, 5000);
      expect(upOf('ok')).toEqual([1, 1]);
      other.closeAllConnections();
      await new Promise((r) => other.close(r));
      await sink.waitFor(() => upOf('ok').includes(0), 5000);
      expect(upOf('stuck').every((v) => v === 0)).toBe(true);
      expect(logLines.some((l) => l.startsWith('warn scrape failed') && l.includes('"target":"ok"') && l.includes('ECONNREFUSED'))).toBe(true);
    } finally {
      await runner.stop();
    }
  }, 15_000);
});
