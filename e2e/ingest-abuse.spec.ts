// Ingest under abuse, with real processes: a real collector binary on a SQLite file, a real agent
// binary, scripted hostile streams (collector/test/support/test-agent.ts) and a real Prometheus
// scraping the collector (Debian `prometheus`/`promtool`; installed when missing, else the
// Prometheus test skips with the reason, and fails under CI=true).
//   - a second stream claiming the live agent's id is refused ALREADY_EXISTS, the agent keeps flowing;
//   - sequence poisoning: a batch with seq 1e12 under the agent's id and epoch is rejected
//     sequence_gap, and the agent's later batches are stored (not taken for replays);
//   - an agent sending `up` = 0 and `vigil_ingest_ack_latency_seconds_bucket` is rejected
//     reserved_metric_name; promtool check metrics stays clean and Prometheus never sees up == 0;
//   - 200k series from one agent: max_series_per_agent lets 20k in, the rest is rejected and counted,
//     and the collector's RSS is measured.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { status } from '@grpc/grpc-js';
import { RejectReason, vigil } from '@vigil/proto';
import { TestAgent } from '../collector/test/support/test-agent.js';
import { promtool, queryInstant, requirePrometheusTools, startPrometheus, type RunningPrometheus } from '../dashboards/testing/prometheus.js';
import { AGENT_BIN, getJson, sleep, spawnNode, startCollectorProcess, waitFor, type RunningCollectorProcess, type VigilProcess } from './support/vigil-processes.js';

const TOKEN = 'abuse-agent-token-01';
const AGENT_ID = 'abuse-agent';

interface SeriesRef { id: number; metric: string; labels: Record<string, string> }
const rssMiB = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

describe.runIf(process.platform === 'linux')('ingest under abuse (real collector, agent and Prometheus)', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-abuse-'));
  const processes: VigilProcess[] = [];
  const scripted: TestAgent[] = [];
  let collector: RunningCollectorProcess;
  let agent: VigilProcess;
  const startAgent = () => {
    agent = spawnNode('agent', AGENT_BIN, ['--collector', collector.grpc, '--token', TOKEN, '--interval', '1s', '--id', AGENT_ID, '--spool-dir', path.join(dir, 'spool')]);
    processes.push(agent);
  };
  const scriptedAgent = (id: string, epoch = 'epoch-x') => {
    const a = new TestAgent(collector.grpc, TOKEN, id, epoch, `${id}-host`);
    scripted.push(a);
    return a.connect();
  };
  /** Samples stored for the real agent's load1 series (one per second while it is connected). */
  const agentSamples = async () => {
    const [series] = await getJson<SeriesRef[]>(collector.http, `/api/series?metric=vigil_load1&agent=${AGENT_ID}`);
    return series ? (await getJson<{ points: unknown[] }>(collector.http, `/api/query?series=${series.id}`)).points.length : 0;
  };
  const growing = async (what: string) => {
    const before = await agentSamples();
    await waitFor(what, async () => ((await agentSamples()) >= before + 2 ? true : undefined), 20_000);
  };

  beforeAll(async () => {
    collector = await startCollectorProcess(['--db', path.join(dir, 'vigil.db'), '--grpc-listen', '127.0.0.1:0', '--http-listen', '127.0.0.1:0', '--agent-token', TOKEN]);
    processes.push(collector);
    startAgent();
    await growing('the real agent to be stored');
  }, 60_000);

  afterAll(async () => {
    for (const a of scripted) a.close();
    await Promise.all(processes.map((p) => p.stop('SIGTERM', 5_000)));
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a second stream claiming the connected agent id with ALREADY_EXISTS; the agent keeps being stored', async () => {
    const impostor = scriptedAgent(AGENT_ID).hello({ labels: { site: 'evil' } });
    await impostor.until(() => impostor.error !== undefined, 10_000);
    expect(impostor.error!.code).toBe(status.ALREADY_EXISTS);
    expect(collector.output).toMatch(/agent abuse-agent already has a live stream \(from .+\); refusing this one/);
    await growing('the agent to keep being stored');
    const [view] = (await getJson<Array<{ id: string; labels: Record<string, string>; connected: boolean }>>(collector.http, '/api/agents')).filter((a) => a.id === AGENT_ID);
    expect(view).toMatchObject({ connected: true, labels: {} });
  });

  it('rejects a batch with sequence 1e12 under the agent id and epoch as sequence_gap; the agent is stored after it', async () => {
    const { streamEpoch } = JSON.parse(readFileSync(path.join(dir, 'spool/state.json'), 'utf8')) as { streamEpoch: string };
    await agent.stop('SIGTERM');
    const poisoner = scriptedAgent(AGENT_ID, streamEpoch).hello();
    await poisoner.until(() => poisoner.welcome !== undefined, 10_000);
    const lastStored = Number(poisoner.welcome!.lastStoredSeq);
    expect(lastStored).toBeGreaterThan(0);
    poisoner.batch(1e12, [{ metric: 'vigil_load1', timestampsMs: [Date.now()], values: [999] }]);
    await poisoner.until(() => poisoner.acks.includes(1e12), 10_000);
    expect(poisoner.rejections).toEqual([expect.objectContaining({ seq: 1e12, reason: RejectReason.REJECT_REASON_SEQUENCE_GAP, wholeBatch: true })]);
    poisoner.close();
    startAgent();
    await growing('the restarted agent to be stored after the poisoning attempt');
    expect(agent.output).not.toMatch(/collector has stored sequence numbers beyond ours/);
    const [series] = await getJson<SeriesRef[]>(collector.http, `/api/series?metric=vigil_load1&agent=${AGENT_ID}`);
    const { points } = await getJson<{ points: Array<[number, number]> }>(collector.http, `/api/query?series=${series!.id}`);
    expect(points.some(([, v]) => v === 999)).toBe(false);
  }, 60_000);

  describe('forged collector metrics', () => {
    let prometheus: RunningPrometheus | undefined;
    const tools = requirePrometheusTools('e2e/ingest-abuse.spec.ts');
    afterAll(() => prometheus?.stop());

    it('rejects up and the collector\'s own histogram samples, keeps promtool clean and up{job="vigil-collector"} at 1', async ({ skip }) => {
      if (!tools.available) return skip(tools.reason);
      prometheus = await startPrometheus(dir, stringify({
        global: { scrape_interval: '1s', scrape_timeout: '1s' },
        scrape_configs: [{ job_name: 'vigil-collector', honor_labels: true, static_configs: [{ targets: [collector.http] }] }],
      }));
      const forger = scriptedAgent('forger').hello();
      for (let seq = 1; seq <= 5; seq++) {
        const t = Date.now();
        forger.batch(seq, [
          { metric: 'up', labels: { job: 'vigil-collector' }, timestampsMs: [t], values: [0] },
          { metric: 'vigil_ingest_ack_latency_seconds_bucket', labels: { le: '+Inf' }, timestampsMs: [t], values: [1] },
          { metric: 'vigil_forger_ok_ratio', labels: {}, timestampsMs: [t], values: [0.5], type: vigil.v1.MetricType.METRIC_TYPE_GAUGE },
        ]);
        await forger.until(() => forger.acks.includes(seq), 10_000);
        await sleep(1_000);
      }
      expect(new Set(forger.rejections.map((r) => r.reason))).toEqual(new Set([RejectReason.REJECT_REASON_RESERVED_METRIC_NAME]));
      expect(forger.rejections.reduce((n, r) => n + Number(r.rejectedSamples), 0)).toBe(10);
      const body = await (await fetch(`http://${collector.http}/metrics`)).text();
      expect(body).toContain('vigil_forger_ok_ratio{agent="forger",host="forger-host"} 0.5');
      const check = promtool(['check', 'metrics'], undefined, body);
      expect(check.output.split('\n').filter(Boolean)).toEqual([]);
      expect(check.status).toBe(0);
      const url = prometheus.url;
      await waitFor('Prometheus to scrape the forger series', async () => ((await queryInstant(url, 'vigil_forger_ok_ratio')).series.length > 0 ? true : undefined), 20_000);
      const minUp = await queryInstant(url, 'min_over_time(up{job="vigil-collector"}[1m])');
      expect(minUp.series.map((s) => s.values[0]![1])).toEqual(['1']);
      expect((await queryInstant(url, 'up == 0')).series).toEqual([]);
    }, 90_000);
  });

  it('lets 20,000 of 200,000 series from one agent in (max_series_per_agent), rejects and counts the rest, with bounded RSS', async () => {
    const rssBefore = rssMiB(collector.child.pid!);
    const flood = scriptedAgent('flood').hello();
    const t = Date.now() - 5_000;
    const perBatch = 5_000;
    for (let seq = 1; seq <= 40; seq++) {
      flood.batch(seq, Array.from({ length: perBatch }, (_, i) => ({ metric: 'vigil_flood_ratio', labels: { n: String((seq - 1) * perBatch + i) }, timestampsMs: [t], values: [1] })));
    }
    await flood.until(() => flood.acks.includes(40), 120_000);
    const rejected = flood.rejections.filter((r) => r.reason === RejectReason.REJECT_REASON_SERIES_LIMIT).reduce((n, r) => n + Number(r.rejectedSamples), 0);
    expect(rejected).toBe(180_000);
    const stored = await getJson<SeriesRef[]>(collector.http, '/api/series?agent=flood&limit=100000');
    expect(stored).toHaveLength(20_000);
    const rssAfter = rssMiB(collector.child.pid!);
    console.log(`200k series offered by one agent: 20,000 stored, ${rejected} samples rejected (series_limit); collector RSS ${rssBefore.toFixed(0)} -> ${rssAfter.toFixed(0)} MiB`);
    expect(rssAfter).toBeLessThan(512);
    const metrics = await (await fetch(`http://${collector.http}/metrics`)).text();
    expect(metrics).toContain('vigil_ingest_rejected_samples_total{reason="series_limit"} 180000');
  }, 180_000);
});
