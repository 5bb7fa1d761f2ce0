import { describe, expect, it } from 'vitest';
import { vigil } from '@vigil/proto';
import { SeriesRefEncoder } from './series-refs.js';

const T = 1_764_000_000_000;
const series = (metric: string, labels: Record<string, string>, ts: number[], values: number[]): vigil.v1.ISeries => ({ metric, labels, type: 0, timestampsMs: ts, values });
const bytes = (batch: vigil.v1.IBatch) => vigil.v1.Batch.encode(batch).finish().length;

describe('SeriesRefEncoder', () => {
  it('defines a series the first time, then sends its number; a shared timestamp needs no deltas', () => {
    const encoder = new SeriesRefEncoder(100);
    const a = series('vigil_load1', {}, [T], [1]);
    const b = series('vigil_cpu_seconds_total', { mode: 'user', cpu: '0' }, [T], [2]);
    const first = encoder.encode({ seq: 1, createdMs: T, series: [a, b] }, 100, 4096);
    expect(first).toEqual({
      seq: 1, createdMs: T, series: [],
      definitions: [{ ref: 1, metric: 'vigil_load1', labels: {}, type: 0 }, { ref: 2, metric: 'vigil_cpu_seconds_total', labels: { mode: 'user', cpu: '0' }, type: 0 }],
      refSamples: { refs: [1, 2], values: [1, 2], baseTimestampMs: T },
    });
    // Same identity, labels in another order, new objects.
    const second = encoder.encode({ seq: 2, createdMs: T, series: [series('vigil_cpu_seconds_total', { cpu: '0', mode: 'user' }, [T + 1000], [3])] }, 100, 4096);
    expect(second).toEqual({ seq: 2, createdMs: T, series: [], definitions: [], refSamples: { refs: [2], values: [3], baseTimestampMs: T + 1000 } });
    expect(encoder.defined).toBe(2);
  });

  it('orders samples by time so that deltas stay small', () => {
    const encoder = new SeriesRefEncoder(100);
    const out = encoder.encode({ seq: 1, series: [series('vigil_a', {}, [T, T + 1000], [1, 2]), series('vigil_b', {}, [T, T + 1000], [3, 4])] }, 100, 4096);
    expect(out.refSamples).toEqual({ refs: [1, 2, 1, 2], values: [1, 3, 2, 4], baseTimestampMs: T, timestampDeltasMs: [0, 0, 1000, 0] });
  });

  it('keeps series beyond its limit in full', () => {
    const encoder = new SeriesRefEncoder(1);
    const out = encoder.encode({ seq: 1, series: [series('vigil_a', {}, [T], [1]), series('vigil_b', {}, [T], [2])] }, 100, 4096);
    expect(out.definitions).toEqual([{ ref: 1, metric: 'vigil_a', labels: {}, type: 0 }]);
    expect(out.series).toEqual([series('vigil_b', {}, [T], [2])]);
  });

  it('sends the full form, defining nothing, when the referenced one would not fit the limit', () => {
    const encoder = new SeriesRefEncoder(100_000);
    // Scattered timestamps and big numbers: the referenced form is the larger one here.
    const full = { seq: 1, series: Array.from({ length: 3 }, (_, i) => series('m', { i: String(i) }, [T - 1e12 * i, T + 1e12 * i], [1, 2])) };
    const size = bytes(full);
    expect(encoder.encode(full, size, size)).toBe(full);
    expect(encoder.defined).toBe(0);
    expect(encoder.encode(full, size, 10 * size)).not.toBe(full);
  });
});
