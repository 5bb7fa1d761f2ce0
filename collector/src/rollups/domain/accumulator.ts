// In-memory side of the rollups: partial buckets built from ingested samples, waiting to be merged
// into the stored rows. No I/O and no clock: the service feeds samples and asks for what to write.
//
// Pending buckets are deltas: what arrived since the last write of that bucket. Writing merges a
// delta into the stored row (see mergeBucket), so a late sample simply becomes a small delta for an
// old bucket. Counters are the exception: a late counter sample changes the rates on both sides of
// it, so it asks for a recompute of the series from raw samples instead.
import type { MetricKind, Point, StoredSeriesSamples } from '../../storage/storage.types.js';
import { DenseIdMap } from '../../common/dense-id-map.js';
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

interface SeriesState {
  kind: MetricKind;
  /** Last counter sample in time order (counters only). */
  prevMs: number;
  prevValue: number;
  /** First of the series' pending deltas in the pool (every tier, in creation order), or NONE. */
  head: number;
  /** While a recompute is in flight: samples at or after its start are kept here, not in deltas. */
  recompute?: { fromMs: number; buffer: Map<number, number> } | undefined;
  /** A recompute asked for while one was in flight, to run after it. */
  queuedFromMs?: number | undefined;
}

export interface AccumulatorOptions {
  /** Hard bound on pending buckets; beyond it samples are left to a later recompute from raw. */
  maxPendingBuckets: number;
}

export class RollupAccumulator {
  /** By series id: looked up for every ingested series. */
  private readonly series = new DenseIdMap<SeriesState>();
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
      const state = this.stateOf(series.id, series.kind);
      for (let i = 0; i < timestamps.length; i++) this.add(series.id, state, timestamps[i]!, values[i]!);
    }
  }

  private stateOf(seriesId: number, kind: MetricKind): SeriesState {
    let state = this.series.get(seriesId);
    if (!state) {
      state = { kind, prevMs: Number.NEGATIVE_INFINITY, prevValue: 0, head: NONE };
      this.series.set(seriesId, state);
    }
    return state;
  }

  /** The series' pending bucket of a tier starting at `start`, or NONE. */
  private find(state: SeriesState, tier: number, start: number): number {
    const { pool } = this;
    for (let i = state.head; i !== NONE; i = pool.next(i)) if (pool.tier(i) === tier && pool.startOf(i) === start) return i;
    return NONE;
  }

  /** Unlinks and frees the series' buckets for which `drop` holds; calls `taken` with each first. */
  private removeWhere(state: SeriesState, drop: (tier: number, start: number) => boolean, taken?: (i: number) => void): void {
    const { pool } = this;
    let prev = NONE;
    for (let i = state.head; i !== NONE; ) {
      if (!drop(pool.tier(i), pool.startOf(i))) {
        prev = i;
        i = pool.next(i);
        continue;
      }
      taken?.(i);
      const next = pool.release(i);
      if (prev === NONE) state.head = next;
      else pool.setNext(prev, next);
      i = next;
    }
  }

  private add(seriesId: number, state: SeriesState, ts: number, raw: number): void {
    if (!Number.isFinite(raw) || !Number.isFinite(ts)) return;
    const recompute = state.recompute;
    if (recompute && ts >= recompute.fromMs) {
      recompute.buffer.set(ts, raw);
      if (state.kind === 'counter' && ts > state.prevMs) {
        state.prevMs = ts;
        state.prevValue = raw;
      }
      return;
    }
    let value = raw;
    if (state.kind === 'counter') {
      if (ts <= state.prevMs) {
        // Late: the rates around it change. A recompute from raw samples gets them right.
        this.deferred.late_counter_sample++;
        this.request(seriesId, state, ts, 'late_counter_sample');
        return;
      }
      const first = state.prevMs === Number.NEGATIVE_INFINITY;
      const rate = first ? undefined : counterRate(state.prevMs, state.prevValue, ts, raw);
      state.prevMs = ts;
      state.prevValue = raw;
      if (rate === undefined) return;
      value = rate;
    }
    for (let k = 0; k < TIERS.length; k++) {
      const start = bucketStart(ts, TIERS[k]!.widthMs);
      const bucket = this.find(state, k, start);
      if (bucket !== NONE) {
        this.pool.add(bucket, ts, value);
      } else if (this.pool.size >= this.options.maxPendingBuckets) {
        // Memory bound reached (writes fall behind): the raw sample is stored, so rebuild later.
        // Tiers already updated for this sample are rebuilt with the rest.
        this.deferred.backlog++;
        this.request(seriesId, state, ts, 'backlog');
        return;
      } else {
        state.head = this.pool.allocate(k, start, ts, value, state.head);
      }
    }
  }

  private request(seriesId: number, state: SeriesState, ts: number, reason: RecomputeReason): void {
    const fromMs = bucketStart(ts, HOUR_MS);
    if (state.recompute) {
      state.queuedFromMs = Math.min(state.queuedFromMs ?? fromMs, fromMs);
      return;
    }
    this.requests.push({ seriesId, kind: state.kind, fromMs, reason });
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
    const next = this.series.visitFrom(fromId, (state, seriesId) => {
      if (state.head !== NONE) {
        taken.length = 0;
        this.removeWhere(state, closed, (i) => taken.push(i));
        // Freed slots keep their content until reused, which cannot happen before this series is done.
        for (let k = 0; k < TIERS.length && taken.length > 0; k++) {
          for (let j = taken.length - 1; j >= 0; j--) {
            const i = taken[j]!;
            if (this.pool.tier(i) === k) items.push({ seriesId, tier: TIERS[k]!.name, start: this.pool.startOf(i), bucket: this.pool.read(i) });
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
    for (const item of items) {
      const state = this.series.get(item.seriesId);
      if (!state || (state.recompute && item.start >= state.recompute.fromMs)) continue;
      const k = TIERS.findIndex((t) => t.name === item.tier);
      const existing = this.find(state, k, item.start);
      if (existing !== NONE) this.pool.merge(existing, item.bucket);
      else state.head = this.pool.allocateFrom(k, item.start, item.bucket, state.head);
    }
  }

  /** Removes and returns every pending bucket (at shutdown). */
  takeAll(): PendingBucket[] {
    return this.takeClosed(Number.POSITIVE_INFINITY, 0);
  }

  /** Pending deltas of one series and tier with from <= start <= to (for queries of recent data). */
  pendingOf(seriesId: number, tier: TierName, fromMs: number, toMs: number): Array<[number, Bucket]> {
    const state = this.series.get(seriesId);
    const k = TIERS.findIndex((t) => t.name === tier);
    if (!state || k < 0) return [];
    const out: Array<[number, Bucket]> = [];
    for (let i = state.head; i !== NONE; i = this.pool.next(i)) {
      const start = this.pool.startOf(i);
      if (this.pool.tier(i) === k && start >= fromMs && start <= toMs) out.push([start, this.pool.read(i)]);
    }
    return out.sort((a, b) => a[0] - b[0]);
  }

  /**
   * Starts a recompute of one series from `fromMs`: pending deltas from there on are dropped (the raw
   * samples they came from are already stored, events fire after the commit) and newer samples are
   * buffered until finishRecompute. False when one is already in flight (the request is queued).
   */
  beginRecompute(request: RecomputeRequest): boolean {
    const state = this.stateOf(request.seriesId, request.kind);
    if (state.recompute) {
      state.queuedFromMs = Math.min(state.queuedFromMs ?? request.fromMs, request.fromMs);
      return false;
    }
    this.removeWhere(state, (_tier, start) => start >= request.fromMs);
    state.recompute = { fromMs: request.fromMs, buffer: new Map() };
    return true;
  }

  /**
   * Completes a recompute with the raw samples of [fromMs − counterLookback, now] read after it began:
   * buffered samples missing from them are added (same timestamp = same sample), buckets are built for
   * every tier, and counter state continues from the newest sample.
   */
  finishRecompute(seriesId: number, raw: readonly Point[]): RecomputedBuckets {
    const state = this.series.get(seriesId);
    const job = state?.recompute;
    if (!state || !job) throw new Error(`finishRecompute: no recompute in flight for series ${seriesId}`);
    state.recompute = undefined;
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
    for (const tier of TIERS) tiers[tier.name] = rollupPoints(inRange, state.kind, tier.widthMs, previous);
    const newest = points[points.length - 1];
    if (state.kind === 'counter' && newest && newest[0] >= state.prevMs) {
      state.prevMs = newest[0];
      state.prevValue = newest[1];
    }
    if (state.queuedFromMs !== undefined) {
      this.requests.push({ seriesId, kind: state.kind, fromMs: state.queuedFromMs, reason: 'late_counter_sample' });
      state.queuedFromMs = undefined;
    }
    return { seriesId, fromMs: job.fromMs, tiers };
  }

  /**
   * Gives up a recompute (the raw read or the write failed) and queues it again; the buffered samples are
   * stored raw samples at or after its start, so the retry covers them.
   */
  abortRecompute(seriesId: number): void {
    const state = this.series.get(seriesId);
    const job = state?.recompute;
    if (!state || !job) return;
    state.recompute = undefined;
    this.requests.push({ seriesId, kind: state.kind, fromMs: Math.min(job.fromMs, state.queuedFromMs ?? job.fromMs), reason: 'recovery' });
    state.queuedFromMs = undefined;
  }
}
