// Turns stored points (hourly rollups, possibly with gaps, duplicates after a clock jump, NaN or
// points from the future) into a regular grid the forecasters can use.

export interface RegularSeries {
  /** Time of position 0, a multiple of stepMs. */
  startMs: number;
  stepMs: number;
  /** One value per step; NaN where nothing was observed. */
  values: Float64Array;
}

export interface RegularizeReport {
  series: RegularSeries | undefined;
  /** Points ignored, by reason. */
  ignored: { nonFinite: number; future: number; beforeStart: number };
  /** Positions that received more than one point (averaged), e.g. after the clock went back. */
  merged: number;
}

/**
 * Places points on the grid floor(ts / step) between `fromMs` and `nowMs` inclusive, averaging points
 * that share a position. The grid starts at the first usable point and ends at the last one.
 */
export function regularize(points: ReadonlyArray<readonly [number, number]>, stepMs: number, fromMs: number, nowMs: number): RegularizeReport {
  if (!(stepMs > 0)) throw new RangeError(`regularize: step must be positive, got ${stepMs}`);
  const ignored = { nonFinite: 0, future: 0, beforeStart: 0 };
  let first = Infinity;
  let last = -Infinity;
  for (const [ts, value] of points) {
    if (!Number.isFinite(value) || !Number.isFinite(ts)) continue;
    if (ts > nowMs || ts < fromMs) continue;
    const slot = Math.floor(ts / stepMs);
    if (slot < first) first = slot;
    if (slot > last) last = slot;
  }
  if (first === Infinity) {
    for (const [ts, value] of points) {
      if (!Number.isFinite(value) || !Number.isFinite(ts)) ignored.nonFinite++;
      else if (ts > nowMs) ignored.future++;
      else ignored.beforeStart++;
    }
    return { series: undefined, ignored, merged: 0 };
  }
  const length = last - first + 1;
  const sums = new Float64Array(length);
  const counts = new Uint32Array(length);
  for (const [ts, value] of points) {
    if (!Number.isFinite(value) || !Number.isFinite(ts)) {
      ignored.nonFinite++;
      continue;
    }
    if (ts > nowMs) {
      ignored.future++;
      continue;
    }
    if (ts < fromMs) {
      ignored.beforeStart++;
      continue;
    }
    const i = Math.floor(ts / stepMs) - first;
    sums[i] += value;
    counts[i]++;
  }
  const values = new Float64Array(length);
  let merged = 0;
  for (let i = 0; i < length; i++) {
    values[i] = counts[i] ? sums[i]! / counts[i]! : Number.NaN;
    if (counts[i]! > 1) merged++;
  }
  return { series: { startMs: first * stepMs, stepMs, values }, ignored, merged };
}

/** Number of finite values. */
export function countFinite(values: ArrayLike<number>): number {
  let n = 0;
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i]!)) n++;
  return n;
}

/** Index of the last finite value, -1 when none. */
export function lastFiniteIndex(values: ArrayLike<number>): number {
  for (let i = values.length - 1; i >= 0; i--) if (Number.isFinite(values[i]!)) return i;
  return -1;
}

/** Points as one typed array: time, value, time, value, … (cheap to hold and to send to a worker). */
export function packPoints(points: ReadonlyArray<readonly [number, number]>): Float64Array {
  const packed = new Float64Array(points.length * 2);
  for (let i = 0; i < points.length; i++) {
    packed[2 * i] = points[i]![0];
    packed[2 * i + 1] = points[i]![1];
  }
  return packed;
}

/** Packs parallel columns of times and values, multiplying the values by `scale`. */
export function packColumns(t: ArrayLike<number>, v: ArrayLike<number>, scale = 1): Float64Array {
  const packed = new Float64Array(t.length * 2);
  for (let i = 0; i < t.length; i++) {
    packed[2 * i] = t[i]!;
    packed[2 * i + 1] = v[i]! * scale;
  }
  return packed;
}

export function unpackPoints(packed: ArrayLike<number>): Array<[number, number]> {
  const points: Array<[number, number]> = [];
  for (let i = 0; i + 1 < packed.length; i += 2) points.push([packed[i]!, packed[i + 1]!]);
  return points;
}

export function unpackColumns(t: ArrayLike<number>, v: ArrayLike<number>): Array<[number, number]> {
  return Array.from({ length: t.length }, (_, i) => [t[i]!, v[i]!] as [number, number]);
}
