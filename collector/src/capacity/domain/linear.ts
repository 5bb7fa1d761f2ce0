// Ordinary least squares on (x, y) with the classical prediction interval. Missing values (NaN)
// are skipped, so gaps in the history need no special handling by callers.
import { studentTQuantile } from './stats.js';

export interface LinearFit {
  /** Points used (finite x and y). */
  n: number;
  slope: number;
  intercept: number;
  xMean: number;
  /** Σ (x - x̄)². */
  sxx: number;
  /** Residual standard deviation, sqrt(SSE / (n - 2)). */
  residualSd: number;
}

/** Fits y = intercept + slope·x; undefined when fewer than 3 usable points or all x equal. */
export function fitLinear(xs: ArrayLike<number>, ys: ArrayLike<number>): LinearFit | undefined {
  if (xs.length !== ys.length) throw new RangeError(`fitLinear: ${xs.length} x values but ${ys.length} y values`);
  let n = 0;
  let sx = 0;
  let sy = 0;
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i]!;
    const y = ys[i]!;
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    n++;
    sx += x;
    sy += y;
  }
  if (n < 3) return undefined;
  const xMean = sx / n;
  const yMean = sy / n;
  // Centered second pass: numerically stable with millisecond-sized x values.
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i]!;
    const y = ys[i]!;
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    const dx = x - xMean;
    sxx += dx * dx;
    sxy += dx * (y - yMean);
  }
  if (!(sxx > 0)) return undefined;
  const slope = sxy / sxx;
  const intercept = yMean - slope * xMean;
  let sse = 0;
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i]!;
    const y = ys[i]!;
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    const r = y - (intercept + slope * x);
    sse += r * r;
  }
  return { n, slope, intercept, xMean, sxx, residualSd: Math.sqrt(sse / (n - 2)) };
}

export interface Prediction {
  mean: number;
  lower: number;
  upper: number;
}

/** Point prediction at x with a two-sided prediction interval for a new observation. */
export function predictLinear(fit: LinearFit, x: number, confidence = 0.95): Prediction {
  const mean = fit.intercept + fit.slope * x;
  const half = linearHalfWidth(fit, x, confidence);
  return { mean, lower: mean - half, upper: mean + half };
}

/** Half width of the prediction interval: t · s · sqrt(1 + 1/n + (x - x̄)² / Sxx). */
export function linearHalfWidth(fit: LinearFit, x: number, confidence = 0.95): number {
  return linearHalfWidthFn(fit, confidence)(x);
}

/** The half width as a function of x, with the t quantile looked up once (for long forecast paths). */
export function linearHalfWidthFn(fit: LinearFit, confidence = 0.95): (x: number) => number {
  const scale = studentTQuantile(0.5 + confidence / 2, fit.n - 2) * fit.residualSd;
  const base = 1 + 1 / fit.n;
  return (x) => {
    const dx = x - fit.xMean;
    return scale * Math.sqrt(base + (dx * dx) / fit.sxx);
  };
}
