import { describe, expect, it } from 'vitest';
import { ChunkEncoder, decodeChunk } from './chunk-codec.js';
import { checkChunkLimits, compactSeries, sortedChunks, type ChunkLimits, type ChunkWrite } from './compaction.js';

const limits: ChunkLimits = { maxSamples: 4, maxSpanMs: 100 };

function ids(start: number): () => number {
  let next = start;
  return () => next++;
}

function contents(w: ChunkWrite): [number, number, number, number, number[], number[]] {
  const d = decodeChunk(w.data);
  return [w.id, w.startTs, w.endTs, w.count, d.timestamps, d.values];
}

describe('compactSeries', () => {
  it('starts a head, appends in order and seals on the sample limit', () => {
    const r = compactSeries(7, undefined, [10, 20, 30, 40, 50, 60], [1, 2, 3, 4, 5, 6], limits, ids(100));
    expect(r.writes.map(contents)).toEqual([
      [100, 10, 40, 4, [10, 20, 30, 40], [1, 2, 3, 4]],
      [101, 50, 60, 2, [50, 60], [5, 6]],
    ]);
    expect(r.writes.every((w) => w.seriesId === 7)).toBe(true);
    expect(r.head?.id).toBe(101);
    expect(r.late).toBe(0);
  });

  it('seals on the span limit', () => {
    const r = compactSeries(1, undefined, [0, 50, 100, 101], [1, 2, 3, 4], limits, ids(1));
    expect(r.writes.map((w) => [w.id, w.startTs, w.endTs])).toEqual([[1, 0, 100], [2, 101, 101]]);
  });

  it('extends an existing head in place and rewrites it under its own id', () => {
    const enc = new ChunkEncoder();
    enc.append(10, 1);
    const head = { id: 5, encoder: enc };
    const r = compactSeries(1, head, [20], [2], limits, ids(9));
    expect(r.writes.map(contents)).toEqual([[5, 10, 20, 2, [10, 20], [1, 2]]]);
    expect(r.head).toBe(head);
  });

  it('sends late samples and rewrites of existing timestamps to a new chunk written last, last write winning', () => {
    const enc = new ChunkEncoder();
    enc.append(10, 1);
    enc.append(20, 2);
    const r = compactSeries(1, { id: 5, encoder: enc }, [15, 30, 20, 15, 25, 5], [-1, 3, -2, -3, -4, -5], limits, ids(9));
    expect(r.writes.map(contents)).toEqual([
      [5, 10, 30, 3, [10, 20, 30], [1, 2, 3]],
      // 15 twice: the later -3 wins; 20 rewritten; 25 arrived after 30 so it is late too.
      [9, 5, 25, 4, [5, 15, 20, 25], [-5, -3, -2, -4]],
    ]);
    expect(r.late).toBe(5);
    expect(r.head?.id).toBe(5);
  });

  it('leaves an untouched head out of the writes when every sample is late', () => {
    const enc = new ChunkEncoder();
    enc.append(100, 1);
    const r = compactSeries(1, { id: 5, encoder: enc }, [50], [2], limits, ids(9));
    expect(r.writes.map((w) => w.id)).toEqual([9]);
  });
});

describe('sortedChunks', () => {
  it('sorts, keeps the last value per timestamp and splits by the limits', () => {
    const w = sortedChunks(3, [9, 1, 5, 1, 3, 7, 2, 8], [90, 10, 50, 11, 30, 70, 20, 80], limits, ids(1));
    expect(w.map(contents)).toEqual([
      [1, 1, 5, 4, [1, 2, 3, 5], [11, 20, 30, 50]],
      [2, 7, 9, 3, [7, 8, 9], [70, 80, 90]],
    ]);
    expect(sortedChunks(3, [], [], limits, ids(1))).toEqual([]);
  });
});

describe('checkChunkLimits', () => {
  it('names the bad limit', () => {
    expect(() => checkChunkLimits({ maxSamples: 1, maxSpanMs: 10 })).toThrow('chunk.maxSamples must be an integer in [2, 65535], got 1');
    expect(() => checkChunkLimits({ maxSamples: 10, maxSpanMs: 3 * 60 * 60 * 1000 })).toThrow('chunk.maxSpanMs must be an integer in [1, 7200000], got 10800000');
  });
});
