import { describe, expect, it } from 'vitest';
import { formatDurationInOneUnit } from './duration.js';

describe('formatDurationInOneUnit', () => {
  it('uses the largest unit that divides exactly, else seconds with one decimal', () => {
    expect(formatDurationInOneUnit(86_400_000)).toBe('1d');
    expect(formatDurationInOneUnit(7 * 86_400_000)).toBe('7d');
    expect(formatDurationInOneUnit(36 * 3_600_000)).toBe('36h');
    expect(formatDurationInOneUnit(5_400_000)).toBe('90m');
    expect(formatDurationInOneUnit(60_000)).toBe('1m');
    expect(formatDurationInOneUnit(1_500)).toBe('1.5s');
    expect(formatDurationInOneUnit(90_500)).toBe('90.5s');
    expect(formatDurationInOneUnit(1_234)).toBe('1.2s');
    expect(formatDurationInOneUnit(0)).toBe('0s');
  });
});
