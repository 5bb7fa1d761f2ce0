// Remote write end to end: a real collector process sends what a scripted agent stores to
// 1. a real Prometheus (Debian's `prometheus`, --web.enable-remote-write-receiver) that is stopped
//    mid-run while ingest goes on and started again on the same port and data: afterwards it holds
//    every stored sample (counts compared per series through its HTTP API);
// 2. a recording receiver while the collector is killed with SIGKILL in the middle of a request:
//    after the restart nothing is missing and the only duplicates are that request, resent as is.
//
// Needs `npm run build` first (the bins load dist/). Installs `prometheus` when missing; test 1
// skips with a printed reason when it cannot, except under CI=true where it fails.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { gauge, TestAgent } from '../collector/test/support/test-agent.js';
import { RemoteWriteReceiver, seriesName } from '../collector/test/support/remote-write-receiver.js';
import { freePort, queryInstant, requirePrometheusTools, startPrometheus, type RunningPrometheus, type ToolStatus } from '../dashboards/testing/prometheus.js';
import { getJson, sleep, startCollectorProcess, waitFor, type RunningCollectorProcess } from './support/vigil-processes.js';

const AGENT_TOKEN = 'e2e-remote-write-token';
const METRIC = 'vigil_rw_e2e_value';
const SERIES = 20;
/** The samples are recent (Prometheus refuses samples older than its head block). */
const BASE_MS = Date.now() - 10 * 60_000;

let tmp = '';
const running: Array<{ stop(): Promise<unknown> }> = [];
let tools: ToolStatus = { available: false, reason: 'not checked yet' };

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'vigil-e2e-rw-'));
  tools = requirePrometheusTools('e2e/remote-write.spec.ts (Prometheus restart)');
});

afterAll(async () => {
  for (const p of running.splice(0).reverse()) await p.stop();
  rmSync(tmp, { recursive: true, force: true });
});

async function startCollector(name: string, remoteWrite: Record<string, unknown>): Promise<RunningCollectorProcess> {
  const config = join(tmp, `${name}.yaml`);
  writeFileSync(config, stringify({
    storage: { path: join(tmp, `${name}.db`) },
    listen: { grpc: '127.0.0.1:0', http: '127.0.0.1:0' },
    auth: { agent_tokens: [AGENT_TOKEN] },
    remote_write: [remoteWrite],
  }));
  const collector = await startCollectorProcess(['--config', config], name);
  running.push(collector);
  return collector;
}

/** Batches seq from..to, each one point for every series, 200 ms apart; resolves when all are acked. */
async function sendBatches(agent: TestAgent, from: number, to: number): Promise<void> {
  for (let seq = from; seq <= to; seq++) {
    agent.batch(seq, Array.from({ length: SERIES }, (_, i) => gauge(METRIC, { n: String(i) }, BASE_MS + seq * 200, [seq * 1000 + i])));
  }
  await agent.until(() => agent.acks.includes(to), 30_000);
  expect(agent.rejections).toEqual([]);
}

function connectAgent(collector: RunningCollectorProcess): TestAgent {
  const agent = new TestAgent(collector.grpc, AGENT_TOKEN, 'rw-agent', 'epoch-1', 'rw-host').connect().hello();
  running.push({ stop: async () => agent.close() });
  return agent;
}

/** A metric of the collector's /metrics, by the label value it is keyed on (reason, or target). */
async function collectorMetric(collector: RunningCollectorProcess, name: string): Promise<Record<string, number>> {
  const text = await (await fetch(`http://${collector.http}/metrics`, { signal: AbortSignal.timeout(10_000) })).text();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(new RegExp(`^${name}\\{([^}]*)\\} (\\S+)$`, 'gm'))) {
    const labels = Object.fromEntries([...m[1]!.matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]));
    out[labels.reason ?? labels.target ?? ''] = Number(m[2]);
  }
  return out;
}

async function caughtUp(collector: RunningCollectorProcess, target: string): Promise<void> {
  await waitFor(`${target} caught up`, async () => ((await collectorMetric(collector, 'vigil_remote_write_pending_samples'))[target] === 0 ? true : undefined), 60_000);
}

/** Stored samples per series, as the collector's query API returns them: `METRIC{n="i"}` -> timestamps. */
async function storedSamples(collector: RunningCollectorProcess): Promise<Map<string, number[]>> {
  const out = new Map<string, number[]>();
  const series = await getJson<Array<{ id: number; labels: Record<string, string> }>>(collector.http, `/api/series?metric=${METRIC}&limit=100000`);
  for (const s of series) {
    const { points } = await getJson<{ points: [number, number][] }>(collector.http, `/api/query?series=${s.id}&from=0&to=${Date.now() + 3_600_000}`);
    out.set(`${METRIC}{agent="${s.labels.agent}",host="${s.labels.host}",n="${s.labels.n}"}`, points.map((p) => p[0]));
  }
  return out;
}

describe('remote write end to end', () => {
  it('Prometheus holds every stored sample after it was stopped and started again mid-run', async (context) => {
    if (!tools.available) return context.skip();
    const port = await freePort();
    const promDir = join(tmp, 'prometheus');
    const promOptions = { port, tsdbPath: join(promDir, 'tsdb'), args: ['--web.enable-remote-write-receiver'] };
    rmSync(promDir, { recursive: true, force: true });
    mkdirSync(promDir, { recursive: true });
    let prometheus: RunningPrometheus = await startPrometheus(promDir, 'global: {}\n', 20_000, promOptions);
    running.push({ stop: () => prometheus.stop() });
    const url = `${prometheus.url}/api/v1/write`;
    const collector = await startCollector('rw-prometheus', { name: 'prometheus', url, queue: { max_samples_per_send: 500, min_backoff: '50ms', max_backoff: '1s' } });
    const agent = connectAgent(collector);

    await sendBatches(agent, 1, 100);
    await caughtUp(collector, 'prometheus');
    await prometheus.stop();
    await sendBatches(agent, 101, 200); // stored while Prometheus is down
    await waitFor('failed attempts counted', async () => ((await collectorMetric(collector, 'vigil_remote_write_failed_samples_total')).network ?? 0) > 0 ? true : undefined, 20_000);
    expect((await collectorMetric(collector, 'vigil_remote_write_pending_samples')).prometheus).toBe(100 * SERIES);
    expect((await collectorMetric(collector, 'vigil_remote_write_lag_seconds')).prometheus).toBeGreaterThan(0);

    prometheus = await startPrometheus(promDir, 'global: {}\n', 20_000, promOptions);
    await sendBatches(agent, 201, 300);
    await caughtUp(collector, 'prometheus');

    const stored = await storedSamples(collector);
    expect(stored.size).toBe(SERIES);
    const at = (BASE_MS + 300 * 200) / 1000 + 1;
    const counted = await queryInstant(prometheus.url, `count_over_time(${METRIC}[1h])`, at);
    expect(counted.ok, counted.error).toBe(true);
    const inPrometheus = new Map(counted.series.map((s) => [`${METRIC}{agent="${s.metric.agent}",host="${s.metric.host}",n="${s.metric.n}"}`, Number(s.values[0]![1])]));
    const expected = new Map([...stored].map(([k, v]) => [k, v.length]));
    expect(inPrometheus).toEqual(expected);
    expect([...expected.values()].every((n) => n === 300)).toBe(true);
    // Values too: the sum over every series of the last hour equals the sum of what was stored.
    const sum = await queryInstant(prometheus.url, `sum(sum_over_time(${METRIC}[1h]))`, at);
    let storedSum = 0;
    for (let seq = 1; seq <= 300; seq++) for (let i = 0; i < SERIES; i++) storedSum += seq * 1000 + i;
    expect(Number(sum.series[0]!.values[0]![1])).toBe(storedSum);
    expect(await collectorMetric(collector, 'vigil_remote_write_dropped_samples_total')).toEqual({});
    expect((await collectorMetric(collector, 'vigil_remote_write_sent_samples_total')).prometheus).toBe(300 * SERIES);
  }, 180_000);

  it('SIGKILL in the middle of a request: after the restart nothing is missing, and only that request arrives twice', async () => {
    const receiver = await new RemoteWriteReceiver().start();
    running.push(receiver);
    let release: () => void = () => undefined;
    const hold = new Promise<void>((resolve) => (release = resolve));
    receiver.script.push({ status: 204 }, { status: 204 }, { status: 204, hold });
    const target = { name: 'recorder', url: receiver.url, queue: { max_samples_per_send: 100, min_backoff: '50ms', max_backoff: '500ms' } };
    let collector = await startCollector('rw-crash', target);
    let agent = connectAgent(collector);
    await sendBatches(agent, 1, 20);
    await waitFor('a request in flight', () => (receiver.requests.length >= 3 ? true : undefined), 20_000);
    agent.close();
    await collector.stop('SIGKILL');
    release();

    collector = await startCollector('rw-crash', target);
    agent = connectAgent(collector);
    await sendBatches(agent, 21, 40);
    await caughtUp(collector, 'recorder');
    await sleep(200);

    // The first request after the restart is the one in flight at the kill, unchanged.
    expect(receiver.requests[3]!.series).toEqual(receiver.requests[2]!.series);
    const stored = await storedSamples(collector);
    expect([...stored.values()].reduce((n, v) => n + v.length, 0)).toBe(40 * SERIES);
    // What arrived = every stored sample once, plus the resent request's samples once more.
    const expected = new Map([...stored].map(([k, v]) => [k, [...v]]));
    for (const s of receiver.requests[2]!.series) expected.get(seriesName(s))!.push(...s.samples.map((x) => x.timestamp));
    const sortValues = (m: Map<string, number[]>) => new Map([...m].map(([k, v]) => [k, [...v].sort((a, b) => a - b)]));
    expect(sortValues(receiver.accepted())).toEqual(sortValues(expected));
  }, 120_000);
});
