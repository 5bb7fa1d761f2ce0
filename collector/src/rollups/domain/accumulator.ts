// In-memory side of the rollups: partial buckets built from ingested samples, waiting to be merged
// into the stored rows. No I/O and no clock: the service feeds samples and asks for what to write.
//
// Pending buckets are deltas: what arrived since the last write of that bucket. Writing merges a
// delta into the stored row (see mergeBucket), so a late sample simply becomes a small delta for an
// old bucket. Counters are the exception: a late counter sample changes the rates on both sides of
// it, so it asks for a recompute of the series from raw samples instead.
import type { MetricKind, Point, StoredSeriesSamples } from '../../storage/storage.types.js';
import { DenseIdMap } from '../../common/dense-id-map.js';
import { widened } from '../../common/typed-columns.js';
import { BucketPool, NONE } from './bucket-pool.js';
import { bucketStart, counterRate, rollupPoints, TIERS, type Bucket, type TierName } from './buckets.js';

const HOUR_MS = 3_600_000;

export interface PendingBucket {
  seriesId: number;
  tier: TierName;
  start: number;
  bucket: Bucket;
}

/** Why a series needs its rollups recomputed from raw samples. */
export type RecomputeReason = 'late_counter_sample' | 'backlog' | 'recovery';

export interface RecomputeRequest {
  seriesId: number;
  kind: MetricKind;
  /** Recompute buckets from here on (aligned to the coarsest tier). */
  fromMs: number;
  reason: RecomputeReason;
}

/** The outcome of a recompute: replacement buckets per tier for every bucket at or after fromMs. */
export interface RecomputedBuckets {
  seriesId: number;
  fromMs: number;
  tiers: Record<TierName, Map<number, Bucket>>;
}

/** A recompute in flight for a series: samples at or after its start are kept here, not in deltas. */
interface RecomputeJob {
  fromMs: number;
  buffer: Map<number, number>;
  /** A recompute asked for while this one was in flight, to run after it. */
  queuedFromMs?: number | undefined;
}

/**
 * Each series' state in typed columns by a compact index: its kind, its last counter sample in time order
 * (counters only), the first of its pending deltas in the pool (every tier, in creation order) or NONE; a
 * recompute in flight in a map (rare). An object per series was ~56 bytes of heap plus two heap numbers
 * (7.7 MiB at 100,000 series in a heap snapshot of the ingest bench; issue 14 memory).
 */
class SeriesStates {
  /** By series id: looked up for every ingested series. */
  private readonly indexOf = new DenseIdMap<number>();
  counter = new Uint8Array(0);
  /** The last counter sample's time and value side by side (read together): [2k] and [2k + 1]. */
  prev = new Float64Array(0);
  head = new Int32Array(0);
  readonly recompute = new Map<number, RecomputeJob>();

  get size(): number {
    return this.indexOf.size;
  }

  index(seriesId: number): number | undefined {
    return this.indexOf.get(seriesId);
  }

  /** The series' index, with a new state when it had none. The columns may be new arrays afterwards. */
  open(seriesId: number, kind: MetricKind): number {
    let k = this.indexOf.get(seriesId);
    if (k !== undefined) return k;
    k = this.indexOf.size;
    if (k >= this.head.length) this.grow();
    this.counter[k] = kind === 'counter' ? 1 : 0;
    this.prev[2 * k] = Number.NEGATIVE_INFINITY;
    this.prev[2 * k + 1] = 0;
    this.head[k] = NONE;
    this.indexOf.set(seriesId, k);
    return k;
  }

  kind(k: number): MetricKind {
    return this.counter[k] === 1 ? 'counter' : 'gauge';
  }

  /** Visits the series with ids >= fromId in id order until `visit` returns false (DenseIdMap.visitFrom). */
  visitFrom(fromId: number, visit: (k: number, seriesId: number) => boolean): number | undefined {
    return this.indexOf.visitFrom(fromId, visit);
  }

  private grow(): void {
    const size = Math.max(1024, this.head.length * 2);
    this.counter = widened(this.counter, size);
    this.prev = widened(this.prev, 2 * size);
    this.head = widened(this.head, size);
  }
}

export interface AccumulatorOptions {
  /** Hard bound on pending buckets; beyond it samples are left to a later recompute from raw. */
  maxPendingBuckets: number;
}

export class RollupAccumulator {
  private readonly series = new SeriesStates();
  private readonly pool = new BucketPool();
  /** Recompute requests produced by ingest, drained by the service. */
  private requests: RecomputeRequest[] = [];
  /** Samples not aggregated in memory (left to a recompute), by reason. */
  readonly deferred = { backlog: 0, late_counter_sample: 0 };

  constructor(readonly options: AccumulatorOptions) {}

  get pendingBuckets(): number {
    return this.pool.size;
  }

  get seriesCount(): number {
    return this.series.size;
  }

  /** Aggregates committed samples. Cheap per sample: two map lookups at most. */
  ingest(batch: readonly StoredSeriesSamples[]): void {
    for (const item of batch) {
      const { series, timestamps, values } = item;
      const k = this.series.open(series.id, series.kind);
      for (let i = 0; i < timestamps.length; i++) this.add(series.id, k, timestamps[i]!, values[i]!);
    }
  }

  /** The series' pending bucket of a tier starting at `start`, or NONE. */
  private find(k: number, tier: number, start: number): number {
    const { pool } = this;
    for (let i = this.series.head[k]!; i !== NONE; i = pool.next(i)) if (pool.tier(i) === tier && pool.startOf(i) === start) return i;
    return NONE;
  }

  /** Unlinks and frees the series' buckets for which `drop` holds; calls `taken` with each first. */
  private removeWhere(k: number, drop: (tier: number, start: number) => boolean, taken?: (i: number) => void): void {
    const { pool, series } = this;
    let prev = NONE;
    for (let i = series.head[k]!; i !== NONE; ) {
      if (!drop(pool.tier(i), pool.startOf(i))) {
        prev = i;
        i = pool.next(i);
        continue;
      }
      taken?.(i);
      const next = pool.release(i);
      if (prev === NONE) series.head[k] = next;
      else pool.setNext(prev, next);
      i = next;
    }
  }

  private add(seriesId: number, k: number, ts: number, raw: number): void {
    if (!Number.isFinite(raw) || !Number.isFinite(ts)) return;
    const { series } = this;
    const counter = series.counter[k] === 1;
    const recompute = series.recompute.size > 0 ? series.recompute.get(k) : undefined;
    if (recompute && ts >= recompute.fromMs) {
      recompute.buffer.set(ts, raw);
      if (counter && ts > series.prev[2 * k]!) {
        series.prev[2 * k] = ts;
        series.prev[2 * k + 1] = raw;
      }
      return;
    }
    let value = raw;
    if (counter) {
      const prevMs = series.prev[2 * k]!;
      if (ts <= prevMs) {
        // Late: the rates around it change. A recompute from raw samples gets them right.
        this.deferred.late_counter_sample++;
        this.request(seriesId, k, ts, 'late_counter_sample');
        return;
      }
      const first = prevMs === Number.NEGATIVE_INFINITY;
      const rate = first ? undefined : counterRate(prevMs, series.prev[2 * k + 1]!, ts, raw);
      series.prev[2 * k] = ts;
      series.prev[2 * k + 1] = raw;
      if (rate === undefined) return;
      value = rate;
    }
    for (let t = 0; t < TIERS.length; t++) {
      const start = bucketStart(ts, TIERS[t]!.widthMs);
      const bucket = this.find(k, t, start);
      if (bucket !== NONE) {
        this.pool.add(bucket, ts, value);
      } else if (this.pool.size >= this.options.maxPendingBuckets) {
        // Memory bound reached (writes fall behind): the raw sample is stored, so rebuild later.
        // Tiers already updated for this sample are rebuilt with the rest.
        this.deferred.backlog++;
        this.request(seriesId, k, ts, 'backlog');
        return;
      } else {
        series.head[k] = this.pool.allocate(t, start, ts, value, series.head[k]!);
      }
    }
  }

  private request(seriesId: number, k: number, ts: number, reason: RecomputeReason): void {
    const fromMs = bucketStart(ts, HOUR_MS);
    const job = this.series.recompute.get(k);
    if (job) {
      job.queuedFromMs = Math.min(job.queuedFromMs ?? fromMs, fromMs);
      return;
    }
    this.requests.push({ seriesId, kind: this.series.kind(k), fromMs, reason });
  }

  /** Recompute requests since the last call (the service de-duplicates and schedules them). */
  drainRequests(): RecomputeRequest[] {
    const out = this.requests;
    this.requests = [];
    return out;
  }

  /** Removes and returns the buckets that ended at least `graceMs` before `nowMs`, finer tiers first per series. */
  takeClosed(nowMs: number, graceMs: number): PendingBucket[] {
    return this.takeClosedFrom(0, nowMs, graceMs, Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY).items;
  }

  /**
   * takeClosed for a slice of the series: those with ids >= fromId, in id order, until `maxBuckets` are
   * taken or `maxSeries` visited. `next` is the id to continue from (undefined: every series was visited),
   * so a flush of 100,000 series runs in short turns of the event loop instead of one long one.
   */
  takeClosedFrom(fromId: number, nowMs: number, graceMs: number, maxBuckets: number, maxSeries: number): { items: PendingBucket[]; next: number | undefined } {
    const items: PendingBucket[] = [];
    const closed = (k: number, start: number) => start + TIERS[k]!.widthMs + graceMs <= nowMs;
    const taken: number[] = [];
    let visited = 0;
    const next = this.series.visitFrom(fromId, (k, seriesId) => {
      if (this.series.head[k] !== NONE) {
        taken.length = 0;
        this.removeWhere(k, closed, (i) => taken.push(i));
        // Freed slots keep their content until reused, which cannot happen before this series is done.
        for (let t = 0; t < TIERS.length && taken.length > 0; t++) {
          for (let j = taken.length - 1; j >= 0; j--) {
            const i = taken[j]!;
            if (this.pool.tier(i) === t) items.push({ seriesId, tier: TIERS[t]!.name, start: this.pool.startOf(i), bucket: this.pool.read(i) });
          }
        }
      }
      return items.length < maxBuckets && ++visited < maxSeries;
    });
    return { items, next };
  }

  /**
   * Puts buckets back after a failed write, merged with whatever arrived since. Buckets a recompute in
   * flight will rebuild are dropped (it reads their samples from the raw store).
   */
  restore(items: readonly PendingBucket[]): void {
    const { series } = this;
    for (const item of items) {
      const k = series.index(item.seriesId);
      if (k === undefined) continue;
      const job = series.recompute.get(k);
      if (job && item.start >= job.fromMs) continue;
      const t = TIERS.findIndex((tier) => tier.name === item.tier);
      const existing = this.find(k, t, item.start);
      if (existing !== NONE) this.pool.merge(existing, item.bucket);
      else series.head[k] = this.pool.allocateFrom(t, item.start, item.bucket, series.head[k]!);
    }
  }

  /** Removes and returns every pending bucket (at shutdown). */
  takeAll(): PendingBucket[] {
    return this.takeClosed(Number.POSITIVE_INFINITY, 0);
  }

  /** Pending deltas of one series and tier with from <= start <= to (for queries of recent data). */
  pendingOf(seriesId: number, tier: TierName, fromMs: number, toMs: number): Array<[number, Bucket]> {
    const k = this.series.index(seriesId);
    const t = TIERS.findIndex((x) => x.name === tier);
    if (k === undefined || t < 0) return [];
    const out: Array<[number, Bucket]> = [];
    for (let i = this.series.head[k]!; i !== NONE; i = this.pool.next(i)) {
      const start = this.pool.startOf(i);
      if (this.pool.tier(i) === t && start >= fromMs && start <= toMs) out.push([start, this.pool.read(i)]);
    }
    return out.sort((a, b) => a[0] - b[0]);
  }

  /**
   * Starts a recompute of one series from `fromMs`: pending deltas from there on are dropped (the raw
   * samples they came from are already stored, events fire after the commit) and newer samples are
   * buffered until finishRecompute. False when one is already in flight (the request is queued).
   */
  beginRecompute(request: RecomputeRequest): boolean {
    const k = this.series.open(request.seriesId, request.kind);
    const job = this.series.recompute.get(k);
    if (job) {
      job.queuedFromMs = Math.min(job.queuedFromMs ?? request.fromMs, request.fromMs);
      return false;
    }
    this.removeWhere(k, (_tier, start) => start >= request.fromMs);
    this.series.recompute.set(k, { fromMs: request.fromMs, buffer: new Map() });
    return true;
  }

  /**
   * Completes a recompute with the raw samples of [fromMs − counterLookback, now] read after it began:
   * buffered samples missing from them are added (same timestamp = same sample), buckets are built for
   * every tier, and counter state continues from the newest sample.
   */
  finishRecompute(seriesId: number, raw: readonly Point[]): RecomputedBuckets {
    const { series } = this;
    const k = series.index(seriesId);
    const job = k === undefined ? undefined : series.recompute.get(k);
    if (k === undefined || !job) throw new Error(`finishRecompute: no recompute in flight for series ${seriesId}`);
    series.recompute.delete(k);
    const kind = series.kind(k);
    let points = raw;
    if (job.buffer.size) {
      const merged = new Map<number, number>(raw.map(([ts, v]) => [ts, v]));
      for (const [ts, v] of job.buffer) if (!merged.has(ts)) merged.set(ts, v);
      points = [...merged].sort((a, b) => a[0] - b[0]);
    }
    let split = 0;
    while (split < points.length && points[split]![0] < job.fromMs) split++;
    const previous = split > 0 ? points[split - 1] : undefined;
    const inRange = points.slice(split);
    const tiers = {} as Record<TierName, Map<number, Bucket>>;
    for (const tier of TIERS) tiers[tier.name] = rollupPoints(inRange, kind, tier.widthMs, previous);
    const newest = points[points.length - 1];
    if (kind === 'counter' && newest && newest[0] >= series.prev[2 * k]!) {
      series.prev[2 * k] = newest[0];
      series.prev[2 * k + 1] = newest[1];
    }
    if (job.queuedFromMs !== undefined) this.requests.push({ seriesId, kind, fromMs: job.queuedFromMs, reason: 'late_counter_sample' });
    return { seriesId, fromMs: job.fromMs, tiers };
  }

  /**
   * Gives up a recompute (the raw read or the write failed) and queues it again; the buffered samples are
   * stored raw samples at or after its start, so the retry covers them.
   */
  abortRecompute(seriesId: number): void {
    const k = this.series.index(seriesId);
    const job = k === undefined ? undefined : this.series.recompute.get(k);
    if (k === undefined || !job) return;
    this.series.recompute.delete(k);
    this.requests.push({ seriesId, kind: this.series.kind(k), fromMs: Math.min(job.fromMs, job.queuedFromMs ?? job.fromMs), reason: 'recovery' });
  }
}
