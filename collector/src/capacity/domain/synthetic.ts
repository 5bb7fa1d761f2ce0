// Synthetic utilisation series with a known truth: linear growth, daily and weekly seasonality,
// Gaussian noise and an optional level step. Used by the accuracy tests and bench/capacity.mjs.
import { seededRandom } from '../../storage/prng.js';
import type { RegularSeries } from './series.js';

const HOUR_MS = 3_600_000;

export interface SyntheticSpec {
  /** Time of the first hourly point (a whole hour). */
  startMs: number;
  /** Hours of history. */
  hours: number;
  base: number;
  slopePerDay: number;
  /** Amplitude of the daily cycle (peak in the afternoon). */
  dailyAmplitude: number;
  /** Weekdays sit this much above the mean, weekends this much times 2.5 below. */
  weeklyAmplitude: number;
  noiseSd: number;
  /** A level shift of `size` from hour `atHour` on (e.g. a data migration). */
  step?: { atHour: number; size: number };
  seed: number;
}

/** Deterministic uniform source (the storage benchmarks' mulberry32). */
export const prng = seededRandom;

/** Standard normal deviates from a uniform source (Box-Muller). */
export function gaussian(uniform: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
}

/** Noise-free value at hour index i (may be beyond the history). */
export function syntheticTruth(spec: SyntheticSpec, i: number): number {
  const t = spec.startMs + i * HOUR_MS;
  const hourOfDay = Math.floor(t / HOUR_MS) % 24;
  const dayOfWeek = (Math.floor(t / 86_400_000) + 4) % 7; // 1970-01-01 was a Thursday; 0 = Sunday
  const weekend = dayOfWeek === 0 || dayOfWeek === 6;
  let value = spec.base + (spec.slopePerDay * i) / 24;
  value += spec.dailyAmplitude * Math.sin((2 * Math.PI * (hourOfDay - 8)) / 24);
  value += weekend ? -2.5 * spec.weeklyAmplitude : spec.weeklyAmplitude;
  if (spec.step && i >= spec.step.atHour) value += spec.step.size;
  return value;
}

export function syntheticSeries(spec: SyntheticSpec): RegularSeries {
  const noise = gaussian(prng(spec.seed));
  const values = new Float64Array(spec.hours);
  for (let i = 0; i < spec.hours; i++) values[i] = syntheticTruth(spec, i) + spec.noiseSd * noise();
  return { startMs: spec.startMs, stepMs: HOUR_MS, values };
}

/**
 * When the noise-free series first reaches `threshold` after the history, on the hourly grid with linear
 * interpolation (the same resolution the forecaster reports); undefined when not within maxHours.
 */
export function syntheticCrossingMs(spec: SyntheticSpec, threshold: number, maxHours: number): number | undefined {
  let previous = syntheticTruth(spec, spec.hours - 1);
  for (let i = spec.hours; i < spec.hours + maxHours; i++) {
    const value = syntheticTruth(spec, i);
    if (value >= threshold) {
      const t1 = spec.startMs + i * HOUR_MS;
      return previous >= threshold ? t1 - HOUR_MS : t1 - HOUR_MS + ((threshold - previous) / (value - previous)) * HOUR_MS;
    }
    previous = value;
  }
  return undefined;
}

/**
 * A threshold the noise-free series first reaches on the first working day at least `daysAhead` after the
 * history whose previous day was also a working day: halfway between the peaks of those two days. A
 * threshold exactly at a daily peak would make the crossing date jump by days for an error of 1e-6;
 * halfway puts half a day's growth of margin on each side, so the test measures the forecast, not luck.
 */
export function syntheticThreshold(spec: SyntheticSpec, daysAhead: number): number {
  const dayMs = 86_400_000;
  const originMs = spec.startMs + (spec.hours - 1) * HOUR_MS;
  let day = Math.floor(originMs / dayMs) + daysAhead;
  const weekday = (d: number) => ((d + 4) % 7) % 6 !== 0;
  while (!(weekday(day) && weekday(day - 1))) day++;
  const peak = (d: number) => {
    let max = -Infinity;
    for (let h = 0; h < 24; h++) max = Math.max(max, syntheticTruth(spec, Math.round((d * dayMs + h * HOUR_MS - spec.startMs) / HOUR_MS)));
    return max;
  };
  return (peak(day - 1) + peak(day)) / 2;
}
