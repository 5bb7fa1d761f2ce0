// HTTP and report shapes of capacity forecasts: snake_case like the rest of the API, ratios as
// fractions (0.9), times as ISO strings with the same instant in seconds left / days left.
import { z } from 'zod';
import type { Point } from '../storage/storage.types.js';
import type { ForecastPoint } from './domain/forecast.js';
import { resourceLabel, SORT_KEYS, type CapacityEntry } from './domain/resources.js';

export const capacityListQuerySchema = z.strictObject({
  sort: z.enum(SORT_KEYS, { error: `must be one of ${SORT_KEYS.join(', ')}` }).default('exhaustion'),
  limit: z
    .string()
    .regex(/^\d+$/, 'must be an integer from 1 to 100000')
    .transform(Number)
    .refine((n) => n >= 1 && n <= 100_000, 'must be an integer from 1 to 100000')
    .optional(),
  /** Only resources forecast to reach their threshold within this many days (or already over it). */
  within_days: z
    .string()
    .regex(/^\d+(\.\d+)?$/, 'must be a positive number of days')
    .transform(Number)
    .refine((n) => n > 0, 'must be a positive number of days')
    .optional(),
  host: z.string().min(1).optional(),
  resource: z.string().min(1).optional(),
});
export type CapacityListQuery = z.infer<typeof capacityListQuerySchema>;


const iso = (ms: number | null | undefined): string | null => (ms === null || ms === undefined ? null : new Date(ms).toISOString());
const toDays = (seconds: number | null | undefined): number | null => (seconds === null || seconds === undefined ? null : seconds / 86_400);

/** One resource as the API and the JSON report return it. */
export function capacityEntryView(e: CapacityEntry): Record<string, unknown> {
  const x = e.exhaustion;
  return {
    host: e.host,
    agent: e.agent,
    resource: resourceLabel(e),
    mountpoint: e.mountpoint,
    title: e.title,
    unit: e.unit,
    status: e.status,
    ...(e.message ? { message: e.message } : {}),
    current: e.current,
    threshold: e.threshold,
    growth_per_day: e.growthPerDay,
    horizon_days: e.horizonMs / 86_400_000,
    forecast_at_horizon: e.atHorizon ? { at: iso(e.atHorizon.t), value: e.atHorizon.mean, lower: e.atHorizon.lower, upper: e.atHorizon.upper } : null,
    exhaustion: x
      ? {
          exceeded: x.exceeded,
          days_left: toDays(x.secondsLeft),
          seconds_left: x.secondsLeft,
          expected_at: iso(x.expectedMs),
          earliest_days_left: toDays(x.earliestSecondsLeft),
          earliest_at: iso(x.earliestMs),
          latest_days_left: toDays(x.latestSecondsLeft),
          latest_at: iso(x.latestMs),
        }
      : null,
    model: e.model,
    backtest_error: e.backtestError,
    backtest: e.backtest,
    history_hours: e.historyHours,
    ...(e.neededHours !== undefined ? { needed_hours: e.neededHours } : {}),
    computed_at: iso(e.computedMs),
  };
}

/** A resource with its chart data: hourly history as [ms, value] and the forecast path. */
export function capacityChartView(e: CapacityEntry & { history: Point[]; forecast: ForecastPoint[] }): Record<string, unknown> {
  return { ...capacityEntryView(e), history: e.history, forecast: e.forecast };
}
