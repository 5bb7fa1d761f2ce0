import { describe, expect, it } from 'vitest';
import { BucketPool, NONE } from './bucket-pool.js';

describe('BucketPool', () => {
  it('keeps buckets and their links across growth, and reuses freed slots', () => {
    const pool = new BucketPool();
    let head = NONE;
    for (let n = 0; n < 3000; n++) head = pool.allocate(n % 2, n * 60_000, n * 60_000 + 5, n, head);
    expect(pool.size).toBe(3000);
    pool.add(head, 2999 * 60_000 + 1, -1); // an older sample: min and sum change, last does not
    expect(pool.read(head)).toEqual({ count: 2, sum: 2998, min: -1, max: 2999, last: 2999, lastMs: 2999 * 60_000 + 5 });
    let seen = 0;
    for (let i = head, expected = 2999; i !== NONE; i = pool.next(i), expected--) {
      expect([pool.tier(i), pool.startOf(i)]).toEqual([expected % 2, expected * 60_000]);
      seen++;
    }
    expect(seen).toBe(3000);
    const second = pool.release(head);
    expect(pool.size).toBe(2999);
    const again = pool.allocateFrom(1, 0, { count: 3, sum: 6, min: 1, max: 3, last: 2, lastMs: 9 }, second);
    expect(again).toBe(head);
    pool.merge(again, { count: 1, sum: 5, min: 5, max: 5, last: 5, lastMs: 8 });
    expect(pool.read(again)).toEqual({ count: 4, sum: 11, min: 1, max: 5, last: 2, lastMs: 9 });
  });

  it('spans pages: every bucket keeps its numbers and links, freed buckets are reused before a new page', () => {
    const pool = new BucketPool();
    const n = 40_000; // more than two pages
    let head = NONE;
    for (let k = 0; k < n; k++) head = pool.allocate(k % 3, k * 1_000, k * 1_000 + 1, k / 4, head);
    let k = n - 1;
    for (let i = head; i !== NONE; i = pool.next(i), k--) {
      expect([pool.tier(i), pool.startOf(i), pool.read(i)]).toEqual([k % 3, k * 1_000, { count: 1, sum: k / 4, min: k / 4, max: k / 4, last: k / 4, lastMs: k * 1_000 + 1 }]);
    }
    expect(k).toBe(-1);
    // Free every other bucket, then allocate as many again: the freed ones come back, no index past the first n.
    const kept: number[] = [];
    for (let i = head, odd = false; i !== NONE; odd = !odd) {
      const next = pool.next(i);
      if (odd) pool.release(i);
      else kept.push(i);
      i = next;
    }
    expect(pool.size).toBe(n / 2);
    const again = Array.from({ length: n / 2 }, (_, j) => pool.allocate(1, j, j, j, NONE));
    expect(Math.max(...again)).toBeLessThan(n);
    expect(new Set([...again, ...kept]).size).toBe(n);
  });
});
