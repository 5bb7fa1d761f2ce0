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
});
