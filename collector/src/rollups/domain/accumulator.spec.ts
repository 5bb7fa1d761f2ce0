import { describe, expect, it } from 'vitest';
import type { SeriesRef } from '../../storage/storage.types.js';
import { RollupAccumulator } from './accumulator.js';

const gauge: SeriesRef = { id: 1, metric: 'vigil_memory_used_ratio', labels: {}, kind: 'gauge' };
const counter: SeriesRef = { id: 2, metric: 'vigil_network_receive_bytes_total', labels: {}, kind: 'counter' };
const M = 60_000;
const H = 3_600_000;

describe('RollupAccumulator', () => {
  it('builds both tiers from gauge samples and hands out closed buckets only', () => {
    const acc = new RollupAccumulator({ maxPendingBuckets: 100 });
    acc.ingest([{ series: gauge, timestamps: [10_000, 20_000, 70_000], values: [0.5, 0.7, 0.6] }]);
    expect(acc.pendingBuckets).toBe(3); // two minutes, one hour
    expect(acc.takeClosed(2 * M + 4_999, 5_000)).toEqual([
      { seriesId: 1, tier: '1m', start: 0, bucket: { count: 2, sum: 1.2, min: 0.5, max: 0.7, last: 0.7, lastMs: 20_000 } },
    ]);
    expect(acc.takeClosed(2 * M + 5_000, 5_000).map((b) => [b.tier, b.start])).toEqual([['1m', M]]);
    expect(acc.takeAll().map((b) => [b.tier, b.start, b.bucket.count])).toEqual([['1h', 0, 3]]);
    expect(acc.pendingBuckets).toBe(0);
  });

  it('turns a late gauge sample into a delta for its old bucket', () => {
    const acc = new RollupAccumulator({ maxPendingBuckets: 100 });
    acc.ingest([{ series: gauge, timestamps: [5 * H], values: [0.5] }]);
    acc.takeAll();
    acc.ingest([{ series: gauge, timestamps: [2 * H + 30_000], values: [0.9] }]);
    expect(acc.takeAll().map((b) => [b.tier, b.start, b.bucket.sum])).toEqual([
      ['1m', 2 * H, 0.9],
      ['1h', 2 * H, 0.9],
    ]);
  });

  it('rates counters in order and sends a late counter sample to a recompute', () => {
    const acc = new RollupAccumulator({ maxPendingBuckets: 100 });
    acc.ingest([{ series: counter, timestamps: [0, 10_000, 20_000], values: [100, 200, 50] }]);
    const [minute] = acc.takeClosed(M + 1, 0);
    // 10 B/s, then a reset to 50 over 10 s: 5 B/s.
    expect(minute!.bucket).toEqual({ count: 2, sum: 15, min: 5, max: 10, last: 5, lastMs: 20_000 });
    acc.ingest([{ series: counter, timestamps: [15_000], values: [120] }]);
    expect(acc.deferred.late_counter_sample).toBe(1);
    expect(acc.drainRequests()).toEqual([{ seriesId: 2, kind: 'counter', fromMs: 0, reason: 'late_counter_sample' }]);
  });

  it('recomputes from raw samples, keeping samples that arrive meanwhile exactly once', () => {
    const acc = new RollupAccumulator({ maxPendingBuckets: 100 });
    acc.ingest([{ series: gauge, timestamps: [H + 1_000, H + 2_000], values: [1, 2] }]);
    expect(acc.beginRecompute({ seriesId: 1, kind: 'gauge', fromMs: H, reason: 'recovery' })).toBe(true);
    expect(acc.pendingBuckets).toBe(0); // those samples are in the raw store
    expect(acc.beginRecompute({ seriesId: 1, kind: 'gauge', fromMs: 0, reason: 'recovery' })).toBe(false);
    // Arrives while the raw read is running; the read may or may not see it.
    acc.ingest([{ series: gauge, timestamps: [H + 3_000, H + 4_000], values: [3, 4] }]);
    const result = acc.finishRecompute(1, [[H + 1_000, 1], [H + 2_000, 2], [H + 3_000, 3]]);
    expect(result.fromMs).toBe(H);
    expect(result.tiers['1h'].get(H)).toEqual({ count: 4, sum: 10, min: 1, max: 4, last: 4, lastMs: H + 4_000 });
    expect(result.tiers['1m'].get(H)!.count).toBe(4);
    // The request made while in flight runs next.
    expect(acc.drainRequests()).toEqual([{ seriesId: 1, kind: 'gauge', fromMs: 0, reason: 'late_counter_sample' }]);
    expect(() => acc.finishRecompute(1, [])).toThrow('finishRecompute: no recompute in flight for series 1');
  });

  it('continues counter rates after a recompute from the newest sample', () => {
    const acc = new RollupAccumulator({ maxPendingBuckets: 100 });
    acc.beginRecompute({ seriesId: 2, kind: 'counter', fromMs: H, reason: 'recovery' });
    const result = acc.finishRecompute(2, [[H - 10_000, 0], [H, 100], [H + 10_000, 300]]);
    expect(result.tiers['1m'].get(H)).toEqual({ count: 2, sum: 30, min: 10, max: 20, last: 20, lastMs: H + 10_000 });
    acc.ingest([{ series: counter, timestamps: [H + 20_000], values: [400] }]);
    expect(acc.takeAll()[0]!.bucket).toEqual({ count: 1, sum: 10, min: 10, max: 10, last: 10, lastMs: H + 20_000 });
  });

  it('queues a recompute given up again, from the earliest start asked for while it was in flight', () => {
    const acc = new RollupAccumulator({ maxPendingBuckets: 100 });
    expect(acc.beginRecompute({ seriesId: 2, kind: 'counter', fromMs: 2 * H, reason: 'recovery' })).toBe(true);
    expect(acc.beginRecompute({ seriesId: 2, kind: 'counter', fromMs: H, reason: 'backlog' })).toBe(false);
    acc.abortRecompute(2);
    expect(acc.drainRequests()).toEqual([{ seriesId: 2, kind: 'counter', fromMs: H, reason: 'recovery' }]);
    acc.abortRecompute(2); // none in flight: nothing
    expect(acc.drainRequests()).toEqual([]);
    expect(acc.beginRecompute({ seriesId: 2, kind: 'counter', fromMs: H, reason: 'recovery' })).toBe(true);
    expect(acc.finishRecompute(2, []).fromMs).toBe(H);
    expect(acc.drainRequests()).toEqual([]);
  });

  it('defers to a recompute instead of growing past its bound', () => {
    const acc = new RollupAccumulator({ maxPendingBuckets: 2 });
    acc.ingest([{ series: gauge, timestamps: [0, M], values: [1, 2] }]);
    expect(acc.pendingBuckets).toBe(2); // 1m@0 and 1h@0; the second minute does not fit
    expect(acc.deferred.backlog).toBe(1);
    expect(acc.drainRequests()).toEqual([{ seriesId: 1, kind: 'gauge', fromMs: 0, reason: 'backlog' }]);
  });
});
