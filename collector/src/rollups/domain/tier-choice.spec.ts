import { describe, expect, it } from 'vitest';
import { chooseResolution } from './tier-choice.js';

const D = 86_400_000;
const retention = { raw: 7 * D, '1m': 35 * D, '1h': 400 * D };
const now = 1000 * D;

describe('chooseResolution', () => {
  it('uses the coarsest tier that fits the step', () => {
    expect(chooseResolution(now - 3_600_000, 15_000, now, retention)).toBe('raw');
    expect(chooseResolution(now - D, 60_000, now, retention)).toBe('1m');
    expect(chooseResolution(now - D, 300_000, now, retention)).toBe('1m');
    expect(chooseResolution(now - 30 * D, 3_600_000, now, retention)).toBe('1h');
    expect(chooseResolution(now - 30 * D, 6 * 3_600_000, now, retention)).toBe('1h');
  });
  it('moves to a coarser tier when the range starts before the finer one keeps data', () => {
    expect(chooseResolution(now - 10 * D, 15_000, now, retention)).toBe('1m');
    expect(chooseResolution(now - 40 * D, 60_000, now, retention)).toBe('1h');
    expect(chooseResolution(now - 500 * D, 60_000, now, retention)).toBe('1h');
  });
});
