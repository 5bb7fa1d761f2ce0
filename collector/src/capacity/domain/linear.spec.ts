import { describe, expect, it } from 'vitest';
import { fitLinear, predictLinear } from './linear.js';

describe('fitLinear', () => {
  // x = 0..4, y = 1 3 2 5 4: x̄ = 2, ȳ = 3, Sxx = 10, Sxy = 8 → slope 0.8, intercept 1.4;
  // residuals -0.4 0.8 -1 1.2 -0.6 → SSE 3.6, s² = 1.2.
  it('fits the hand-computed line', () => {
    const fit = fitLinear([0, 1, 2, 3, 4], [1, 3, 2, 5, 4])!;
    expect(fit.n).toBe(5);
    expect(fit.slope).toBeCloseTo(0.8, 12);
    expect(fit.intercept).toBeCloseTo(1.4, 12);
    expect(fit.sxx).toBeCloseTo(10, 12);
    expect(fit.residualSd).toBeCloseTo(Math.sqrt(1.2), 12);
  });

  // At x = 6: mean 6.2; half width t(0.975, 3) · s · sqrt(1 + 1/5 + 16/10) = 3.182446 · 1.095445 · 1.673320.
  it('gives the classical prediction interval', () => {
    const p = predictLinear(fitLinear([0, 1, 2, 3, 4], [1, 3, 2, 5, 4])!, 6);
    expect(p.mean).toBeCloseTo(6.2, 12);
    expect(p.upper - p.mean).toBeCloseTo(5.83353, 4);
    expect(p.mean - p.lower).toBeCloseTo(5.83353, 4);
  });

  it('skips NaN pairs and refuses degenerate input', () => {
    const fit = fitLinear([0, 1, Number.NaN, 2, 3, 4, 7], [1, 3, 5, 2, 5, 4, Number.NaN])!;
    expect(fit.n).toBe(5);
    expect(fit.slope).toBeCloseTo(0.8, 12);
    expect(fitLinear([1, 2], [1, 2])).toBeUndefined();
    expect(fitLinear([3, 3, 3], [1, 2, 3])).toBeUndefined();
    expect(() => fitLinear([1, 2, 3], [1, 2])).toThrow('fitLinear: 3 x values but 2 y values');
  });

  it('stays exact with millisecond timestamps as x', () => {
    const t0 = Date.UTC(2026, 10, 1);
    const xs = [0, 1, 2, 3].map((i) => t0 + i * 3_600_000);
    const fit = fitLinear(xs, [0.5, 0.51, 0.52, 0.53])!;
    expect(fit.slope * 3_600_000).toBeCloseTo(0.01, 12);
  });
});
