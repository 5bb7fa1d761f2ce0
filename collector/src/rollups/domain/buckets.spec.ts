import { describe, expect, it } from 'vitest';
import { bucketStart, counterRate, mergeBucket, newBucket, addSample, rollupPoints, type Bucket } from './buckets.js';

describe('buckets', () => {
  it('aggregates min, max, sum, count and the latest value', () => {
    const b = newBucket(1_000, 5);
    addSample(b, 3_000, 2);
    addSample(b, 2_000, 9); // late within the bucket: not the last value
    expect(b).toEqual({ count: 3, sum: 16, min: 2, max: 9, last: 2, lastMs: 3_000 });
  });

  it('merges partial buckets into the bucket of all samples, in any order', () => {
    const samples: Array<[number, number]> = [[1, 4], [2, 8], [3, 1], [4, 6], [5, 3]];
    const whole = newBucket(...samples[0]!);
    for (const s of samples.slice(1)) addSample(whole, ...s);
    const a = newBucket(4, 6);
    addSample(a, 1, 4);
    const b = newBucket(2, 8);
    addSample(b, 5, 3);
    addSample(b, 3, 1);
    const ab: Bucket = { ...a };
    mergeBucket(ab, b);
    const ba: Bucket = { ...b };
    mergeBucket(ba, a);
    expect(ab).toEqual(whole);
    expect(ba).toEqual(whole);
  });

  it('aligns buckets to their width', () => {
    expect(bucketStart(3_599_999, 60_000)).toBe(3_540_000);
    expect(bucketStart(3_600_000, 3_600_000)).toBe(3_600_000);
  });

  it('turns counters into per-second rates across resets', () => {
    expect(counterRate(0, 100, 10_000, 150)).toBe(5);
    expect(counterRate(0, 100, 10_000, 30)).toBe(3); // reset: restarted from 0 and reached 30
    expect(counterRate(10_000, 100, 10_000, 150)).toBeUndefined();
    expect(counterRate(10_000, 100, 5_000, 150)).toBeUndefined();
  });

  it('rolls up raw counter points with the sample before the range', () => {
    const buckets = rollupPoints(
      [[60_000, 120], [70_000, 140], [120_000, 10], [130_000, 30]],
      'counter',
      60_000,
      [50_000, 100],
    );
    // Rates: 20/10 = 2 (at 60 s), 2 (70 s) in the first minute; in the second, the reset: 10 over 50 s = 0.2
    // (at 120 s), then 20/10 = 2 (130 s).
    expect([...buckets]).toEqual([
      [60_000, { count: 2, sum: 4, min: 2, max: 2, last: 2, lastMs: 70_000 }],
      [120_000, { count: 2, sum: 2.2, min: 0.2, max: 2, last: 2, lastMs: 130_000 }],
    ]);
    expect([...rollupPoints([[1_000, 1], [2_000, Number.NaN], [61_000, 3]], 'gauge', 60_000)]).toEqual([
      [0, { count: 1, sum: 1, min: 1, max: 1, last: 1, lastMs: 1_000 }],
      [60_000, { count: 1, sum: 3, min: 3, max: 3, last: 3, lastMs: 61_000 }],
    ]);
  });
});
