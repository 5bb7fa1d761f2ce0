import { vigil } from '@vigil/proto';
import { describe, expect, it } from 'vitest';
import { BatchEncoder } from './batch-encoder.js';

type Series = vigil.v1.Series.$Properties;

/** What the generated code writes for the same batch: the encoder must produce exactly these bytes. */
const generated = (seq: number, series: Series[], createdMs: number) => Buffer.from(vigil.v1.Batch.encode(vigil.v1.Batch.create({ seq, series, createdMs })).finish());

function tick(t: number, n: number): Series[] {
  return Array.from({ length: n }, (_, i) => ({
    metric: `vigil_test_${i % 3}`,
    labels: { device: `sd${String.fromCharCode(97 + i)}`, mode: i % 2 ? 'user' : 'système' },
    type: i % 3,
    timestampsMs: [t + i],
    values: [i * 1.25 - 3],
  }));
}

describe('BatchEncoder', () => {
  it('writes the bytes of vigil.v1.Batch.encode, tick after tick, from cached series heads', () => {
    const encoder = new BatchEncoder();
    for (let k = 0; k < 3; k++) {
      const series = tick(1_765_000_000_000 + k * 1000, 40);
      expect(Buffer.from(encoder.encode(k + 1, series, 1_765_000_000_500 + k * 1000))).toEqual(generated(k + 1, series, 1_765_000_000_500 + k * 1000));
    }
  });

  it('handles several samples per series, empty series and labels, long series, seq and time 0', () => {
    const encoder = new BatchEncoder();
    const series: Series[] = [
      { metric: 'vigil_many', labels: {}, type: 1, timestampsMs: Array.from({ length: 200 }, (_, i) => 1_765_000_000_000 + i * 1000), values: Array.from({ length: 200 }, (_, i) => i / 7) },
      { metric: 'vigil_empty', labels: { a: 'b' }, type: 2, timestampsMs: [], values: [] },
      { metric: 'vigil_long', labels: { text: 'x'.repeat(300) }, type: 1, timestampsMs: [0, 2 ** 40], values: [-0, Number.MAX_VALUE] },
    ];
    expect(Buffer.from(encoder.encode(0, series, 0))).toEqual(generated(0, series, 0));
    expect(Buffer.from(encoder.encode(2 ** 40, series, 1))).toEqual(generated(2 ** 40, series, 1));
    expect(Buffer.from(encoder.encode(3, [], 5))).toEqual(generated(3, [], 5));
  });

  it('writes timestamps at every varint length, and negative or fractional ones the general way', () => {
    const encoder = new BatchEncoder();
    const edges = [0, 1, 127, 128, 2 ** 14, 2 ** 21 - 1, 2 ** 28 - 1, 2 ** 28, 2 ** 32, 2 ** 35 - 1, 2 ** 35, 2 ** 42 - 1, 2 ** 42, 2 ** 49 - 1, 2 ** 49, Number.MAX_SAFE_INTEGER];
    const series: Series[] = edges.map((t, i) => ({ metric: 'vigil_t', labels: { i: String(i) }, type: 1, timestampsMs: [t], values: [i] }));
    series.push({ metric: 'vigil_all', labels: {}, type: 1, timestampsMs: edges, values: edges.map(() => 0.5) });
    expect(Buffer.from(encoder.encode(1, series, 1))).toEqual(generated(1, series, 1));
    const odd: Series[] = [
      { metric: 'vigil_negative', labels: {}, type: 1, timestampsMs: [5, -1000], values: [1, 2] },
      { metric: 'vigil_fraction', labels: {}, type: 1, timestampsMs: [1.5], values: [3] },
      { metric: 'vigil_huge', labels: {}, type: 1, timestampsMs: [2 ** 60], values: [4] },
      { metric: 'vigil_values_only', labels: {}, type: 1, timestampsMs: [], values: [5] },
    ];
    expect(Buffer.from(encoder.encode(2, odd, 2))).toEqual(generated(2, odd, 2));
  });

  it('re-encodes a series head when the same name and labels come with another type', () => {
    const encoder = new BatchEncoder();
    const gauge: Series = { metric: 'vigil_x', labels: { a: '1' }, type: 1, timestampsMs: [1000], values: [1] };
    const counter: Series = { ...gauge, type: 2 };
    encoder.encode(1, [gauge], 1000);
    expect(Buffer.from(encoder.encode(2, [counter], 2000))).toEqual(generated(2, [counter], 2000));
  });

  it('decodes back to the same series', () => {
    const series = tick(1_765_000_000_000, 5);
    const decoded = vigil.v1.Batch.decode(new BatchEncoder().encode(9, series, 1_765_000_000_900));
    expect(decoded.seq).toBe(9);
    expect(decoded.createdMs).toBe(1_765_000_000_900);
    expect(decoded.series.map((s) => ({ metric: s.metric, labels: s.labels, type: s.type, timestampsMs: s.timestampsMs, values: s.values }))).toEqual(series);
  });
});
