// Additive Holt-Winters with up to two seasonal components, in the error-correction form:
//   ŷ_t = ℓ + b + Σ_k s_k[slot_k(t)];  e_t = y_t − ŷ_t
//   ℓ ← ℓ + b + α·e;  b ← b + β·e;  s_k[slot_k(t)] ← s_k[slot_k(t)] + (γ / block_k)·e
// A component has `slots` values, each covering `block` consecutive positions: on hourly data the
// daily component is 24 slots of 1 hour and the weekly one 7 slots of 24 hours (a day-of-week level on
// top of the daily shape). Seven day levels instead of 168 hour-of-week slots: with a month of history
// each hour-of-week slot sees four noisy points, and the forecast peak, a maximum over noisy slots,
// came out biased high; seven day levels are learnt from a hundred points each.
// A missing observation (NaN) advances the state along its own forecast (e = 0).
import { DEFAULT_LEVEL_SHIFT, detectLevelShift, fitShiftedLine, type LevelShiftOptions, type ShiftedLine } from './level-shift.js';

export interface SeasonSpec {
  slots: number;
  /** Consecutive positions sharing one slot. */
  block: number;
  /** Positions before position 0 within the current block cycle (aligns blocks to calendar days). */
  offset: number;
}

export interface HoltWintersParams {
  alpha: number;
  beta: number;
  gamma: number;
}

export interface HoltWintersModel {
  seasons: readonly SeasonSpec[];
  params: HoltWintersParams;
  level: number;
  trend: number;
  seasonals: Float64Array[];
  /** Number of positions consumed; the next forecast is for position `length`. */
  length: number;
  /** Standard deviation of the one-step errors over the fit. */
  sigma: number;
  /** Sum of squared one-step errors (the fitting objective). */
  sse: number;
  /** The level shift modelled as an intervention, if any. */
  shift?: { at: number; size: number } | undefined;
}

export interface HoltWintersGrid {
  alpha: readonly number[];
  beta: readonly number[];
  gamma: readonly number[];
}

/** Default search grid: small β keeps the trend a long-run property, as capacity growth is. */
export const DEFAULT_GRID: HoltWintersGrid = {
  // Likely winners first: the search abandons a run once it is worse than the best so far.
  alpha: [0.1, 0.05, 0.2, 0.02, 0.4],
  beta: [0, 0.0003],
  gamma: [0.1, 0.02, 0.25],
};

export function slotOf(season: SeasonSpec, t: number): number {
  return Math.floor((t + season.offset) / season.block) % season.slots;
}

/** Slot of every position 0..n-1 (precomputed once per fit: the filter runs once per grid point). */
export function slotIndices(season: SeasonSpec, n: number): Int32Array {
  const out = new Int32Array(n);
  for (let t = 0; t < n; t++) out[t] = Math.floor((t + season.offset) / season.block) % season.slots;
  return out;
}

/** Positions needed before a model with these seasons is fitted (two full cycles of the longest). */
export function minimumLength(seasons: readonly SeasonSpec[]): number {
  return 2 * Math.max(...seasons.map((s) => s.slots * s.block));
}

export interface InitialState {
  level: number;
  trend: number;
  seasonals: Float64Array[];
  /** A level shift found in the history, added to the level when the filter reaches it. */
  shift?: { at: number; size: number } | undefined;
}

/**
 * Initial level, trend and seasonal slots by least squares over the whole of y: a line plus one value
 * per slot of each component (centred on zero), found by backfitting (line on the deseasonalised
 * series, then each component as the mean residual per slot, repeated). Fitting the line jointly with
 * the seasons matters: a month of data ends on some weekday, and a plain line through a weekly pattern
 * tilts by a few percent, which a small β then never corrects. When `detectShift` is set and the
 * deseasonalised series has one clear level shift, the line gets a step there (applied to the level
 * when the filter passes it), so the shift does not masquerade as growth.
 * Undefined with too few finite values.
 */
export function initialState(
  y: ArrayLike<number>,
  seasons: readonly SeasonSpec[],
  options: { iterations?: number; detectShift?: LevelShiftOptions | false; slots?: readonly Int32Array[] } = {},
): InitialState | undefined {
  const iterations = options.iterations ?? 4;
  const n = y.length;
  const seasonal = new Float64Array(n);
  const work = new Float64Array(n);
  const seasonals = seasons.map((s) => new Float64Array(s.slots));
  const slots = options.slots ?? seasons.map((s) => slotIndices(s, n));
  const trendPart = new Float64Array(n);
  const backfit = (at: number | undefined): ShiftedLine | undefined => {
    for (let iteration = 0; iteration < iterations; iteration++) {
      for (let i = 0; i < n; i++) work[i] = y[i]! - seasonal[i]!;
      const line = fitShiftedLine(work, at);
      if (!line) return undefined;
      for (let i = 0; i < n; i++) trendPart[i] = line.intercept + line.slope * i + (at !== undefined && i >= at ? line.size : 0);
      for (let k = 0; k < seasons.length; k++) {
        const season = seasons[k]!;
        const values = seasonals[k]!;
        const slotOfPosition = slots[k]!;
        const sum = new Float64Array(season.slots);
        const count = new Float64Array(season.slots);
        for (let i = 0; i < n; i++) {
          // Residual of everything but this component.
          const slot = slotOfPosition[i]!;
          const r = y[i]! - trendPart[i]! - seasonal[i]! + values[slot]!;
          if (r !== r) continue;
          sum[slot] += r;
          count[slot]++;
        }
        let total = 0;
        let filled = 0;
        for (let j = 0; j < season.slots; j++) {
          if (count[j]! === 0) continue;
          total += sum[j]! / count[j]!;
          filled++;
        }
        const centre = filled ? total / filled : 0;
        // Change of each slot, applied to the running sum of components.
        const change = new Float64Array(season.slots);
        for (let j = 0; j < season.slots; j++) {
          const next = count[j]! > 0 ? sum[j]! / count[j]! - centre : 0;
          change[j] = next - values[j]!;
          values[j] = next;
        }
        for (let i = 0; i < n; i++) seasonal[i] = seasonal[i]! + change[slotOfPosition[i]!]!;
      }
    }
    for (let i = 0; i < n; i++) work[i] = y[i]! - seasonal[i]!;
    return fitShiftedLine(work, at);
  };
  let line = backfit(undefined);
  if (!line) return undefined;
  let shift: { at: number; size: number } | undefined;
  if (options.detectShift !== false) {
    const found = detectLevelShift(work, options.detectShift ?? DEFAULT_LEVEL_SHIFT);
    if (found) {
      const shifted = backfit(found.at);
      if (shifted) {
        line = shifted;
        shift = { at: found.at, size: shifted.size };
      }
    }
  }
  // State "before position 0": one step back on the line, so the first forecast is intercept + seasonals.
  return { level: line.intercept - line.slope, trend: line.slope, seasonals, shift };
}

/**
 * Runs the filter over y with fixed parameters from the given initial state (which is copied).
 * Returns undefined as soon as the squared error exceeds `abortAbove` (the grid search's best so far).
 */
export function runHoltWinters(
  y: ArrayLike<number>,
  seasons: readonly SeasonSpec[],
  params: HoltWintersParams,
  init: InitialState,
  slots: readonly Int32Array[] = seasons.map((s) => slotIndices(s, y.length)),
  abortAbove = Infinity,
): HoltWintersModel | undefined {
  const { alpha, beta, gamma } = params;
  const n = y.length;
  let level = init.level;
  let trend = init.trend;
  const sa = Float64Array.from(init.seasonals[0]!);
  const ga = gamma / seasons[0]!.block;
  const slotsA = slots[0]!;
  // Without a second component, a one-slot dummy that never moves keeps the loop branch-free.
  const twoSeasons = seasons.length > 1;
  const sb = twoSeasons ? Float64Array.from(init.seasonals[1]!) : new Float64Array(1);
  const gb = twoSeasons ? gamma / seasons[1]!.block : 0;
  const slotsB = twoSeasons ? slots[1]! : new Int32Array(n);
  let sse = 0;
  let count = 0;
  const shiftAt = init.shift ? init.shift.at : -1;
  for (let t = 0; t < n; t++) {
    if (t === shiftAt) level += init.shift!.size;
    const ia = slotsA[t]!;
    const ib = slotsB[t]!;
    const value = y[t]!;
    let e = 0;
    if (value === value) {
      e = value - (level + trend + sa[ia]! + sb[ib]!);
      sse += e * e;
      count++;
      if (sse > abortAbove) return undefined;
    }
    level += trend + alpha * e;
    trend += beta * e;
    sa[ia] = sa[ia]! + ga * e;
    sb[ib] = sb[ib]! + gb * e;
  }
  return {
    seasons,
    params,
    level,
    trend,
    seasonals: twoSeasons ? [sa, sb] : [sa],
    length: n,
    sigma: count > 1 ? Math.sqrt(sse / (count - 1)) : Number.NaN,
    sse,
    shift: init.shift,
  };
}

/**
 * Chooses α, β, γ on a grid by the one-step squared error and returns the fitted model, or undefined
 * when the series is too short or too sparse to initialise.
 */
export function fitHoltWinters(y: ArrayLike<number>, seasons: readonly SeasonSpec[], grid: HoltWintersGrid = DEFAULT_GRID): HoltWintersModel | undefined {
  if (seasons.length < 1 || seasons.length > 2) throw new RangeError(`fitHoltWinters: 1 or 2 seasonal components, got ${seasons.length}`);
  if (y.length < minimumLength(seasons)) return undefined;
  const slots = seasons.map((s) => slotIndices(s, y.length));
  const init = initialState(y, seasons, { slots });
  if (!init) return undefined;
  let best: HoltWintersModel | undefined;
  for (const alpha of grid.alpha) {
    for (const beta of grid.beta) {
      if (beta > alpha) continue;
      for (const gamma of grid.gamma) {
        if (gamma > 1 - alpha) continue;
        const model = runHoltWinters(y, seasons, { alpha, beta, gamma }, init, slots, best ? best.sse : Infinity);
        if (model && (!best || model.sse < best.sse)) best = model;
      }
    }
  }
  return best;
}

/** Fits with given parameters (e.g. those a backtest chose on the older part of the same series). */
export function fitHoltWintersWith(y: ArrayLike<number>, seasons: readonly SeasonSpec[], params: HoltWintersParams): HoltWintersModel | undefined {
  if (y.length < minimumLength(seasons)) return undefined;
  const slots = seasons.map((s) => slotIndices(s, y.length));
  const init = initialState(y, seasons, { slots });
  return init && runHoltWinters(y, seasons, params, init, slots);
}

/** Point forecast h ≥ 1 steps after the last consumed position. */
export function forecastHoltWinters(model: HoltWintersModel, h: number): number {
  const t = model.length - 1 + h;
  let value = model.level + h * model.trend;
  for (let k = 0; k < model.seasons.length; k++) value += model.seasonals[k]![slotOf(model.seasons[k]!, t)]!;
  return value;
}

/**
 * Standard deviation of the h-step forecast error, σ²·(1 + Σ_{j=1}^{h-1} c_j²), where c_j is how much
 * an error j steps back still moves the forecast: α + β·j, plus γ/block for each component whose slot
 * repeats at lag j (counted once per full cycle, over `block` lags). Closed-form sums; for components
 * with block > 1 the lags within a cycle are taken at the cycle boundary (an approximation within 1/cycle).
 */
export function holtWintersSd(model: HoltWintersModel, h: number): number {
  const { alpha, beta, gamma } = model.params;
  const j = h - 1;
  let sum = j * alpha * alpha + alpha * beta * j * (j + 1) + (beta * beta * j * (j + 1) * (2 * j + 1)) / 6;
  for (const season of model.seasons) {
    const cycle = season.slots * season.block;
    const g = gamma / season.block;
    const cycles = Math.floor(j / cycle);
    // block lags per cycle, each adding 2(α + βj)g + g².
    sum += season.block * (cycles * (2 * alpha * g + g * g) + 2 * beta * g * cycle * ((cycles * (cycles + 1)) / 2));
  }
  return model.sigma * Math.sqrt(1 + sum);
}
