import { describe, expect, it } from 'vitest';
import { Backoff } from './backoff.js';

describe('Backoff', () => {
  it('draws full jitter below a doubling ceiling capped at max, and resets', () => {
    const b = new Backoff({ initialMs: 500, maxMs: 30_000, random: () => 0.999999 });
    expect([b.next(), b.next(), b.next(), b.next()]).toEqual([499, 999, 1999, 3999]);
    for (let i = 0; i < 10; i++) b.next();
    expect(b.next()).toBe(29_999);
    expect(b.slow()).toBe(30_000);
    b.reset();
    expect(b.next()).toBe(499);
    expect(new Backoff({ initialMs: 500, maxMs: 30_000, random: () => 0 }).next()).toBe(0);
  });
});
