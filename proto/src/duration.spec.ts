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
    expect(formatDuration(1500, opts)).toBe('1.5s');
    expect(parseDuration(formatDuration(90 * 60_000, opts))).toBe(90 * 60_000);
  });
});

describe('formatDuration with singleUnit up to days (incident timelines)', () => {
  it('uses the largest unit that divides exactly, else seconds with one decimal', () => {
    const say = (ms: number) => formatDuration(ms, { largestUnit: 'd', singleUnit: true });
    expect(say(86_400_000)).toBe('1d');
    expect(say(7 * 86_400_000)).toBe('7d');
    expect(say(36 * 3_600_000)).toBe('36h');
    expect(say(5_400_000)).toBe('90m');
    expect(say(60_000)).toBe('1m');
    expect(say(1_500)).toBe('1.5s');
    expect(say(90_500)).toBe('90.5s');
    expect(say(1_234)).toBe('1.2s');
    expect(say(0)).toBe('0s');
  });
});
