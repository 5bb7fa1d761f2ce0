import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from './duration.js';

describe('formatDuration', () => {
  it('uses the largest whole units by default', () => {
    expect(formatDuration(5_400_000)).toBe('1h30m');
    expect(formatDuration(14 * 86_400_000)).toBe('2w');
    expect(formatDuration(0)).toBe('0s');
  });

  it('stops at largestUnit and, with singleUnit, writes one unit that divides exactly', () => {
    const opts = { largestUnit: 'd', singleUnit: true } as const;
    expect(formatDuration(14 * 86_400_000, { largestUnit: 'd' })).toBe('14d');
    expect(formatDuration(14 * 86_400_000, opts)).toBe('14d');
    expect(formatDuration(90 * 60_000, opts)).toBe('90m');
    expect(formatDuration(6 * 3_600_000, opts)).toBe('6h');
    expect(formatDuration(1500, opts)).toBe('1500ms');
    expect(parseDuration(formatDuration(90 * 60_000, opts))).toBe(90 * 60_000);
  });
});
