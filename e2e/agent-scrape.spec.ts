// Agent scraping end to end: a real `vigil-agent` process scrapes a local HTTP endpoint serving real prom-client
// expositions (OpenMetrics with `# EOF`, and the classic text format), Debian's `prometheus-node-exporter`, and a
// textfile directory, and streams the samples over gRPC to a real collector (SQLite file). The series must arrive
// with their names, kinds and a scrape_target label, `vigil_scrape_up` must be 1 and turn 0 when an endpoint
// stops, and the collector's `capacity.series` must forecast a scraped gauge (`app_queue_depth{job="billing"}`,
// the README's example), its history sent beforehand over the real protocol as the same agent.
//
// Needs `npm run build` first (the agent bin loads dist/). Installs `prometheus-node-exporter` when missing; its
// tests skip with a printed reason when it cannot be installed, except under CI=true where they fail.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { vigil } from '@vigil/proto';
import { startCollector, type RunningCollector } from '../collector/src/app.js';
import { buildConfig } from '../collector/src/config/config.loader.js';
import { TestAgent } from '../collector/test/support/test-agent.js';
import { freePort, requireDebianPackage, type ToolStatus } from '../dashboards/testing/prometheus.js';
import { AGENT_BIN, compileWorkspace, getJson, spawnNode, VigilProcess, waitFor } from './support/vigil-processes.js';

const AGENT_TOKEN = 'scrape-e2e-agent-token';
const AGENT_ID = 'scrape-e2e-agent';
const HOSTNAME = 'scrape-e2e-host';
const HOUR_MS = 3_600_000;
const SPEC = 'e2e/agent-scrape.spec.ts';

interface SeriesView {
  id: number;
  metric: string;
  labels: Record<string, string>;
}

/** An application's /metrics: prom-client registries, one answering OpenMetrics, one the classic text format. */
async function startApplication(): Promise<{ server: Server; port: number }> {
  const openMetrics = new Registry<typeof Registry.OPENMETRICS_CONTENT_TYPE>();
  openMetrics.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
  new Gauge({ name: 'app_queue_depth', help: 'Jobs waiting.', labelNames: ['job'], registers: [openMetrics] }).set({ job: 'billing' }, 42);
  new Counter({ name: 'app_jobs', help: 'Jobs done.', registers: [openMetrics] }).inc(7);
  const latency = new Histogram({ name: 'app_latency_seconds', help: 'Job latency.', buckets: [0.1, 1], registers: [openMetrics] });
  latency.observe(0.05);
  latency.observe(0.5);
  const text = new Registry();
  new Counter({ name: 'legacy_requests_total', help: 'Requests.', labelNames: ['code'], registers: [text] }).inc({ code: '200' }, 3);
  new Gauge({ name: 'up', help: 'A name Vigil reserves.', registers: [text] }).set(1);
  const server = createServer((req, res) => {
    const registry = req.url === '/text' ? text : openMetrics;
    void registry.metrics().then((body) => res.writeHead(200, { 'content-type': registry.contentType }).end(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

/** Debian's node_exporter on 127.0.0.1:<free port>; resolves once it answers. */
async function startNodeExporter(): Promise<{ proc: VigilProcess; port: number }> {
  const port = await freePort();
  const proc = new VigilProcess('node_exporter', spawn('prometheus-node-exporter', [`--web.listen-address=127.0.0.1:${port}`, '--collector.textfile.directory='], { stdio: ['ignore', 'pipe', 'pipe'] }));
  await waitFor('node_exporter to answer', async () => {
    if (!proc.running) throw new Error(`node_exporter exited\n${proc.tail()}`);
    return (await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.ok).catch(() => false)) || undefined;
  });
  return { proc, port };
}

/**
 * Four days of app_queue_depth{job="billing"} rising from 0 to 40, sent as the agent itself before it starts; the
 * scrape then stores 42, so a `current` of 42 proves the forecast reads the scraped samples.
 */
async function sendQueueHistory(grpc: string): Promise<void> {
  const agent = new TestAgent(grpc, AGENT_TOKEN, AGENT_ID, 'history-epoch', HOSTNAME).connect().hello();
  try {
    const step = HOUR_MS / 4;
    const end = Math.floor(Date.now() / step) * step - step;
    const timestampsMs: number[] = [];
    for (let t = end - 96 * HOUR_MS; t <= end; t += step) timestampsMs.push(t);
    const values = timestampsMs.map((t) => 40 - (10 * (end - t)) / (24 * HOUR_MS));
    agent.batch(1, [{ metric: 'app_queue_depth', labels: { job: 'billing', scrape_target: 'app' }, type: vigil.v1.MetricType.METRIC_TYPE_GAUGE, timestampsMs, values }]);
    await agent.until(() => agent.acks.includes(1), 15_000);
    if (agent.rejections.length > 0) throw new Error(`history rejected: ${JSON.stringify(agent.rejections)}`);
  } finally {
    agent.close();
  }
}

describe.runIf(process.platform === 'linux')('agent scraping → collector', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-scrape-e2e-'));
  let app: { server: Server; port: number };
  let nodeExporter: { proc: VigilProcess; port: number } | undefined;
  let nodeExporterStatus: ToolStatus;
  let collector: RunningCollector;
  let agent: VigilProcess | undefined;

  beforeAll(async () => {
    compileWorkspace();
    nodeExporterStatus = requireDebianPackage(SPEC, 'prometheus-node-exporter', ['prometheus-node-exporter']);
    app = await startApplication();
    if (nodeExporterStatus.available) nodeExporter = await startNodeExporter();
    const config = buildConfig({
      storage: { path: path.join(dir, 'vigil.db') },
      listen: { grpc: '127.0.0.1:0', http: '127.0.0.1:0' },
      auth: { agent_tokens: [AGENT_TOKEN] },
      capacity: { interval: '2s', min_history: '2d', holdout: '12h', history: '5d', series: [{ name: 'queue-depth', metric: 'app_queue_depth', labels: { job: 'billing' }, threshold: 100 }] },
    });
    collector = await startCollector({ config, logLevels: false });
    await sendQueueHistory(collector.grpcAddress);

    const textfiles = path.join(dir, 'textfiles');
    mkdirSync(textfiles);
    writeFileSync(path.join(textfiles, 'backup.prom'), '# TYPE backup_last_success_timestamp_seconds gauge\nbackup_last_success_timestamp_seconds{db="main"} 1764000000\n');
    const targets = [
      { name: 'app', url: `http://127.0.0.1:${app.port}/metrics`, interval: '1s', timeout: '900ms' },
      { name: 'legacy', url: `http://127.0.0.1:${app.port}/text`, interval: '1s', labels: { team: 'web' } },
      ...(nodeExporter ? [{ name: 'node', url: `http://127.0.0.1:${nodeExporter.port}/metrics`, interval: '1s', timeout: '900ms' }] : []),
    ];
    const agentConfig = path.join(dir, 'agent.yaml');
    writeFileSync(agentConfig, stringify({
      collector: collector.grpcAddress, token: AGENT_TOKEN, id: AGENT_ID, hostname: HOSTNAME, interval: '1s',
      spool_dir: path.join(dir, 'spool'), batch: { max_age: '200ms' }, textfile_dir: textfiles, scrape: targets,
    }));
    agent = spawnNode('agent', AGENT_BIN, ['--config', agentConfig]);
  }, 360_000);

  afterAll(async () => {
    await agent?.stop();
    await nodeExporter?.proc.stop();
    await collector?.close();
    app?.server.closeAllConnections();
    await new Promise((resolve) => app?.server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  const http = () => collector.httpAddress;
  const findSeries = (query: string) => getJson<SeriesView[]>(http(), `/api/series?${query}`);
  /** The series matching `query`, once it exists (exactly one). */
  const oneSeries = (query: string) =>
    waitFor(`series ${query}`, async () => {
      if (!agent!.running) throw new Error(`agent exited\n${agent!.tail()}`);
      const found = await findSeries(query);
      if (found.length > 1) throw new Error(`several series for ${query}: ${JSON.stringify(found)}`);
      return found[0];
    });
  const latest = async (id: number) => (await getJson<{ points: [number, number][] }>(http(), `/api/query?series=${id}&from=${Date.now() - 60_000}`)).points.at(-1);
  /** Waits until the last stored value of the series is `value`. */
  const untilLatest = (what: string, id: number, value: number, timeoutMs = 20_000) =>
    waitFor(what, async () => ((await latest(id))?.[1] === value ? true : undefined), timeoutMs);

  it('stores the scraped series under their own names with scrape_target, kinds kept, reserved names left out', async () => {
    const queue = await oneSeries('metric=app_queue_depth&job=billing');
    expect(queue.labels).toEqual({ job: 'billing', scrape_target: 'app', agent: AGENT_ID, host: HOSTNAME });
    const jobs = await oneSeries('metric=app_jobs_total');
    await untilLatest('app_jobs_total = 7', jobs.id, 7);
    const bucket = await oneSeries('metric=app_latency_seconds_bucket&le=0.1');
    await untilLatest('the 0.1 s bucket = 1', bucket.id, 1);
    const legacy = await oneSeries('metric=legacy_requests_total&code=200&team=web');
    expect(legacy.labels.scrape_target).toBe('legacy');
    const textfile = await oneSeries('metric=backup_last_success_timestamp_seconds');
    expect(textfile.labels).toMatchObject({ db: 'main', scrape_target: 'textfile' });
    // `up` from the exposition is rejected by the agent, counted for its target.
    const rejected = await oneSeries('metric=vigil_scrape_rejected_series_total&target=legacy&reason=reserved_name');
    // A counter: one more on every scrape of that target.
    await waitFor('a reserved name counted', async () => (((await latest(rejected.id))?.[1] ?? 0) >= 1 ? true : undefined), 10_000);
    expect(await findSeries('metric=up')).toEqual([]);
  }, 60_000);

  it('forecasts the scraped gauge through capacity.series (GET /api/capacity)', async () => {
    const entry = await waitFor('a forecast of queue-depth whose current value is the scraped 42', async () => {
      const list = await getJson<{ resources: Record<string, unknown>[] }>(http(), '/api/capacity?resource=custom:queue-depth');
      const found = list.resources.find((r) => r.host === HOSTNAME);
      return found?.status === 'ok' && found.current === 42 ? found : undefined;
    }, 45_000);
    expect(entry).toMatchObject({ resource: 'custom:queue-depth', agent: AGENT_ID, unit: 'value', threshold: 100, current: 42 });
    // Rising 10 a day from 42 towards 100: exhausted in about 5.8 days.
    expect(entry.growth_per_day as number).toBeGreaterThan(8);
    expect(entry.growth_per_day as number).toBeLessThan(12);
    const daysLeft = (entry.exhaustion as { days_left: number }).days_left;
    expect(daysLeft).toBeGreaterThan(4);
    expect(daysLeft).toBeLessThan(8);
  }, 60_000);

  it('scrapes Debian node_exporter: its series arrive, up=1, and up turns 0 when it stops', async ({ skip }) => {
    if (!nodeExporter) skip(`prometheus-node-exporter unavailable: ${(nodeExporterStatus as { reason?: string }).reason}`);
    const load = await oneSeries('metric=node_load1&scrape_target=node');
    expect(load.labels).toEqual({ scrape_target: 'node', agent: AGENT_ID, host: HOSTNAME });
    const cpu = await findSeries('metric=node_cpu_seconds_total&scrape_target=node&mode=idle');
    expect(cpu.length).toBeGreaterThan(0);
    const up = await oneSeries('metric=vigil_scrape_up&target=node');
    await untilLatest('node up = 1', up.id, 1);
    await nodeExporter!.proc.stop();
    await untilLatest('node up = 0 after node_exporter stopped', up.id, 0);
  }, 60_000);

  it('reports vigil_scrape_up 1 for the application, and 0 once its endpoint stops', async () => {
    const up = await oneSeries('metric=vigil_scrape_up&target=app');
    await untilLatest('app up = 1', up.id, 1);
    const duration = await oneSeries('metric=vigil_scrape_duration_seconds&target=app');
    const seconds = (await latest(duration.id))![1];
    expect(seconds).toBeGreaterThan(0);
    expect(seconds).toBeLessThan(0.9);
    app.server.closeAllConnections();
    await new Promise((resolve) => app.server.close(resolve));
    await untilLatest('app up = 0 after the endpoint stopped', up.id, 0);
    // The host tick goes on meanwhile: the agent's own metrics keep arriving.
    const rss = await oneSeries('metric=vigil_agent_resident_memory_bytes');
    const before = (await latest(rss.id))![0];
    await waitFor('a newer host tick', async () => (((await latest(rss.id))?.[0] ?? 0) > before ? true : undefined), 10_000);
  }, 60_000);
});
