import { describe, expect, it } from 'vitest';
import { fitHoltWinters, forecastHoltWinters, holtWintersSd, initialState, minimumLength, runHoltWinters, type SeasonSpec } from './holt-winters.js';

const two: SeasonSpec[] = [{ slots: 2, block: 1, offset: 0 }];
const init = { level: 10, trend: 1, seasonals: [Float64Array.from([1, -1])] };
const params = { alpha: 0.5, beta: 0.1, gamma: 0.2 };

describe('runHoltWinters', () => {
  // Hand computation, y = 13 10 15:
  // t0: ŷ = 10+1+1 = 12, e = 1 → ℓ 11.5, b 1.1, s0 1.2
  // t1: ŷ = 11.5+1.1−1 = 11.6, e = −1.6 → ℓ 11.8, b 0.94, s1 −1.32
  // t2: ŷ = 11.8+0.94+1.2 = 13.94, e = 1.06 → ℓ 13.27, b 1.046, s0 1.412;  SSE = 1 + 2.56 + 1.1236
  it('follows the error-correction equations', () => {
    const model = runHoltWinters([13, 10, 15], two, params, init)!;
    expect(model.level).toBeCloseTo(13.27, 12);
    expect(model.trend).toBeCloseTo(1.046, 12);
    expect(Array.from(model.seasonals[0]!)).toEqual([expect.closeTo(1.412, 12), expect.closeTo(-1.32, 12)]);
    expect(model.sse).toBeCloseTo(4.6836, 12);
    expect(model.sigma).toBeCloseTo(Math.sqrt(4.6836 / 2), 12);
    expect(forecastHoltWinters(model, 1)).toBeCloseTo(13.27 + 1.046 - 1.32, 12);
    expect(forecastHoltWinters(model, 2)).toBeCloseTo(13.27 + 2 * 1.046 + 1.412, 12);
    // Initial state is copied, not modified.
    expect(Array.from(init.seasonals[0]!)).toEqual([1, -1]);
  });

  it('lets a missing value follow the forecast', () => {
    const model = runHoltWinters([13, Number.NaN, 15], two, params, init)!;
    // t1 skipped: ℓ 12.6, b 1.1; t2: ŷ = 12.6+1.1+1.2 = 14.9, e = 0.1.
    expect(model.level).toBeCloseTo(12.6 + 1.1 + 0.05, 12);
    expect(model.sse).toBeCloseTo(1 + 0.01, 12);
  });

  it('abandons a run that is already worse than the best', () => {
    expect(runHoltWinters([13, 10, 15], two, params, init, undefined, 2)).toBeUndefined();
  });

  // c1 = α + β = 0.6 (no season at lag 1), c2 = α + 2β + γ = 0.9 → σ²(1 + 0.36 + 0.81).
  it('widens the forecast error with the horizon', () => {
    const model = runHoltWinters([13, 10, 15], two, params, init)!;
    expect(holtWintersSd(model, 1)).toBeCloseTo(model.sigma, 12);
    expect(holtWintersSd(model, 3)).toBeCloseTo(model.sigma * Math.sqrt(2.17), 12);
  });
});

describe('initialState and fitting', () => {
  const daily: SeasonSpec = { slots: 24, block: 1, offset: 0 };
  const weekday: SeasonSpec = { slots: 7, block: 24, offset: 0 };
  const shape = (t: number) => 0.05 * Math.sin((2 * Math.PI * t) / 24) + (Math.floor(t / 24) % 7 >= 5 ? -0.05 : 0.02);
  const exact = Float64Array.from({ length: 28 * 24 }, (_, t) => 0.3 + 0.0005 * t + shape(t));

  it('recovers trend and seasons of a noise-free series', () => {
    const state = initialState(exact, [daily, weekday], { detectShift: false })!;
    expect(state.trend).toBeCloseTo(0.0005, 8);
    expect(state.level + state.trend).toBeCloseTo(0.3, 6);
    expect(state.seasonals[0]![6]!).toBeCloseTo(0.05, 6);
    expect(state.seasonals[1]![5]! - state.seasonals[1]![0]!).toBeCloseTo(-0.07, 5);
    expect(state.shift).toBeUndefined();
  });

  it('models a level shift as an intervention, not as growth', () => {
    const shifted = exact.map((v, t) => (t >= 400 ? v + 0.1 : v));
    const state = initialState(shifted, [daily, weekday])!;
    expect(state.shift?.at).toBe(400);
    expect(state.shift?.size).toBeCloseTo(0.1, 6);
    expect(state.trend).toBeCloseTo(0.0005, 8);
    const model = fitHoltWinters(shifted, [daily, weekday])!;
    expect(forecastHoltWinters(model, 24 * 7)).toBeCloseTo(0.3 + 0.0005 * (exact.length - 1 + 168) + 0.1 + shape(exact.length - 1 + 168), 4);
  });

  it('needs two cycles of the longest season', () => {
    expect(minimumLength([daily, weekday])).toBe(336);
    expect(fitHoltWinters(exact.subarray(0, 335), [daily, weekday])).toBeUndefined();
    expect(() => fitHoltWinters(exact, [])).toThrow('fitHoltWinters: 1 or 2 seasonal components, got 0');
  });
});
