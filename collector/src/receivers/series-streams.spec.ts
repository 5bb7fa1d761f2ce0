import { describe, expect, it } from 'vitest';
import { freshSamples, mergeSeries, seriesEpoch } from './series-streams.js';

describe('series streams', () => {
  it('keeps samples newer than the stored one, in time order, the first of equal timestamps', () => {
    expect(freshSamples([10, 20, 30], [1, 2, 3], 0)).toEqual({ timestamps: [10, 20, 30], values: [1, 2, 3], dropped: 0 });
    expect(freshSamples([10, 20, 30], [1, 2, 3], 20)).toEqual({ timestamps: [30], values: [3], dropped: 2 });
    expect(freshSamples([30, 10, 30, 20], [3, 1, 9, 2], 10)).toEqual({ timestamps: [20, 30], values: [2, 3], dropped: 2 });
  });
  it('merges one series given twice and keys it by a digest of its identity, label order aside', () => {
    const a = { metric: 'm', labels: { x: '1', y: '2' }, kind: 'gauge' as const, timestamps: [1], values: [5] };
    const b = { metric: 'm', labels: { y: '2', x: '1' }, kind: 'gauge' as const, timestamps: [2], values: [6] };
    const merged = mergeSeries([a, b, { ...a, metric: 'n' }]);
    expect(seriesEpoch(a)).toBe(seriesEpoch(b));
    expect(seriesEpoch(a)).toHaveLength(22);
    expect([...merged.values()].map((s) => [s.metric, s.timestamps, s.values])).toEqual([['m', [1, 2], [5, 6]], ['n', [1], [5]]]);
    expect(a.timestamps).toEqual([1]);
  });
});
