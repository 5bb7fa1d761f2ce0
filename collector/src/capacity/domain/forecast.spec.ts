import { describe, expect, it } from 'vitest';
import { DEFAULT_FORECAST_OPTIONS, forecastSeries, type ForecastOptions } from './forecast.js';
import { fitLinear } from './linear.js';
import { prng, syntheticCrossingMs, syntheticSeries, syntheticThreshold, type SyntheticSpec } from './synthetic.js';

const H = 3_600_000;
const D = 86_400_000;
const start = Date.UTC(2026, 9, 1);
const options = (threshold: number, extra: Partial<ForecastOptions> = {}): ForecastOptions => ({ ...DEFAULT_FORECAST_OPTIONS, threshold, ...extra });
const line = (hours: number, f: (i: number) => number) => ({ startMs: start, stepMs: H, values: Float64Array.from({ length: hours }, (_, i) => f(i)) });

describe('forecastSeries: exact cases', () => {
  // y = 0.5 + 0.001·i: reaches 0.7 at i = 200, i.e. 101 h after the last point (i = 99).
  it('finds the crossing of a straight line exactly', () => {
    const r = forecastSeries(line(100, (i) => 0.5 + 0.001 * i), options(0.7, { models: ['linear'] }));
    expect(r.status).toBe('ok');
    if (r.status !== 'ok') return;
    expect(r.model).toBe('linear');
    expect(r.originMs).toBe(start + 99 * H);
    expect(r.current).toBeCloseTo(0.599, 12);
    expect(r.growthPerDay).toBeCloseTo(0.024, 12);
    expect(r.exhaustion.exceeded).toBe(false);
    expect(r.exhaustion.expectedMs! - start).toBeCloseTo(200 * H, 0);
    // No noise: the band has no width.
    expect(r.exhaustion.earliestMs! - start).toBeCloseTo(200 * H, 0);
    expect(r.exhaustion.latestMs! - start).toBeCloseTo(200 * H, 0);
    expect(r.atHorizon.t).toBe(start + 99 * H + 90 * D);
    expect(r.atHorizon.mean).toBeCloseTo(0.5 + 0.001 * (99 + 90 * 24), 9);
    expect(r.path).toHaveLength(90 * 4);
    expect(r.path[0]!.t).toBe(start + 105 * H);
  });

  it('reports no crossing when growth is too slow for the horizon', () => {
    const r = forecastSeries(line(100, (i) => 0.1 + 0.00001 * i), options(0.9, { models: ['linear'] }));
    expect(r.status === 'ok' && r.exhaustion).toEqual({ exceeded: false, expectedMs: null, earliestMs: null, latestMs: null });
  });

  it('reports a resource already over its threshold as exhausted now', () => {
    const r = forecastSeries(line(100, (i) => 0.95 + 0.0001 * i), options(0.9, { models: ['linear'] }));
    expect(r.status === 'ok' && r.exhaustion).toEqual({ exceeded: true, expectedMs: start + 99 * H, earliestMs: start + 99 * H, latestMs: start + 99 * H });
  });

  it('says how much history is missing instead of guessing', () => {
    const r = forecastSeries(line(48, (i) => 0.5 + 0.001 * i), options(0.9));
    expect(r).toEqual({ status: 'insufficient_data', haveMs: 48 * H, needMs: 3 * D, message: 'insufficient data: 2 d of history, need 3 d (24 h more)' });
    const empty = forecastSeries(line(10, () => Number.NaN), options(0.9));
    expect(empty.status === 'insufficient_data' && empty.message).toBe('insufficient data: no observations yet, need 3 d of history');
    const sparse = forecastSeries(line(100, (i) => (i % 10 === 0 ? 0.5 : Number.NaN)), options(0.9));
    expect(sparse.status === 'insufficient_data' && sparse.message).toBe('insufficient data: only 10 of 91 hours observed, need at least half');
  });

  it('rejects invalid thresholds and horizons with a clear message', () => {
    const s = line(100, (i) => i);
    expect(() => forecastSeries(s, options(Number.NaN))).toThrow('invalid forecast options: threshold: must be a finite number, got NaN');
    expect(() => forecastSeries(s, options(0.9, { horizonMs: 0 }))).toThrow('horizon: must be between one step (3600000 ms) and 3 years, got 0 ms');
    expect(() => forecastSeries(s, options(0.9, { confidence: 1 }))).toThrow('confidence: must be between 0 and 1 exclusive, got 1');
  });
});

describe('forecastSeries: accuracy on synthetic series with a known truth', () => {
  const base: Omit<SyntheticSpec, 'seed'> = {
    startMs: start,
    hours: 30 * 24,
    base: 0.45,
    slopePerDay: 0.01,
    dailyAmplitude: 0.06,
    weeklyAmplitude: 0.02,
    noiseSd: 0.01,
  };
  const cases: Array<[string, Omit<SyntheticSpec, 'seed'>]> = [
    ['growth + daily + weekly seasonality + noise', base],
    ['the same with a level step 10 days before the end', { ...base, step: { atHour: 20 * 24, size: 0.08 } }],
  ];
  for (const [name, spec0] of cases) {
    it(`${name}: time to threshold at a 14-day horizon within 5 % (10 seeds), plain linear regression far off`, () => {
      for (let seed = 1; seed <= 10; seed++) {
        const spec = { ...spec0, seed };
        const series = syntheticSeries(spec);
        const threshold = syntheticThreshold(spec, 14);
        const origin = start + (spec.hours - 1) * H;
        const truth = syntheticCrossingMs(spec, threshold, 90 * 24)!;
        expect((truth - origin) / D).toBeGreaterThan(13);
        expect((truth - origin) / D).toBeLessThan(17);
        const r = forecastSeries(series, options(threshold));
        expect(r.status).toBe('ok');
        if (r.status !== 'ok') return;
        const error = Math.abs(r.exhaustion.expectedMs! - truth) / (truth - origin);
        expect(error, `seed ${seed}`).toBeLessThan(0.05);
        expect(r.exhaustion.earliestMs!).toBeLessThanOrEqual(r.exhaustion.expectedMs!);
        expect(r.exhaustion.latestMs ?? Infinity).toBeGreaterThanOrEqual(r.exhaustion.expectedMs!);
        expect(r.growthPerDay).toBeCloseTo(0.01, 3);
        // predict_linear's answer over the same data misses the daily peaks (or is tilted by the step).
        const xs = Float64Array.from(series.values, (_, i) => i);
        const fit = fitLinear(xs, series.values)!;
        const linear = start + ((threshold - fit.intercept) / fit.slope) * H;
        expect(Math.abs(linear - truth) / (truth - origin)).toBeGreaterThan(0.05);
      }
    });
  }

  it('copes with gaps: 20 % of hours missing and a two-day outage', () => {
    const spec = { ...base, seed: 3 };
    const series = syntheticSeries(spec);
    const random = prng(11);
    for (let i = 0; i < series.values.length; i++) if (random() < 0.2 || (i >= 400 && i < 448)) series.values[i] = Number.NaN;
    const threshold = syntheticThreshold(spec, 14);
    const origin = start + (spec.hours - 1) * H;
    const truth = syntheticCrossingMs(spec, threshold, 90 * 24)!;
    const r = forecastSeries(series, options(threshold));
    expect(r.status === 'ok' && Math.abs(r.exhaustion.expectedMs! - truth) / (truth - origin)).toBeLessThan(0.05);
  });

  it('picks a seasonal model by backtest when the data is seasonal, linear when it is not', () => {
    const seasonal = forecastSeries(syntheticSeries({ ...base, seed: 1 }), options(0.99));
    expect(seasonal.status === 'ok' && seasonal.model).toBe('holt_winters_weekly');
    expect(seasonal.status === 'ok' && seasonal.backtest.map((b) => b.model)).toEqual(['holt_winters_weekly', 'holt_winters_daily', 'linear']);
    const flat = forecastSeries(syntheticSeries({ ...base, dailyAmplitude: 0, weeklyAmplitude: 0, noiseSd: 0, seed: 1, hours: 5 * 24 }), options(0.99));
    expect(flat.status === 'ok' && flat.model).toBe('linear');
  });
});
