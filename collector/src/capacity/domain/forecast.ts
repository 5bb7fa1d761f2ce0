// Model selection by backtest and the time until a threshold is reached, with a confidence band.
// Input is a regular series (see series.ts); output is plain data for the service, API and report.
import { fitHoltWinters, fitHoltWintersWith, forecastHoltWinters, holtWintersSd, minimumLength, type HoltWintersParams, type SeasonSpec } from './holt-winters.js';
import { fitLinear, linearHalfWidthFn } from './linear.js';
import { normalQuantile } from './stats.js';
import { countFinite, lastFiniteIndex, type RegularSeries } from './series.js';

export const MODEL_NAMES = ['linear', 'holt_winters_daily', 'holt_winters_weekly'] as const;
export type ModelName = (typeof MODEL_NAMES)[number];

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

export interface ForecastOptions {
  /** Value that counts as exhausted (e.g. 0.9 of a filesystem). */
  threshold: number;
  /** How far ahead to look, in ms (e.g. 90 days). */
  horizonMs: number;
  /** Confidence of the band around the forecast, e.g. 0.95. */
  confidence: number;
  /** Least history (first to last observation) before a forecast is made. */
  minHistoryMs: number;
  /** Longest held-out tail used to compare models (capped at a quarter of the history). */
  holdoutMs: number;
  /** Candidate models; each is tried only when the history is long enough for it. */
  models: readonly ModelName[];
  /** Spacing of the returned forecast path (for charts); a multiple of the series step. */
  pathStepMs: number;
}

export const DEFAULT_FORECAST_OPTIONS: Omit<ForecastOptions, 'threshold'> = {
  horizonMs: 90 * DAY_MS,
  confidence: 0.95,
  minHistoryMs: 3 * DAY_MS,
  holdoutMs: 7 * DAY_MS,
  models: MODEL_NAMES,
  pathStepMs: 6 * HOUR_MS,
};

export interface ForecastPoint {
  t: number;
  mean: number;
  lower: number;
  upper: number;
}

export interface BacktestScore {
  model: ModelName;
  /** Mean absolute error over the held-out tail, in the series' unit. */
  mae: number;
}

export interface Exhaustion {
  /** Already at or over the threshold at the last observation. */
  exceeded: boolean;
  /** When the forecast reaches the threshold; null when not within the horizon. */
  expectedMs: number | null;
  /** When the upper edge of the band reaches it (the pessimistic date). */
  earliestMs: number | null;
  /** When the lower edge reaches it (the optimistic date); null when not within the horizon. */
  latestMs: number | null;
}

export type ForecastResult =
  | {
      status: 'insufficient_data';
      /** History available (first to last observation, each covering one step), ms. */
      haveMs: number;
      needMs: number;
      message: string;
    }
  | {
      status: 'ok';
      model: ModelName;
      /** MAE of the chosen model on the held-out tail. */
      backtestError: number;
      backtest: BacktestScore[];
      holdoutMs: number;
      /** Time of the last observation: forecasts start after it. */
      originMs: number;
      /** Last observed value. */
      current: number;
      /** Trend of the model, per day. */
      growthPerDay: number;
      /** Forecast at origin + horizon. */
      atHorizon: ForecastPoint;
      exhaustion: Exhaustion;
      path: ForecastPoint[];
    };

/** A fitted model: mean and half width of the band h steps after the last position. */
interface Forecaster {
  mean(h: number): number;
  halfWidth(h: number): number;
  trendPerStep: number;
  /** Holt-Winters smoothing parameters (reused when refitting on the whole history). */
  params?: HoltWintersParams;
  /** A level shift the model found, in positions of its input. */
  shift?: { at: number; size: number } | undefined;
}

/** Validates options; returns problems as "key: message" lines (empty when fine). */
export function forecastOptionProblems(options: ForecastOptions, stepMs: number): string[] {
  const problems: string[] = [];
  if (!Number.isFinite(options.threshold)) problems.push(`threshold: must be a finite number, got ${options.threshold}`);
  if (!(Number.isFinite(options.horizonMs) && options.horizonMs >= stepMs && options.horizonMs <= 3 * 365 * DAY_MS))
    problems.push(`horizon: must be between one step (${stepMs} ms) and 3 years, got ${options.horizonMs} ms`);
  if (!(options.confidence > 0 && options.confidence < 1)) problems.push(`confidence: must be between 0 and 1 exclusive, got ${options.confidence}`);
  if (!(options.minHistoryMs >= 0)) problems.push(`min_history: must not be negative, got ${options.minHistoryMs} ms`);
  if (!(options.holdoutMs >= stepMs)) problems.push(`holdout: must be at least one step (${stepMs} ms), got ${options.holdoutMs} ms`);
  if (options.models.length === 0) problems.push('models: at least one model is required');
  if (!(options.pathStepMs >= stepMs && options.pathStepMs % stepMs === 0)) problems.push(`path_step: must be a multiple of ${stepMs} ms, got ${options.pathStepMs} ms`);
  return problems;
}

/**
 * Seasonal components for a series whose position 0 is at startMs: a daily shape (one slot per step)
 * and, for the weekly model, a level per day of the week. Days are UTC days. Undefined when the step
 * does not divide a day into at least two slots.
 */
function seasonsFor(model: Exclude<ModelName, 'linear'>, startMs: number, stepMs: number): SeasonSpec[] | undefined {
  const perDay = DAY_MS / stepMs;
  if (!Number.isInteger(perDay) || perDay < 2) return undefined;
  const offset = Math.floor((((startMs % DAY_MS) + DAY_MS) % DAY_MS) / stepMs);
  const daily: SeasonSpec = { slots: perDay, block: 1, offset: 0 };
  // Day-of-week slot: 1970-01-01 (day 0) was a Thursday; slot 0 is the day position 0 falls in.
  const dayOfWeek: SeasonSpec = { slots: 7, block: perDay, offset };
  return model === 'holt_winters_daily' ? [{ ...daily, offset }] : [{ ...daily, offset }, dayOfWeek];
}

/** Fits one candidate on y (positions 0..y.length-1); undefined when it cannot be fitted. */
function fitModel(model: ModelName, y: Float64Array, startMs: number, stepMs: number, z: number, confidence: number, params?: HoltWintersParams): Forecaster | undefined {
  if (model === 'linear') {
    const xs = new Float64Array(y.length);
    for (let i = 0; i < y.length; i++) xs[i] = i;
    const fit = fitLinear(xs, y);
    if (!fit) return undefined;
    const last = y.length - 1;
    const halfWidth = linearHalfWidthFn(fit, confidence);
    return {
      mean: (h) => fit.intercept + fit.slope * (last + h),
      halfWidth: (h) => halfWidth(last + h),
      trendPerStep: fit.slope,
    };
  }
  const seasons = seasonsFor(model, startMs, stepMs);
  if (!seasons || y.length < minimumLength(seasons) || countFinite(y) < minimumLength(seasons) / 2) return undefined;
  const fit = params ? fitHoltWintersWith(y, seasons, params) : fitHoltWinters(y, seasons);
  if (!fit || !Number.isFinite(fit.sigma)) return undefined;
  return {
    mean: (h) => forecastHoltWinters(fit, h),
    halfWidth: (h) => z * holtWintersSd(fit, h),
    trendPerStep: fit.trend,
    params: fit.params,
    shift: fit.shift,
  };
}

/** Mean absolute error of `forecaster` against the actual tail (NaN actuals skipped). */
function meanAbsoluteError(forecaster: Forecaster, actual: Float64Array): number {
  let sum = 0;
  let n = 0;
  for (let h = 1; h <= actual.length; h++) {
    const value = actual[h - 1]!;
    if (value !== value) continue;
    sum += Math.abs(value - forecaster.mean(h));
    n++;
  }
  return n ? sum / n : Number.NaN;
}

/** Linear interpolation of when a segment from (t0, v0) to (t1, v1) reaches `level`. */
function crossing(t0: number, v0: number, t1: number, v1: number, level: number): number {
  if (v0 >= level || v1 === v0) return t0;
  return t0 + ((level - v0) / (v1 - v0)) * (t1 - t0);
}

/**
 * Forecasts a regular series and finds when it reaches the threshold. The series is cut after its last
 * finite value (the forecast origin). Models are compared on the held-out recent tail and the one with
 * the lowest mean absolute error is refitted on the whole history.
 */
export function forecastSeries(series: RegularSeries, options: ForecastOptions): ForecastResult {
  const problems = forecastOptionProblems(options, series.stepMs);
  if (problems.length) throw new RangeError(`invalid forecast options: ${problems.join('; ')}`);
  const { stepMs } = series;
  const lastIndex = lastFiniteIndex(series.values);
  let firstIndex = 0;
  while (firstIndex <= lastIndex && !Number.isFinite(series.values[firstIndex]!)) firstIndex++;
  // Each position stands for one step of observation (an hourly rollup covers its hour).
  const haveMs = lastIndex >= firstIndex ? (lastIndex - firstIndex + 1) * stepMs : 0;
  const minSteps = Math.ceil(options.minHistoryMs / stepMs);
  const finite = lastIndex >= 0 ? countFinite(series.values) : 0;
  if (lastIndex < 0 || haveMs < options.minHistoryMs || finite < Math.max(3, minSteps / 2)) {
    const needMs = Math.max(options.minHistoryMs, 2 * stepMs);
    const more = Math.max(needMs - haveMs, stepMs);
    return {
      status: 'insufficient_data',
      haveMs,
      needMs,
      message: lastIndex < 0
        ? `insufficient data: no observations yet, need ${hours(needMs)} of history`
        : finite < Math.max(3, minSteps / 2) && haveMs >= options.minHistoryMs
          ? `insufficient data: only ${finite} of ${lastIndex - firstIndex + 1} hours observed, need at least half`
          : `insufficient data: ${hours(haveMs)} of history, need ${hours(needMs)} (${hours(more)} more)`,
    };
  }
  const y = series.values.subarray(firstIndex, lastIndex + 1);
  const originMs = series.startMs + lastIndex * stepMs;
  const startMs = series.startMs + firstIndex * stepMs;
  const z = normalQuantile(0.5 + options.confidence / 2);

  // Backtest: fit on the head, score on the held-out tail.
  const holdout = Math.max(1, Math.min(Math.floor(options.holdoutMs / stepMs), Math.floor(y.length / 4)));
  const head = y.subarray(0, y.length - holdout);
  const tail = y.subarray(y.length - holdout);
  const backtest: BacktestScore[] = [];
  const headParams = new Map<ModelName, HoltWintersParams | undefined>();
  for (const model of options.models) {
    const forecaster = fitModel(model, head, startMs, stepMs, z, options.confidence);
    if (!forecaster) continue;
    const mae = meanAbsoluteError(forecaster, tail);
    if (!Number.isFinite(mae)) continue;
    backtest.push({ model, mae });
    headParams.set(model, forecaster.params);
  }
  backtest.sort((a, b) => a.mae - b.mae || options.models.indexOf(a.model) - options.models.indexOf(b.model));
  let chosen: ModelName | undefined;
  let forecaster: Forecaster | undefined;
  for (const candidate of backtest) {
    // Smoothing parameters chosen on the head are kept: the tail adds little to their choice and a
    // second grid search would double the cost.
    forecaster = fitModel(candidate.model, y, startMs, stepMs, z, options.confidence, headParams.get(candidate.model));
    if (forecaster) {
      chosen = candidate.model;
      break;
    }
  }
  if (!forecaster || !chosen) {
    // Every candidate failed (e.g. constant x): fall back to linear on everything, which needs 3 points.
    forecaster = fitModel('linear', y, startMs, stepMs, z, options.confidence);
    chosen = 'linear';
    if (!forecaster) {
      return { status: 'insufficient_data', haveMs, needMs: options.minHistoryMs, message: 'insufficient data: too few distinct observations to fit a trend' };
    }
  }

  const steps = Math.floor(options.horizonMs / stepMs);
  const pathStride = options.pathStepMs / stepMs;
  const current = y[y.length - 1]!;
  const threshold = options.threshold;
  const exhaustion: Exhaustion = { exceeded: current >= threshold, expectedMs: null, earliestMs: null, latestMs: null };
  if (exhaustion.exceeded) exhaustion.expectedMs = exhaustion.earliestMs = exhaustion.latestMs = originMs;
  const path: ForecastPoint[] = [];
  let prevMean = current;
  let prevUpper = current;
  let prevLower = current;
  let atHorizon: ForecastPoint = { t: originMs, mean: current, lower: current, upper: current };
  for (let h = 1; h <= steps; h++) {
    const mean = forecaster.mean(h);
    const half = forecaster.halfWidth(h);
    const t = originMs + h * stepMs;
    const t0 = t - stepMs;
    if (!exhaustion.exceeded) {
      if (exhaustion.expectedMs === null && mean >= threshold) exhaustion.expectedMs = crossing(t0, prevMean, t, mean, threshold);
      if (exhaustion.earliestMs === null && mean + half >= threshold) exhaustion.earliestMs = crossing(t0, prevUpper, t, mean + half, threshold);
      if (exhaustion.latestMs === null && mean - half >= threshold) exhaustion.latestMs = crossing(t0, prevLower, t, mean - half, threshold);
    }
    prevMean = mean;
    prevUpper = mean + half;
    prevLower = mean - half;
    atHorizon = { t, mean, lower: mean - half, upper: mean + half };
    if (h % pathStride === 0 || h === steps) path.push(atHorizon);
  }
  const score = backtest.find((b) => b.model === chosen);
  return {
    status: 'ok',
    model: chosen,
    backtestError: score?.mae ?? Number.NaN,
    backtest,
    holdoutMs: holdout * stepMs,
    originMs,
    current,
    growthPerDay: forecaster.trendPerStep * (DAY_MS / stepMs),
    atHorizon,
    exhaustion,
    path,
  };
}

function hours(ms: number): string {
  const h = ms / HOUR_MS;
  return h >= 48 && Number.isInteger(h / 24) ? `${h / 24} d` : `${Math.round(h * 10) / 10} h`;
}
