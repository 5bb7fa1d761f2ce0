import { describe, expect, it } from 'vitest';
import { packColumns, packPoints, regularize, unpackColumns, unpackPoints } from './series.js';

const H = 3_600_000;

describe('regularize', () => {
  it('places points on the grid, averages duplicates and leaves gaps as NaN', () => {
    const report = regularize(
      [
        [10 * H, 1],
        [11 * H, 2],
        [11 * H + 60_000, 4], // the clock went back: two points in one hour
        [14 * H, 5],
        [15 * H, Number.NaN],
        [20 * H, 9], // in the future
        [2 * H, 7], // before the window
      ],
      H,
      5 * H,
      16 * H,
    );
    expect(report.series!.startMs).toBe(10 * H);
    expect(Array.from(report.series!.values)).toEqual([1, 3, Number.NaN, Number.NaN, 5]);
    expect(report.merged).toBe(1);
    expect(report.ignored).toEqual({ nonFinite: 1, future: 1, beforeStart: 1 });
  });

  it('returns no series when nothing is usable', () => {
    const report = regularize([[30 * H, 1], [1 * H, Number.POSITIVE_INFINITY]], H, 0, 10 * H);
    expect(report.series).toBeUndefined();
    expect(report.ignored).toEqual({ nonFinite: 1, future: 1, beforeStart: 0 });
    expect(() => regularize([], 0, 0, 1)).toThrow('regularize: step must be positive, got 0');
  });
});

describe('packed points', () => {
  it('round-trips points and columns, scaling column values', () => {
    const points: Array<[number, number]> = [[H, 0.5], [2 * H, Number.NaN], [3 * H, 0.75]];
    expect(Array.from(packPoints(points))).toEqual([H, 0.5, 2 * H, Number.NaN, 3 * H, 0.75]);
    expect(unpackPoints(packPoints(points))).toEqual(points);
    expect(Array.from(packColumns([H, 2 * H], [100, 200], 0.01))).toEqual([H, 1, 2 * H, 2]);
    expect(unpackColumns([H, 2 * H], [3, 4])).toEqual([[H, 3], [2 * H, 4]]);
    expect(unpackPoints(new Float64Array(0))).toEqual([]);
  });
});
