import { describe, expect, it } from 'vitest';
import { ChunkEncoder } from './chunk-codec.js';
import { HeadCache } from './head-cache.js';

/** A head with `n` samples of series `seriesId` (values differ per series, so heads differ in length). */
function head(seriesId: number, n: number): { id: number; encoder: ChunkEncoder } {
  const encoder = new ChunkEncoder();
  for (let i = 0; i < n; i++) encoder.append(1_000 + i * 1_000, seriesId % 7 === 0 ? Math.sin(seriesId + i) : (seriesId % 5) + i);
  return { id: 10_000 + seriesId, encoder };
}

const parkedOf = (h: { id: number; encoder: ChunkEncoder } | undefined) => (h ? Array.from(h.encoder.park(h.id)) : undefined);

describe('HeadCache', () => {
  it('gives back every head as parked while heads are parked again and again, in bounded pages', () => {
    const cache = new HeadCache(1_000_000);
    const series = 20_000;
    const samples = new Map<number, number>();
    let peakBytes = 0;
    for (let round = 1; round <= 6; round++) {
      // Every series grows by a sample or two; some are forgotten and come back later.
      for (let id = 1; id <= series; id++) {
        if ((id + round) % 11 === 0) {
          cache.forget([id]);
          samples.delete(id);
          continue;
        }
        const n = (samples.get(id) ?? 0) + 1 + (id % 2);
        samples.set(id, n);
        cache.touch(id, head(id, n));
      }
      peakBytes = Math.max(peakBytes, cache.bytes);
      expect(cache.size).toBe(samples.size);
      for (let id = 1; id <= series; id++) expect(parkedOf(cache.get(id)), `series ${id} round ${round}`).toEqual(samples.has(id) ? parkedOf(head(id, samples.get(id)!)) : undefined);
    }
    // Parking every head again each round leaves dead heads behind; compaction keeps the pages near the live ones.
    let live = 0;
    for (const [id, n] of samples) live += 2 + head(id, n).encoder.park(0).length;
    expect(peakBytes).toBeLessThanOrEqual((1.25 * live + 2 * 131_072) * 8);
    expect(cache.bytes).toBeLessThanOrEqual(peakBytes);
  });

  it('evicts the least recently parked heads first, compactions notwithstanding', () => {
    const cache = new HeadCache(5_000);
    for (let id = 1; id <= 8_000; id++) cache.touch(id, head(id, 3));
    for (let id = 1; id <= 3_000; id++) cache.touch(id, head(id, 4)); // 1..3000 are now the most recent
    for (let k = 0; k < 10; k++) for (let id = 6_001; id <= 8_000; id++) cache.touch(id, head(id, 4 + k)); // compactions
    cache.evict();
    expect(cache.size).toBe(5_000);
    const kept = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => cache.get(from + i) !== undefined);
    expect(kept(3_001, 6_000).every((k) => !k)).toBe(true);
    expect(kept(1, 3_000).every(Boolean)).toBe(true);
    expect(kept(6_001, 8_000).every(Boolean)).toBe(true);
    expect(parkedOf(cache.get(7_777))).toEqual(parkedOf(head(7_777, 13)));
  });

  it('evicts by the order of parking, passing over the older parked copies of heads parked again', () => {
    const cache = new HeadCache(5_000);
    for (let id = 1; id <= 8_000; id++) cache.touch(id, head(id, 3));
    for (let id = 1; id <= 1_000; id++) cache.touch(id, head(id, 4)); // their first copies are dead, at the arena's start
    cache.evict();
    const kept = (id: number) => cache.get(id) !== undefined;
    expect([1, 1_000, 1_001, 4_000, 4_001, 8_000].map(kept)).toEqual([true, true, false, false, true, true]);
    expect(cache.size).toBe(5_000);
    expect(parkedOf(cache.get(500))).toEqual(parkedOf(head(500, 4)));
  });

  it('keeps a head longer than a page in an array of its own', () => {
    // Real pages hold 1 MiB, more than the longest chunk (65,535 samples) parks in; small pages here.
    const cache = new HeadCache(10, 64);
    cache.touch(1, head(1, 5));
    cache.touch(7, head(7, 200));
    cache.touch(2, head(2, 5));
    for (let k = 0; k < 20; k++) cache.touch(3, head(3, 5 + k));
    expect(parkedOf(cache.get(7))).toEqual(parkedOf(head(7, 200)));
    expect(parkedOf(cache.get(3))).toEqual(parkedOf(head(3, 24)));
    expect(parkedOf(cache.get(1))).toEqual(parkedOf(head(1, 5)));
    cache.forget([7]);
    expect(cache.get(7)).toBeUndefined();
    expect(cache.size).toBe(3);
  });
});
