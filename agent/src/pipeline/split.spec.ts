import { vigil } from '@vigil/proto';
import { describe, expect, it } from 'vitest';
import { splitSeries } from './split.js';

type Series = vigil.v1.Series.$Properties;

const series = (name: string, points: number): Series => ({
  metric: name,
  labels: { host: 'x'.repeat(20) },
  type: 0,
  timestampsMs: Array.from({ length: points }, (_, i) => 1_764_000_000_000 + i * 1000),
  values: Array.from({ length: points }, (_, i) => i + 0.5),
});
const size = (parts: Series[]) => vigil.v1.Batch.encode({ seq: 1, series: parts, createdMs: 1 }).len;

describe('splitSeries', () => {
  it('keeps a batch that fits as is', () => {
    const all = [series('a', 3), series('b', 3)];
    expect(splitSeries(all, () => true)).toEqual([all]);
  });

  it('splits series lists and then a single long series until every part fits, losing nothing', () => {
    const all = [series('a', 10), series('b', 200), series('c', 5)];
    const limit = 1200;
    expect(size(all)).toBeGreaterThan(limit);
    const parts = splitSeries(all, (p) => size(p) <= limit)!;
    expect(parts.length).toBeGreaterThan(2);
    for (const part of parts) expect(size(part)).toBeLessThanOrEqual(limit);
    const points = (name: string) => parts.flat().filter((s) => s.metric === name).flatMap((s) => s.values!);
    expect(points('a')).toEqual(all[0]!.values);
    expect(points('b')).toEqual(all[1]!.values);
    expect(points('c')).toEqual(all[2]!.values);
  });

  it('gives up when one point alone is too large', () => {
    expect(splitSeries([series('a', 1)], () => false)).toBeUndefined();
  });
});
