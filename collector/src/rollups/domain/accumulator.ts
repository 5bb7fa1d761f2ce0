// In-memory side of the rollups: partial buckets built from ingested samples, waiting to be merged
// into the stored rows. No I/O and no clock: the service feeds samples and asks for what to write.
//
// Pending buckets are deltas: what arrived since the last write of that bucket. Writing merges a
// delta into the stored row (see mergeBucket), so a late sample simply becomes a small delta for an
// old bucket. Counters are the exception: a late counter sample changes the rates on both sides of
// it, so it asks for a recompute of the series from raw samples instead.
import type { MetricKind, Point, StoredSeriesSamples } from '../../storage/storage.types.js';
import { addSample, bucketStart, counterRate, mergeBucket, newBucket, rollupPoints, TIERS, type Bucket, type TierName } from './buckets.js';

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
  /** Pending deltas per tier (index as in TIERS), keyed by bucket start. */
  pending: Map<number, Bucket>[];
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
  private readonly series = new Map<number, SeriesState>();
  private pendingCount = 0;
  /** Recompute requests produced by ingest, drained by the service. */
  private requests: RecomputeRequest[] = [];
  /** Samples not aggregated in memory (left to a recompute), by reason. */
  readonly deferred = { backlog: 0, late_counter_sample: 0 };

  constructor(readonly options: AccumulatorOptions) {}

  get pendingBuckets(): number {
    return this.pendingCount;
  }

  get seriesCount(): number {
    return this.series.size;
  }

  /** Aggregates committed samples. Cheap per sample: two map lookups at most. */
  ingest(batch: readonly StoredSeriesSamples[]): void {
    for (const item of batch) {
      const { series, timestamps, values } = item;
      let state = this.series.get(series.id);
      if (!state) {
        state = { kind: series.kind, prevMs: Number.NEGATIVE_INFINITY, prevValue: 0, pending: TIERS.map(() => new Map()) };
        this.series.set(series.id, state);
      }
      for (let i = 0; i < timestamps.length; i++) this.add(series.id, state, timestamps[i]!, values[i]!);
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
      const pending = state.pending[k]!;
      const start = bucketStart(ts, TIERS[k]!.widthMs);
      const bucket = pending.get(start);
      if (bucket) {
        addSample(bucket, ts, value);
      } else if (this.pendingCount >= this.options.maxPendingBuckets) {
        // Memory bound reached (writes fall behind): the raw sample is stored, so rebuild later.
        // Tiers already updated for this sample are rebuilt with the rest.
        this.deferred.backlog++;
        this.request(seriesId, state, ts, 'backlog');
        return;
      } else {
        pending.set(start, newBucket(ts, value));
        this.pendingCount++;
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

  /** Removes and returns the buckets that ended at least `graceMs` before `nowMs`. */
  takeClosed(nowMs: number, graceMs: number): PendingBucket[] {
    const out: PendingBucket[] = [];
    for (const [seriesId, state] of this.series) {
      for (let k = 0; k < TIERS.length; k++) {
        const tier = TIERS[k]!;
        const pending = state.pending[k]!;
        if (pending.size === 0) continue;
        for (const [start, bucket] of pending) {
          if (start + tier.widthMs + graceMs > nowMs) continue;
          out.push({ seriesId, tier: tier.name, start, bucket });
          pending.delete(start);
          this.pendingCount--;
        }
      }
    }
    return out;
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
      const pending = state.pending[k]!;
      const existing = pending.get(item.start);
      if (existing) mergeBucket(existing, item.bucket);
      else {
        pending.set(item.start, { ...item.bucket });
        this.pendingCount++;
      }
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
    for (const [start, bucket] of state.pending[k]!) if (start >= fromMs && start <= toMs) out.push([start, { ...bucket }]);
    return out;
  }

  /**
   * Starts a recompute of one series from `fromMs`: pending deltas from there on are dropped (the raw
   * samples they came from are already stored, events fire after the commit) and newer samples are
   * buffered until finishRecompute. False when one is already in flight (the request is queued).
   */
  beginRecompute(request: RecomputeRequest): boolean {
    let state = this.series.get(request.seriesId);
    if (!state) {
      state = { kind: request.kind, prevMs: Number.NEGATIVE_INFINITY, prevValue: 0, pending: TIERS.map(() => new Map()) };
      this.series.set(request.seriesId, state);
    }
    if (state.recompute) {
      state.queuedFromMs = Math.min(state.queuedFromMs ?? request.fromMs, request.fromMs);
      return false;
    }
    for (const pending of state.pending) {
      for (const start of [...pending.keys()]) {
        if (start < request.fromMs) continue;
        pending.delete(start);
        this.pendingCount--;
      }
    }
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
