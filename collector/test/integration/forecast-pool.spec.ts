// The forecast worker pool as the compiled collector runs it (worker threads need the built JavaScript):
// the same entries as forecasting in the calling thread, and a clean fallback signal when a worker dies.
import { beforeAll, describe, expect, it } from 'vitest';
import { buildWorkspace, REPO_ROOT } from '../support/run-bin.js';
import type * as PoolModule from '../../src/capacity/forecast-pool.js';
import type * as SeriesModule from '../../src/capacity/domain/series.js';
import type * as SyntheticModule from '../../src/capacity/domain/synthetic.js';
import type * as ForecastModule from '../../src/capacity/domain/forecast.js';

const dist = (path: string) => import(new URL(`collector/dist/capacity/${path}`, `file://${REPO_ROOT}`).href);
const H = 3_600_000;

describe('ForecastPool (compiled worker threads)', () => {
  let pool: typeof PoolModule;
  let series: typeof SeriesModule;
  let synthetic: typeof SyntheticModule;
  let forecast: typeof ForecastModule;

  beforeAll(async () => {
    buildWorkspace();
    [pool, series, synthetic, forecast] = await Promise.all([dist('forecast-pool.js'), dist('domain/series.js'), dist('domain/synthetic.js'), dist('domain/forecast.js')]);
  }, 120_000);

  function jobs(count: number): PoolModule.ForecastJob[] {
    return Array.from({ length: count }, (_, i) => {
      const s = synthetic.syntheticSeries({ startMs: 0, hours: 30 * 24, base: 0.4, slopePerDay: 0.01, dailyAmplitude: 0.05, weeklyAmplitude: 0.02, noiseSd: 0.01, seed: i + 1 });
      const t = Float64Array.from(s.values, (_, k) => k * H);
      return {
        group: { key: `k${i}`, agent: 'a', host: `h${i}`, resource: 'filesystem', mountpoint: '/', seriesIds: [i], combine: 'average', scale: 1, threshold: 0.9, unit: 'ratio' },
        hourly: series.packColumns(t, s.values),
        current: undefined,
        options: forecast.DEFAULT_FORECAST_OPTIONS,
        historyFromMs: 0,
        nowMs: 30 * 24 * H,
      };
    });
  }

  it('gives exactly the entries of forecasting in this thread, spread over its workers', async () => {
    const p = pool.ForecastPool.open(2)!;
    expect(p.size).toBe(2);
    try {
      const work = jobs(6);
      const [first, second] = await Promise.all([p.run(work.slice(0, 3)), p.run(work.slice(3))]);
      expect([...first, ...second]).toEqual(work.map(pool.runForecastJob));
      expect(first[0]!.status).toBe('ok');
    } finally {
      await p.close();
    }
    await expect(p.run(jobs(1))).rejects.toThrow('forecast pool is closed');
  });

  it('reports a job that throws as an error of that run, and is not opened with size 0', async () => {
    expect(pool.ForecastPool.open(0)).toBeUndefined();
    const p = pool.ForecastPool.open(1)!;
    try {
      const [bad] = jobs(1);
      await expect(p.run([{ ...bad!, options: { ...bad!.options, horizonMs: 0 } }])).rejects.toThrow(/invalid forecast options: horizon/);
      expect(p.broken).toBeUndefined(); // the worker lives on
      expect((await p.run(jobs(1)))[0]!.status).toBe('ok');
    } finally {
      await p.close();
    }
  });
});
