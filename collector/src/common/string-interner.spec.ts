import { describe, expect, it } from 'vitest';
import { StringInterner } from './string-interner.js';

/** A string equal to `s` but built at run time, so it is a separate copy. */
const copyOf = (s: string) => [...s].join('');

describe('StringInterner', () => {
  it('returns the first copy of an equal string', () => {
    const interner = new StringInterner();
    const first = copyOf('node_cpu_seconds_total');
    expect(interner.intern(first)).toBe(first);
    const again = interner.intern(copyOf('node_cpu_seconds_total'));
    expect(again).toBe('node_cpu_seconds_total');
    expect(interner.size).toBe(1);
  });

  it('keeps at most maxEntries strings, none longer than maxLength, and returns the others as they are', () => {
    const interner = new StringInterner(2, 4);
    for (const s of ['a', 'b', 'c', 'long value']) expect(interner.intern(s)).toBe(s);
    expect(interner.size).toBe(2);
    expect(interner.intern(copyOf('a'))).toBe('a');
  });
});
