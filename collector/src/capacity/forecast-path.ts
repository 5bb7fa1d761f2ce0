// Forecast paths kept compactly in memory between runs: 10,000 resources × 360 points stay around 40 MB.
import type { ForecastPoint } from './domain/forecast.js';

export interface CompactPath {
  originMs: number;
  stepMs: number;
  mean: Float32Array;
  lower: Float32Array;
  upper: Float32Array;
}

/** Packs a path of evenly spaced points (`stepMs` apart, the first one step after the origin). */
export function compactPath(forecast: readonly ForecastPoint[], stepMs: number): CompactPath | undefined {
  if (forecast.length === 0) return undefined;
  return {
    originMs: forecast[0]!.t - stepMs,
    stepMs,
    mean: Float32Array.from(forecast, (p) => p.mean),
    lower: Float32Array.from(forecast, (p) => p.lower),
    upper: Float32Array.from(forecast, (p) => p.upper),
  };
}

export function expandPath(path: CompactPath | undefined): ForecastPoint[] {
  if (!path) return [];
  return Array.from(path.mean, (mean, i) => ({ t: path.originMs + (i + 1) * path.stepMs, mean, lower: path.lower[i]!, upper: path.upper[i]! }));
}
