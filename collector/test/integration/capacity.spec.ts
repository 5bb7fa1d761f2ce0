// Capacity forecasting through the real collector: 30 days of hourly history with a known truth (trend,
// daily and weekly seasonality, noise; a counter turned into throughput) arrive over real gRPC into a
// collector on a real SQLite file, then on PostgreSQL (raw samples on a SQLite file beside it until the
// PostgreSQL sample store lands); the REST API, /metrics, the report and the incidents rule must find
// the known times to exhaustion. Then the collector is closed and the compiled `vigil-collector report
// capacity` reads the same file. The history ends at the current real hour, so the binary (on the real
// clock) sees the same data as the collector (on a manual clock a minute into that hour).
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { vigil } from '@vigil/proto';
import { startCollector, type RunningCollector } from '../../src/app.js';
import { CapacityService } from '../../src/capacity/capacity.service.js';
import { syntheticCrossingMs, syntheticSeries, syntheticThreshold, type SyntheticSpec } from '../../src/capacity/domain/synthetic.js';
import { ManualClock } from '../../src/common/clock.js';
import { loadConfigFile } from '../../src/config/config.loader.js';
import { SqliteDatabase } from '../../src/database/sqlite-database.js';
import { PostgresDatabase } from '../../src/database/postgres-database.js';
import { parseCsv } from '../../src/reports/render/csv.js';
import { RuleEvaluator } from '../../src/incidents/rule-evaluator.service.js';
import { RollupsService } from '../../src/rollups/rollups.service.js';
import { buildWorkspace, runCollectorBin as runBin } from '../support/run-bin.js';
import { TestAgent } from '../support/test-agent.js';
import { engines } from '../../../test/support/engines.js';
import { createPostgresDatabase, postgresServerUrl, type TestDatabase } from '../../../test/support/postgres.js';
import { engineSampleStores } from '../support/engine-sample-store.js';

const H = 3_600_000;
const D = 86_400_000;
const HOURS = 30 * 24;
const LINK_BYTES_PER_SECOND = 1_000_000;
const API_TOKEN = 'capacity-admin-token';
const AGENT_TOKEN = 'capacity-agent-token';

/** The current hour: the last hourly sample lies in the hour before it. */
const NOW_HOUR = Math.floor(Date.now() / H) * H;
const START = NOW_HOUR - HOURS * H;
const ORIGIN = NOW_HOUR - H;
const hourly = (f: (i: number) => number) => Array.from({ length: HOURS }, (_, i) => f(i));
const timestamps = Array.from({ length: HOURS }, (_, i) => START + i * H);

/**
 * /data on host-1: trend + daily + weekly seasonality + noise, with the base chosen so the noise-free
 * series first reaches the default filesystem threshold (0.9) about 14 days after the history.
 */
const fsSpec: SyntheticSpec = (() => {
  const shape: SyntheticSpec = { startMs: START, hours: HOURS, base: 0, slopePerDay: 0.01, dailyAmplitude: 0.06, weeklyAmplitude: 0.02, noiseSd: 0.01, seed: 7 };
  return { ...shape, base: 0.9 - syntheticThreshold(shape, 14) };
})();
const FS_TRUTH = syntheticCrossingMs(fsSpec, 0.9, 90 * 24)!;
/** Memory on host-1: a straight line reaching 0.95 exactly MEM_DAYS after the last sample. */
const MEM_SLOPE = 0.0065;
const MEM_DAYS = 8.5;
const memAt = (i: number) => 0.95 - MEM_SLOPE * (MEM_DAYS - (i - (HOURS - 1)) / 24);
const MEM_TRUTH = ORIGIN + MEM_DAYS * D;
/** eth0 of host-1 receives 20 % of the link growing by 1 % a day: 0.8 (network threshold) after ~30 days. */
const rxRatio = (i: number) => 0.2 + (0.01 * i) / 24;
const RX_TRUTH = START + ((0.8 - 0.2) / 0.01) * D;

function counter(rate: (i: number) => number): number[] {
  const out: number[] = [];
  let total = 1e9;
  for (let i = 0; i < HOURS; i++) {
    out.push(total);
    total += rate(i) * 3600;
  }
  return out;
}

const GAUGE = vigil.v1.MetricType.METRIC_TYPE_GAUGE;
const COUNTER = vigil.v1.MetricType.METRIC_TYPE_COUNTER;
const series = (metric: string, labels: Record<string, string>, values: number[], type = GAUGE, from = 0): vigil.v1.ISeries => ({
  metric,
  labels,
  type,
  timestampsMs: timestamps.slice(from),
  values: values.slice(from),
});

interface Fetched {
  status: number;
  type: string;
  text: string;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

const relError = (actualMs: number, truthMs: number) => Math.abs(actualMs - truthMs) / (truthMs - ORIGIN);

describe.each(engines('capacity.spec'))('capacity forecasts through the real collector on $name and the report binary', (engine) => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-capacity-'));
  const configFile = join(dir, 'collector.yaml');
  const samples = engineSampleStores();
  let collector: RunningCollector | undefined;
  let postgres: TestDatabase | undefined;

  async function http(method: string, path: string, token?: string): Promise<Fetched> {
    const res = await fetch(`http://${collector!.httpAddress}${path}`, { method, headers: token ? { authorization: `Bearer ${token}` } : {} });
    const text = await res.text();
    const type = res.headers.get('content-type') ?? '';
    return { status: res.status, type, text, json: type.startsWith('application/json') ? JSON.parse(text) : undefined };
  }

  beforeAll(async () => {
    buildWorkspace();
    // The collector opens its database from the configuration: on PostgreSQL, a new database on the run's server.
    if (engine.name === 'postgres') postgres = await createPostgresDatabase(postgresServerUrl('capacity.spec')!);
    const storage = postgres ? { driver: 'postgres', url: postgres.url } : { path: join(dir, 'vigil.db') };
    writeFileSync(
      configFile,
      stringify({
        storage,
        listen: { grpc: '127.0.0.1:0', http: '127.0.0.1:0' },
        auth: { agent_tokens: [AGENT_TOKEN], api_tokens: [API_TOKEN] },
        ingest: { max_age: '40d' },
        capacity: { network_bytes_per_second: LINK_BYTES_PER_SECOND },
        rules: [{ name: 'capacity-soon', builtin: 'capacity_exhaustion', within_days: 10, severity: 'warning' }],
      }),
    );
    const clock = new ManualClock(NOW_HOUR + 60_000);
    collector = await startCollector({
      config: loadConfigFile(configFile),
      clock,
      logLevels: false,
      ...(postgres ? { store: (db) => samples.open(db, { clock }) } : {}),
    });
    const fs = syntheticSeries(fsSpec).values;
    const one = new TestAgent(collector.grpcAddress, AGENT_TOKEN, 'agent-1', 'epoch-1', 'host-1').connect().hello();
    one.batch(1, [
      series('vigil_filesystem_used_ratio', { mountpoint: '/data', device: '/dev/sdb1', fstype: 'ext4' }, Array.from(fs)),
      // tmpfs is not capacity (capacity.exclude_fstypes): never forecast.
      series('vigil_filesystem_used_ratio', { mountpoint: '/run', device: 'tmpfs', fstype: 'tmpfs' }, hourly(() => 0.99)),
      series('vigil_memory_used_ratio', {}, hourly(memAt)),
      series('vigil_network_receive_bytes_total', { interface: 'eth0' }, counter((i) => rxRatio(i) * LINK_BYTES_PER_SECOND), COUNTER),
      // Loopback traffic is not link usage (capacity.network_exclude_interfaces).
      series('vigil_network_receive_bytes_total', { interface: 'lo' }, counter(() => 5 * LINK_BYTES_PER_SECOND), COUNTER),
    ]);
    const two = new TestAgent(collector.grpcAddress, AGENT_TOKEN, 'agent-2', 'epoch-1', 'host-2').connect().hello();
    two.batch(1, [
      // Busy in the afternoon, flat over the month: never reaches 85 %.
      series('vigil_cpu_utilization_ratio', {}, hourly((i) => 0.3 + 0.2 * Math.sin((2 * Math.PI * (((START / H + i) % 24) - 8)) / 24))),
      // Two days of history only: "insufficient data", never a made-up forecast.
      series('vigil_filesystem_used_ratio', { mountpoint: '/', device: '/dev/sda1', fstype: 'xfs' }, hourly((i) => 0.5 + i * 0.0001), GAUGE, HOURS - 48),
    ]);
    await Promise.all([one.until(() => one.acks.includes(1), 15_000), two.until(() => two.acks.includes(1), 15_000)]);
    one.close();
    two.close();
    // Acked = committed; the rollups aggregate after the commit. Write every closed bucket, then forecast.
    const rollups = collector.app.get(RollupsService);
    await rollups.flush();
    await rollups.idle();
    const recompute = await http('POST', '/api/capacity/recompute', API_TOKEN);
    expect(recompute.status).toBe(200);
    expect(recompute.json).toMatchObject({ resources: 5, forecasts: 4, insufficient: 1, failures: 0 });
  }, 120_000);

  afterAll(async () => {
    await collector?.close();
    await samples.dispose();
    await postgres?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('ranks every resource by time to exhaustion, each within tolerance of the known truth', async () => {
    const res = await http('GET', '/api/capacity');
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ horizon_days: 90, sort: 'exhaustion', computed_at: new Date(NOW_HOUR + 60_000).toISOString() });
    const resources = res.json.resources as any[]; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(resources.map((r) => [r.host, r.resource, r.mountpoint, r.status])).toEqual([
      ['host-1', 'memory', '', 'ok'],
      ['host-1', 'filesystem', '/data', 'ok'],
      ['host-1', 'network_rx', '', 'ok'],
      ['host-2', 'cpu', '', 'ok'],
      ['host-2', 'filesystem', '/', 'insufficient_data'],
    ]);
    const [memory, fs, rx, cpu, young] = resources;

    // A straight line: the forecast is exact (hourly grid), the band is tight.
    expect(memory.model).toBe('linear');
    expect(relError(Date.parse(memory.exhaustion.expected_at), MEM_TRUTH)).toBeLessThan(0.01);
    expect(memory.exhaustion.days_left).toBeCloseTo((MEM_TRUTH - NOW_HOUR - 60_000) / D, 1);
    expect(memory.growth_per_day).toBeCloseTo(MEM_SLOPE, 5);
    expect(memory.current).toBeCloseTo(memAt(HOURS - 1), 9);
    expect(memory.threshold).toBe(0.95);

    // Seasonal with noise: a Holt-Winters model wins the backtest; within 5 % at a 14-day horizon.
    expect((FS_TRUTH - ORIGIN) / D).toBeGreaterThan(13);
    expect(fs.model).toMatch(/^holt_winters_/);
    expect(relError(Date.parse(fs.exhaustion.expected_at), FS_TRUTH)).toBeLessThan(0.05);
    expect(fs.growth_per_day).toBeCloseTo(0.01, 2);
    expect(Date.parse(fs.exhaustion.earliest_at)).toBeLessThanOrEqual(Date.parse(fs.exhaustion.expected_at));
    expect(Date.parse(fs.exhaustion.latest_at ?? '9999-12-31')).toBeGreaterThanOrEqual(Date.parse(fs.exhaustion.expected_at));
    expect(fs.backtest.length).toBeGreaterThanOrEqual(2);
    expect(fs.backtest_error).toBe(fs.backtest[0].mae);

    // Throughput from a counter (rates from the rollups), against the configured link capacity; lo left out.
    expect(rx.current).toBeCloseTo(rxRatio(HOURS - 1), 2);
    expect(rx.growth_per_day).toBeCloseTo(0.01, 3);
    expect(relError(Date.parse(rx.exhaustion.expected_at), RX_TRUTH)).toBeLessThan(0.05);

    expect(cpu.exhaustion).toMatchObject({ exceeded: false, days_left: null, expected_at: null });
    expect(cpu.forecast_at_horizon.value).toBeGreaterThan(0.05);
    expect(cpu.forecast_at_horizon.value).toBeLessThan(0.55);

    expect(young).toMatchObject({ exhaustion: null, model: null, history_hours: 48, needed_hours: 72 });
    expect(young.message).toBe('insufficient data: 2 d of history, need 3 d (24 h more)');
  });

  it('is ready: the database answers and storage takes writes', async () => {
    expect(await http('GET', '/readyz')).toMatchObject({ status: 200, json: { status: 'ready' } });
  });

  it('filters by days left, host and resource, sorts on request, and rejects bad parameters', async () => {
    const soon = await http('GET', '/api/capacity?within_days=20');
    expect(soon.json.resources.map((r: { title: string }) => r.title)).toEqual(['memory on host-1', 'filesystem /data on host-1']);
    const byHost = await http('GET', '/api/capacity?host=host-2&sort=utilization&limit=1');
    expect(byHost.json.resources.map((r: { resource: string }) => r.resource)).toEqual(['filesystem']);
    const rx = await http('GET', '/api/capacity?resource=network_rx');
    expect(rx.json.resources).toHaveLength(1);
    const bad = await http('GET', '/api/capacity?sort=fastest&limit=0&within_days=-1&color=red');
    expect(bad.status).toBe(400);
    expect(bad.json.error).toBe('invalid request');
    expect(bad.json.issues).toEqual(
      expect.arrayContaining([
        'sort: must be one of exhaustion, earliest, growth, utilization, host',
        'limit: must be an integer from 1 to 100000',
        'within_days: must be a positive number of days',
        expect.stringContaining('color'),
      ]),
    );
    expect((await http('POST', '/api/capacity/recompute')).status).toBe(401);
  });

  it('serves one host with hourly history and forecast points for charts', async () => {
    const res = await http('GET', '/api/capacity/host-1');
    expect(res.status).toBe(200);
    expect(res.json.host).toBe('host-1');
    const memory = res.json.resources[0];
    expect(memory.resource).toBe('memory');
    expect(memory.history).toHaveLength(HOURS);
    expect(memory.history[0]).toEqual([START, expect.closeTo(memAt(0), 9)]);
    expect(memory.history[HOURS - 1][0]).toBe(ORIGIN);
    // Every 6 hours over the 90-day horizon; the band holds the mean.
    expect(memory.forecast).toHaveLength(90 * 4);
    expect(memory.forecast[0].t).toBe(ORIGIN + 6 * H);
    for (const p of memory.forecast) expect(p.lower <= p.mean && p.mean <= p.upper).toBe(true);
    const missing = await http('GET', '/api/capacity/no-such-host');
    expect(missing.status).toBe(404);
    expect(missing.json.message).toBe('no capacity data for host "no-such-host"');
  });

  it('answers range queries from the rollup tier that fits the step', async () => {
    const id = (await http('GET', '/api/series?metric=vigil_memory_used_ratio')).json[0].id;
    const daily = await http('GET', `/api/rollups?series=${id}&step=1d&from=${START}&to=${ORIGIN}`);
    expect(daily.json).toMatchObject({ resolution: '1h', stepMs: D, unit: 'value' });
    // Steps are UTC days: the first is the partial day the history starts in.
    const firstDay = Math.floor(START / D) * D;
    const firstHours = (firstDay + D - START) / H;
    expect(daily.json.points).toHaveLength(Math.floor(ORIGIN / D) - firstDay / D + 1);
    expect(daily.json.points[0]).toMatchObject({ t: firstDay, count: firstHours, min: expect.closeTo(memAt(0), 9), max: expect.closeTo(memAt(firstHours - 1), 9) });
    expect(daily.json.points.reduce((n: number, p: { count: number }) => n + p.count, 0)).toBe(HOURS);
    // The last hour at a 1-minute step: from the 1m tier (raw is kept 7 days, 1m buckets 35).
    const minutes = await http('GET', `/api/rollups?series=${id}&step=1m&from=${ORIGIN - H}&to=${ORIGIN}`);
    expect(minutes.json.resolution).toBe('1m');
    expect(minutes.json.points.map((p: { t: number }) => p.t)).toEqual([ORIGIN - H, ORIGIN]);
    const rx = (await http('GET', '/api/series?metric=vigil_network_receive_bytes_total&interface=eth0')).json[0].id;
    const rate = await http('GET', `/api/rollups?series=${rx}&step=1h&from=${ORIGIN - 2 * H}&to=${ORIGIN}`);
    expect(rate.json.unit).toBe('per_second');
    expect(rate.json.points.at(-1).avg).toBeCloseTo(rxRatio(HOURS - 2) * LINK_BYTES_PER_SECOND, 0);
    const bad = await http('GET', `/api/rollups?series=${id}&step=soon`);
    expect(bad.json.issues).toEqual(['step: invalid duration "soon" (use e.g. 1m, 1h or milliseconds)']);
  });

  it('exposes the forecasts on /metrics with bounded labels', async () => {
    const text = (await http('GET', '/metrics')).text;
    const value = (metric: string, labels: string) => {
      const line = text.split('\n').find((l) => l.startsWith(`${metric}{${labels}}`));
      return line === undefined ? undefined : Number(line.split(' ').pop());
    };
    const memory = 'agent="agent-1",host="host-1",resource="memory",mountpoint=""';
    expect(value('vigil_capacity_exhaustion_seconds', memory)! / 86_400).toBeCloseTo((MEM_TRUTH - NOW_HOUR - 60_000) / D, 1);
    expect(value('vigil_capacity_growth_per_day', memory)).toBeCloseTo(MEM_SLOPE, 5);
    expect(value('vigil_capacity_utilization_ratio', memory)).toBeCloseTo(memAt(HOURS - 1), 9);
    expect(value('vigil_capacity_forecast_value', 'agent="agent-1",host="host-1",resource="filesystem",mountpoint="/data"')).toBeGreaterThan(0.9);
    // Not within the horizon, or not enough history: no exhaustion series.
    expect(value('vigil_capacity_exhaustion_seconds', 'agent="agent-2",host="host-2",resource="cpu",mountpoint=""')).toBeUndefined();
    expect(text).not.toContain('mountpoint="/run"');
    expect(text.match(/^vigil_capacity_utilization_ratio\{/gm)).toHaveLength(5);
    // Rollup health: real counters (the metrics catalog and promtool require the type).
    expect(text).toContain('# TYPE vigil_rollup_written_buckets_total counter');
    expect(value('vigil_rollup_written_buckets_total', 'tier="1h"')).toBeGreaterThanOrEqual(4 * HOURS);
    expect(text).toMatch(/^vigil_rollup_listener_cpu_seconds_total \d/m);
  });

  it('opens an incident through the built-in capacity_exhaustion rule for what runs out within 10 days', async () => {
    await collector!.app.get(RuleEvaluator).pollSignals(); // instead of waiting for incidents.signal_interval
    const deadline = Date.now() + 10_000;
    let incidents: Array<{ title: string; labels: Record<string, string> }> = [];
    while (Date.now() < deadline) {
      const res = await http('GET', '/api/incidents');
      incidents = res.json.incidents;
      if (incidents.length) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(incidents).toHaveLength(1);
    expect(incidents[0]!.title).toMatch(/^memory on host-1 will be exhausted in 8\.\d days$/);
  });

  it('renders the capacity report as JSON, CSV and a self-contained HTML page from the API', async () => {
    const json = await http('GET', '/api/reports/capacity');
    expect(json.json.report).toBe('capacity');
    expect(json.json.resources.map((r: { rank: number; title: string }) => `${r.rank} ${r.title}`)).toEqual([
      '1 memory on host-1',
      '2 filesystem /data on host-1',
      '3 network rx on host-1',
      '4 cpu on host-2',
      '5 filesystem / on host-2',
    ]);
    const csv = await http('GET', '/api/reports/capacity?format=csv');
    expect(csv.type).toBe('text/csv; charset=utf-8');
    const rows = parseCsv(csv.text);
    expect(rows[0]!.slice(0, 4)).toEqual(['rank', 'host', 'agent', 'resource']);
    expect(rows.slice(1).map((r) => r[3])).toEqual(['memory', 'filesystem', 'network_rx', 'cpu', 'filesystem']);
    const html = await http('GET', '/api/reports/capacity?format=html');
    expect(html.type).toBe('text/html; charset=utf-8');
    expect(html.text.match(/<svg/g)).toHaveLength(4); // one chart per forecast resource
    expect(html.text).not.toMatch(/<script|<link|src="http/);
    expect((await http('GET', '/api/reports/capacity?format=pdf')).json.issues).toEqual(['format: must be one of json, csv, html']);
  });

  // The binary opens its database and sample store from the configuration, as the collector did.
  describe('vigil-collector report capacity (binary, after the collector closed)', () => {
    /** What the collector persisted; a report must leave it unchanged. */
    async function persisted(): Promise<unknown> {
      const db = postgres ? await PostgresDatabase.open({ url: postgres.url }) : await SqliteDatabase.open({ path: join(dir, 'vigil.db') });
      try {
        return {
          forecasts: await db.all('SELECT key, computed_ms FROM capacity_forecasts ORDER BY key'),
          hourly: await db.all('SELECT COUNT(*) AS n, MAX(start_ms) AS last, SUM(sum) AS total FROM rollup_1h'),
        };
      } finally {
        await db.close();
      }
    }

    beforeAll(async () => {
      await collector?.close();
      collector = undefined;
    });

    it('prints the JSON report with the same forecasts, writing nothing', async () => {
      const before = await persisted();
      const run = await runBin(['report', 'capacity', '--config', configFile]);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(await persisted()).toEqual(before);
      const report = JSON.parse(run.stdout);
      expect(report.resources.map((r: { title: string; status: string }) => `${r.title} ${r.status}`)).toEqual([
        'memory on host-1 ok',
        'filesystem /data on host-1 ok',
        'network rx on host-1 ok',
        'cpu on host-2 ok',
        'filesystem / on host-2 insufficient_data',
      ]);
      const [memory, fs] = report.resources;
      expect(relError(Date.parse(memory.exhaustion.expected_at), MEM_TRUTH)).toBeLessThan(0.01);
      expect(relError(Date.parse(fs.exhaustion.expected_at), FS_TRUTH)).toBeLessThan(0.05);
    });

    it('writes the HTML page to --out and refuses an unknown format with exit status 2', async () => {
      const out = join(dir, 'capacity.html');
      const run = await runBin(['report', 'capacity', '--config', configFile, '--format', 'html', '--out', out]);
      expect(run.code).toBe(0);
      expect(run.stdout).toBe('');
      expect(statSync(out).size).toBeGreaterThan(1000);
      expect(readFileSync(out, 'utf8').match(/<svg/g)).toHaveLength(4);
      const bad = await runBin(['report', 'capacity', '--config', configFile, '--format', 'xml']);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('vigil-collector: --format: must be one of json, csv, html');
    });
  });
});
