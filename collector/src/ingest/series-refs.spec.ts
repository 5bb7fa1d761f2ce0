import { describe, expect, it } from 'vitest';
import { RejectReason, type vigil } from '@vigil/proto';
import { SeriesRefTable } from './series-refs.js';

const T = 1_764_000_000_000;
const load: vigil.v1.ISeriesDefinition = { ref: 1, metric: 'vigil_load1', labels: {}, type: 0 };
const cpu: vigil.v1.ISeriesDefinition = { ref: 2, metric: 'vigil_cpu_seconds_total', labels: { cpu: '0' }, type: 1 };

describe('SeriesRefTable', () => {
  it('passes a batch of full series through untouched', () => {
    const batch = { seq: 1, series: [{ metric: 'vigil_load1', timestampsMs: [T], values: [1] }] };
    expect(new SeriesRefTable(10).resolve(batch)).toEqual({ batch });
  });

  it('turns referenced samples into series, grouped by series, after any full series; definitions hold for later batches', () => {
    const table = new SeriesRefTable(10);
    const first = table.resolve({
      seq: 1, createdMs: T, series: [{ metric: 'vigil_up', timestampsMs: [T], values: [1] }], definitions: [load, cpu],
      refSamples: { refs: [1, 2], values: [0.5, 42], baseTimestampMs: T },
    });
    expect(first).toEqual({ batch: { seq: 1, createdMs: T, series: [
      { metric: 'vigil_up', timestampsMs: [T], values: [1] },
      { metric: 'vigil_load1', labels: {}, type: 0, timestampsMs: [T], values: [0.5] },
      { metric: 'vigil_cpu_seconds_total', labels: { cpu: '0' }, type: 1, timestampsMs: [T], values: [42] },
    ] } });
    // Deltas: each relative to the previous sample's timestamp.
    const second = table.resolve({ seq: 2, refSamples: { refs: [2, 1, 2, 1], values: [43, 0.6, 44, 0.7], baseTimestampMs: T + 1000, timestampDeltasMs: [0, 0, 1000, 0] } });
    expect(second.problem).toBeUndefined();
    expect(second.batch.series).toEqual([
      { metric: 'vigil_cpu_seconds_total', labels: { cpu: '0' }, type: 1, timestampsMs: [T + 1000, T + 2000], values: [43, 44] },
      { metric: 'vigil_load1', labels: {}, type: 0, timestampsMs: [T + 1000, T + 2000], values: [0.6, 0.7] },
    ]);
    expect(table.size).toBe(2);
  });

  it('refuses a batch referencing a series this stream has not defined, numbers out of range, and columns of different lengths', () => {
    const table = new SeriesRefTable(2);
    const refused = (batch: vigil.v1.IBatch) => table.resolve(batch).problem;
    expect(refused({ seq: 1, definitions: [load], refSamples: { refs: [1, 2], values: [1, 2], baseTimestampMs: T } })).toEqual({
      reason: RejectReason.REJECT_REASON_SERIES_REFS, detail: 'sample 1 references series 2, which this stream has not defined', samples: 2,
    });
    expect(refused({ seq: 2, definitions: [{ ...cpu, ref: 3 }] })?.detail).toBe('series definition 3 is outside 1..2 (Welcome.max_series_refs)');
    expect(refused({ seq: 3, definitions: [{ ...cpu, ref: 0 }] })?.detail).toBe('series definition 0 is outside 1..2 (Welcome.max_series_refs)');
    expect(refused({ seq: 4, refSamples: { refs: [1, 1], values: [1], baseTimestampMs: T } })?.detail).toBe('ref_samples columns differ in length: 2 refs, 1 values, 0 timestamp deltas');
    expect(refused({ seq: 5, refSamples: { refs: [1], values: [1], baseTimestampMs: T, timestampDeltasMs: [0, 1] } })?.detail).toBe('ref_samples columns differ in length: 1 refs, 1 values, 2 timestamp deltas');
    // The definition of the first (refused) batch still holds.
    expect(refused({ seq: 6, refSamples: { refs: [1], values: [1], baseTimestampMs: T } })).toBeUndefined();
  });
});
