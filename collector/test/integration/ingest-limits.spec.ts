import { afterEach, describe, expect, it } from 'vitest';
import { status } from '@grpc/grpc-js';
import { RejectReason, vigil } from '@vigil/proto';
import { gauge } from '../support/test-agent.js';
import { IngestHarness, recentMs } from '../support/ingest-harness.js';

const rejectionsByReason = (rejections: vigil.v1.IRejection[]) => Object.fromEntries(rejections.map((r) => [r.reason!, [r.rejectedSamples, r.wholeBatch]]));
const manySeries = (n: number, t: number, from = 0) => Array.from({ length: n }, (_, i) => gauge('vigil_many', { i: String(from + i) }, t, [i]));

describe('ingest limits (real gRPC, real SQLite file)', () => {
  let h: IngestHarness;
  afterEach(() => h.close());

  it('refuses new series over max_series_per_agent and max_series; existing series keep flowing, also after a restart', async () => {
    h = await IngestHarness.start({ ingest: { max_series_per_agent: 5, max_series: 8 } });
    const t = recentMs();
    const a = h.agent().connect().hello();
    a.batch(1, manySeries(7, t));
    await a.until(() => a.acks.includes(1));
    expect(a.rejections).toEqual([expect.objectContaining({
      seq: 1, reason: RejectReason.REJECT_REASON_SERIES_LIMIT, rejectedSamples: 2, wholeBatch: false,
      detail: '2 new series refused (first vigil_many): limit of 5 series of agent agent-1 (ingest.max_series_per_agent) reached',
    })]);
    const b = h.agent(undefined, 'agent-2').connect().hello();
    b.batch(1, manySeries(5, t));
    await b.until(() => b.acks.includes(1));
    expect(b.rejections[0]).toMatchObject({ reason: RejectReason.REJECT_REASON_SERIES_LIMIT, rejectedSamples: 2, detail: '2 new series refused (first vigil_many): limit of 8 series in the store (ingest.max_series) reached' });
    expect(await h.collector.store.countSamples()).toBe(8);

    await h.restart();
    const again = h.agent().connect().hello();
    again.batch(2, manySeries(6, t + 1000));
    await again.until(() => again.acks.includes(2));
    expect(rejectionsByReason(again.rejections)).toEqual({ [RejectReason.REJECT_REASON_SERIES_LIMIT]: [1, false] });
    expect(await h.collector.store.countSamples()).toBe(13);
    expect(await h.metricsText()).toContain('vigil_ingest_rejected_samples_total{reason="series_limit"} 1');
  });

  it('validates hello labels like sample labels and bounds the hello size', async () => {
    h = await IngestHarness.start();
    const cases: Array<[Partial<vigil.v1.IHello>, string]> = [
      [{ labels: { __name__: 'x' } }, 'hello labels: invalid label name "__name__"'],
      [{ labels: { 'bad-label': 'x' } }, 'hello labels: invalid label name "bad-label"'],
      [{ inventory: { blob: 'x'.repeat(70_000) } }, /^hello is 700\d\d bytes, more than ingest.max_hello_bytes \(65536; labels and inventory included\)$/.source],
    ];
    for (const [extra, message] of cases) {
      const a = h.agent().connect().hello(extra);
      await a.until(() => a.error !== undefined);
      expect(a.error!.code).toBe(status.INVALID_ARGUMENT);
      expect(a.error!.details).toMatch(new RegExp(`^${message.startsWith('^') ? message.slice(1, -1) : message.replace(/[()[\]"]/g, '\\$&')}$`));
    }
    expect(await (await fetch(`http://${h.collector.httpAddress}/api/agents`)).json()).toEqual([]);
    expect(await h.metricsText()).toContain('vigil_ingest_rejected_streams_total{reason="invalid_hello"} 3');
  });

  it('rejects metric names the collector exposes itself and keeps /metrics free of names promtool would refuse', async () => {
    h = await IngestHarness.start();
    const t = recentMs();
    const a = h.agent().connect().hello();
    a.batch(1, [
      gauge('up', {}, t, [0]),
      gauge('vigil_ingest_ack_latency_seconds_bucket', { le: '+Inf' }, t, [1]),
      gauge('scrape_duration_seconds', {}, t, [1]),
      { ...gauge('vigil_ingest_samples', {}, t, [1]), type: vigil.v1.MetricType.METRIC_TYPE_COUNTER },
      gauge('vigil_cpu_utilization_ratio', { cpu: '0' }, t, [0.5]),
      gauge('vigil_oddName_ratio', {}, t, [2]),
      gauge('vigil_disk_quantiles_ratio', { quantile: '0.5' }, t, [3]),
    ]);
    await a.until(() => a.acks.includes(1));
    expect(rejectionsByReason(a.rejections)).toEqual({ [RejectReason.REJECT_REASON_RESERVED_METRIC_NAME]: [4, false] });
    expect(a.rejections[0]!.detail).toBe('metric name up is reserved: the collector exposes it itself');
    expect(await h.collector.store.countSamples()).toBe(3);
    const body = await h.metricsText();
    expect(body).toContain('vigil_cpu_utilization_ratio{cpu="0",agent="agent-1",host="host-1"} 0.5');
    expect(body).not.toMatch(/^up[{ ]/m);
    expect(body).not.toContain('vigil_oddName_ratio');
    expect(body).not.toContain('quantile="0.5"');
    expect(body.match(/^# HELP vigil_ingest_ack_latency_seconds /gm)).toHaveLength(1);
    expect(body).toContain('vigil_ingest_rejected_samples_total{reason="reserved_metric_name"} 4');
  });

  it('ends a stream UNAVAILABLE when batches in flight pass the byte budget; resent batches are stored exactly once', async () => {
    h = await IngestHarness.start({ ingest: { max_inflight_bytes: 4096 } });
    const t = recentMs();
    const batchOf = (seq: number) => manySeries(5, t + seq * 1000);
    const a = h.agent().connect().hello();
    for (let seq = 1; seq <= 20; seq++) a.batch(seq, batchOf(seq));
    await a.until(() => a.error !== undefined);
    expect(a.error!.code).toBe(status.UNAVAILABLE);
    expect(a.error!.details).toMatch(/^collector busy: \d+ bytes of batches in flight \(ingest.max_inflight_bytes 4096\), retry later$/);
    expect(await h.metricsText()).toContain('vigil_ingest_rejected_streams_total{reason="inflight_full"} 1');
    // The agent resends what was not acked, one batch at a time: every sample stored once.
    const again = h.agent().connect().hello();
    await again.until(() => again.welcome !== undefined);
    const stored = Number(again.welcome!.lastStoredSeq);
    expect(stored).toBeLessThan(20);
    for (let seq = Math.max(...a.acks, 0) + 1; seq <= 20; seq++) {
      again.batch(seq, batchOf(seq));
      await again.until(() => again.acks.includes(seq));
    }
    expect(again.error).toBeUndefined();
    expect(await h.collector.store.countSamples()).toBe(100);
  });
});
