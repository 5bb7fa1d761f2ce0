import { describe, expect, it } from 'vitest';
import { monotonicMs, randomUUID } from './builtins.js';

describe('builtins', () => {
  it('makes random version 4 UUIDs without crypto, all different', () => {
    const ids = Array.from({ length: 2000 }, () => randomUUID());
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(ids).size).toBe(ids.length);
    // Every hex digit outside the version and variant takes several values: the bytes are random, not a counter.
    const positions = Array.from({ length: 36 }, (_, i) => i).filter((i) => ![8, 13, 14, 18, 19, 23].includes(i));
    for (const i of positions) expect(new Set(ids.map((id) => id[i])).size).toBeGreaterThan(8);
  });

  it('gives a monotonic clock in milliseconds, as performance.now() does', async () => {
    const [start, perfStart] = [monotonicMs(), performance.now()];
    await new Promise((resolve) => setTimeout(resolve, 50));
    const [elapsed, perfElapsed] = [monotonicMs() - start, performance.now() - perfStart];
    expect(elapsed).toBeGreaterThanOrEqual(49);
    expect(Math.abs(elapsed - perfElapsed)).toBeLessThan(5);
  });
});
