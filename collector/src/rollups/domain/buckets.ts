// Rollup buckets: min, max, sum + count (for the average) and last of the values falling into a fixed
// time slot. For counters the values are per-second rates between consecutive samples, so tiers of
// counters answer "how fast" without the reader having to handle resets.
import type { MetricKind, Point } from '../../storage/storage.types.js';

export type TierName = '1m' | '1h';

export interface Tier {
  name: TierName;
  widthMs: number;
}

/** Tiers from fine to coarse. */
export const TIERS: readonly Tier[] = [
  { name: '1m', widthMs: 60_000 },
  { name: '1h', widthMs: 3_600_000 },
];

export interface Bucket {
  count: number;
  sum: number;
  min: number;
  max: number;
  last: number;
  /** Timestamp of `last`. */
  lastMs: number;
}

export function bucketStart(ts: number, widthMs: number): number {
  return Math.floor(ts / widthMs) * widthMs;
}

export function newBucket(ts: number, value: number): Bucket {
  return { count: 1, sum: value, min: value, max: value, last: value, lastMs: ts };
}

export function addSample(bucket: Bucket, ts: number, value: number): void {
  bucket.count++;
  bucket.sum += value;
  if (value < bucket.min) bucket.min = value;
  if (value > bucket.max) bucket.max = value;
  if (ts >= bucket.lastMs) {
    bucket.last = value;
    bucket.lastMs = ts;
  }
}

/**
 * Merges `from` into `into` (the same merge the repository's upsert performs in SQL). Commutative and
 * associative, so partial buckets written at different times add up to the bucket of all samples.
 */
export function mergeBucket(into: Bucket, from: Bucket): void {
  into.count += from.count;
  into.sum += from.sum;
  if (from.min < into.min) into.min = from.min;
  if (from.max > into.max) into.max = from.max;
  if (from.lastMs >= into.lastMs) {
    into.last = from.last;
    into.lastMs = from.lastMs;
  }
}

/**
 * Per-second rate of a counter between two samples; a decrease is a reset (the counter restarted from 0,
 * so the increase is the new value, as Prometheus counts it). Undefined when time did not move forward.
 */
export function counterRate(prevMs: number, prevValue: number, ts: number, value: number): number | undefined {
  if (!(ts > prevMs)) return undefined;
  const increase = value >= prevValue ? value - prevValue : value;
  return increase / ((ts - prevMs) / 1000);
}

/**
 * Buckets of `points` (time-ordered, one per timestamp) for one tier. For counters each point after the
 * first yields the rate since its predecessor; `previous` is the sample just before the range, so the
 * first point of the range has a rate too.
 */
export function rollupPoints(points: readonly Point[], kind: MetricKind, widthMs: number, previous?: Point): Map<number, Bucket> {
  const out = new Map<number, Bucket>();
  let prev = previous;
  for (const [ts, raw] of points) {
    let value = raw;
    if (kind === 'counter') {
      const rate = prev ? counterRate(prev[0], prev[1], ts, raw) : undefined;
      prev = [ts, raw];
      if (rate === undefined) continue;
      value = rate;
    }
    if (!Number.isFinite(value)) continue;
    const start = bucketStart(ts, widthMs);
    const bucket = out.get(start);
    if (bucket) addSample(bucket, ts, value);
    else out.set(start, newBucket(ts, value));
  }
  return out;
}
