import { describe, expect, it } from 'vitest';
import { detectLevelShift, fitShiftedLine } from './level-shift.js';
import { gaussian, prng } from './synthetic.js';

describe('detectLevelShift', () => {
  const noise = gaussian(prng(7));
  const base = Float64Array.from({ length: 500 }, (_, t) => 0.4 + 0.001 * t + 0.01 * noise());

  it('finds a clear step and its size', () => {
    const y = base.map((v, t) => (t >= 300 ? v + 0.08 : v));
    const shift = detectLevelShift(y)!;
    expect(shift.at).toBe(300);
    expect(shift.size).toBeGreaterThan(0.07);
    expect(shift.size).toBeLessThan(0.09);
  });

  it('finds nothing in plain noisy growth', () => {
    expect(detectLevelShift(base)).toBeUndefined();
  });

  it('fits a line with a step exactly on noise-free data', () => {
    const y = Array.from({ length: 100 }, (_, t) => 2 + 0.5 * t + (t >= 60 ? -3 : 0));
    const fit = fitShiftedLine(y, 60)!;
    expect(fit.intercept).toBeCloseTo(2, 9);
    expect(fit.slope).toBeCloseTo(0.5, 9);
    expect(fit.size).toBeCloseTo(-3, 9);
  });
});
