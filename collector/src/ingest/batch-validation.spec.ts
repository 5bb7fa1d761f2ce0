import { describe, expect, it } from 'vitest';
import { RejectReason } from '@vigil/proto';
import { SeriesMemo, validateBatch } from './batch-validation.js';

const ctx = { agentId: 'a1', hostname: 'h1', nowMs: 1_000_000_000_000, maxFutureMs: 60_000, maxAgeMs: 3_600_000, maxSeriesPerBatch: 3 };

describe('validateBatch', () => {
  it('adds agent and host labels and keeps valid samples', () => {
    const result = validateBatch({ seq: 1, series: [{ metric: 'vigil_x', labels: { a: 'b' }, type: 1, timestampsMs: [ctx.nowMs], values: [5] }] }, ctx);
    expect(result).toEqual({
      status: 'accepted',
      samples: 1,
      rejections: [],
      series: [{ metric: 'vigil_x', labels: { a: 'b', agent: 'a1', host: 'h1' }, kind: 'counter', timestamps: [ctx.nowMs], values: [5] }],
    });
  });

  it('drops samples at the exact age and future bounds correctly', () => {
    const ts = [ctx.nowMs - ctx.maxAgeMs - 1, ctx.nowMs - ctx.maxAgeMs, ctx.nowMs + ctx.maxFutureMs, ctx.nowMs + ctx.maxFutureMs + 1];
    const result = validateBatch({ seq: 2, series: [{ metric: 'vigil_x', timestampsMs: ts, values: [1, 2, 3, 4] }] }, ctx);
    if (result.status !== 'accepted') throw new Error('expected accepted');
    expect(result.series[0]!.values).toEqual([2, 3]);
    expect(result.rejections.map((r) => [r.reason, r.count])).toEqual([
      [RejectReason.REJECT_REASON_TIMESTAMP_TOO_OLD, 1],
      [RejectReason.REJECT_REASON_TIMESTAMP_TOO_NEW, 1],
    ]);
  });

  it('rejects the whole batch for a missing sequence or too many series', () => {
    expect(validateBatch({ series: [] }, ctx)).toMatchObject({ status: 'rejected', reason: RejectReason.REJECT_REASON_SEQUENCE });
    const many = Array.from({ length: 4 }, () => ({ metric: 'vigil_x', timestampsMs: [ctx.nowMs], values: [1] }));
    expect(validateBatch({ seq: 1, series: many }, ctx)).toEqual({
      status: 'rejected', reason: RejectReason.REJECT_REASON_TOO_MANY_SERIES, detail: '4 series in one batch (limit 3)', samples: 4,
    });
  });

  it('drops samples under a reserved metric name and keeps the rest', () => {
    const result = validateBatch(
      { seq: 3, series: [{ metric: 'up', timestampsMs: [ctx.nowMs], values: [0] }, { metric: 'vigil_x', timestampsMs: [ctx.nowMs], values: [1] }] },
      { ...ctx, isReservedMetric: (name) => name === 'up' },
    );
    if (result.status !== 'accepted') throw new Error('expected accepted');
    expect(result.series.map((s) => s.metric)).toEqual(['vigil_x']);
    expect(result.rejections).toEqual([{ reason: RejectReason.REJECT_REASON_RESERVED_METRIC_NAME, count: 1, detail: 'metric name up is reserved: the collector exposes it itself' }]);
  });

  it('reuses the label set of a series sent again at the same position, and checks a changed one', () => {
    const memo = new SeriesMemo();
    const batch = (labels: Record<string, string>) => ({ seq: 1, series: [{ metric: 'vigil_x', labels, timestampsMs: [ctx.nowMs], values: [1] }] });
    const labelsOf = (r: ReturnType<typeof validateBatch>) => (r.status === 'accepted' ? r.series[0]?.labels : undefined);
    const first = labelsOf(validateBatch(batch({ a: 'b' }), { ...ctx, memo }));
    expect(first).toEqual({ a: 'b', agent: 'a1', host: 'h1' });
    expect(Object.isFrozen(first)).toBe(true);
    expect(labelsOf(validateBatch(batch({ a: 'b' }), { ...ctx, memo }))).toBe(first);
    expect(labelsOf(validateBatch(batch({ a: 'c' }), { ...ctx, memo }))).toEqual({ a: 'c', agent: 'a1', host: 'h1' });
    // A reserved label never passes through the memo, even with the value the collector would set.
    const sneaky = validateBatch(batch({ agent: 'a1' }), { ...ctx, memo });
    expect(sneaky).toMatchObject({ status: 'accepted', series: [], rejections: [{ reason: RejectReason.REJECT_REASON_INVALID_LABEL, count: 1 }] });
    // Another agent identity on the same memo gets its own labels.
    expect(labelsOf(validateBatch(batch({ a: 'c' }), { ...ctx, agentId: 'a2', memo }))).toEqual({ a: 'c', agent: 'a2', host: 'h1' });
  });
});
