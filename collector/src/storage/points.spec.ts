import { describe, expect, it } from 'vitest';
import { DistinctTimestamps, mergeSources } from './points.js';

describe('mergeSources', () => {
  it('concatenates ordered sources without sorting and clips to the range', () => {
    expect(mergeSources([{ timestamps: [1, 2, 3], values: [1, 2, 3] }, { timestamps: [4, 5], values: [4, 5] }], 2, 4)).toEqual([[2, 2], [3, 3], [4, 4]]);
  });
  it('sorts overlapping sources and lets the later source win a shared timestamp', () => {
    const merged = mergeSources(
      [
        { timestamps: [1, 3, 5], values: [10, 30, 50] },
        { timestamps: [3, 4], values: [31, 40] },
        { timestamps: [5, 3, 2], values: [51, 32, 20] },
      ],
      0,
      10,
    );
    expect(merged).toEqual([[1, 10], [2, 20], [3, 32], [4, 40], [5, 51]]);
  });
});

describe('DistinctTimestamps', () => {
  it('counts in-range timestamps of ordered sources, and distinct ones once sources overlap', () => {
    const counted = new DistinctTimestamps(2, 9);
    counted.add({ timestamps: [1, 2, 3], values: [0, 0, 0] });
    counted.add({ timestamps: [4, 5, 10], values: [0, 0, 0] });
    expect(counted.size).toBe(4);
    counted.add({ timestamps: [6, 3, 7, 2], values: [0, 0, 0, 0] });
    expect(counted.size).toBe(6);
    counted.add({ timestamps: [8, 7], values: [0, 0] });
    expect(counted.size).toBe(7);
    expect(counted.size).toBe(mergeSources(counted.sources, 2, 9).length);
  });
});
