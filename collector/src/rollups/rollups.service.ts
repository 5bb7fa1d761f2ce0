import { Inject, Injectable, Logger, Optional, type OnApplicationBootstrap, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { CLOCK, type Clock } from '../common/clock.js';
import { describeError } from '../common/errors.js';
import { CollectorEvents } from '../common/events.js';
import { READ_ONLY, SAMPLE_STORE } from '../common/tokens.js';
import { LEADERSHIP, SoleLeadership, defaultReplicaId, type Leadership } from '../leadership/leadership.js';
import type { SampleStore, StoredSeriesSamples } from '../storage/storage.types.js';
import { RollupAccumulator, type RecomputeReason, type RecomputeRequest } from './domain/accumulator.js';
import { bucketStart, type Bucket, type TierName } from './domain/buckets.js';
import { RETENTION_SETTINGS, type RetentionConfig } from './rollups.config.js';
import { RollupsRepository } from './rollups.repository.js';
import { RetentionJob, type RetentionStats } from './retention-job.js';
import { TieredReads, type HourlyAverages, type TieredResult } from './tiered-reads.js';

export type { HourlyAverages, TieredPoint, TieredResult } from './tiered-reads.js';

const HOUR_MS = 3_600_000;
/** Series a flush slice looks at, at most: ~1 ms of the event loop when none has a closed bucket. */
const FLUSH_SLICE_SERIES = 5_000;

export interface RollupsOptions {
  /** How often closed buckets are written. */
  flushIntervalMs: number;
  /**
   * Buckets merged per transaction. A flush writes ~one row per series; cut into small transactions,
   * the group commits queued on the one write connection wait behind one of them, not the whole flush.
   */
  mergeBatch: number;
  /** A bucket is written once it ended this long ago (samples of a batch arrive together, a bit late). */
  closeGraceMs: number;
  /** Bound on buckets held in memory; beyond it, samples are left to a recompute from raw. */
  maxPendingBuckets: number;
  /** Bound on queued recomputes (one per series). */
  maxQueuedRecomputes: number;
  /** Recomputes running at once (each reads one series' raw samples). */
  recomputeConcurrency: number;
  /** On start, buckets from this far back are rebuilt from raw samples (what a crash may not have written). */
  recoveryWindowMs: number;
  /** How far before a recompute's start to look for the counter sample preceding it. */
  counterLookbackMs: number;
  /** Series handled per retention step; steps are spaced by retentionPauseMs. */
  retentionBatch: number;
  retentionPauseMs: number;
  /** Most points a tiered query returns. */
  maxQueryPoints: number;
  /**
   * Listener, flush and retention timers and start-up recovery. Off under READ_ONLY (`vigil-collector
   * report`): it only reads, and a recovery rewriting buckets under a running collector would
   * double-count them.
   */
  background: boolean;
}

export const DEFAULT_ROLLUPS_OPTIONS: RollupsOptions = {
  flushIntervalMs: 5_000,
  mergeBatch: 500,
  closeGraceMs: 15_000,
  maxPendingBuckets: 2_000_000,
  maxQueuedRecomputes: 100_000,
  recomputeConcurrency: 4,
  recoveryWindowMs: 2 * HOUR_MS,
  counterLookbackMs: HOUR_MS,
  retentionBatch: 500,
  retentionPauseMs: 20,
  maxQueryPoints: 11_000,
  background: true,
};

/** Optional provider overriding DEFAULT_ROLLUPS_OPTIONS (tests, benches). */
export const ROLLUPS_OPTIONS = Symbol('RollupsOptions');

/** Counts for metrics and tests. */
export interface RollupsStats extends RetentionStats {
  flushedBuckets: Record<TierName, number>;
  flushes: number;
  writeFailures: number;
  recomputes: Record<RecomputeReason, number>;
  recomputeFailures: number;
  recomputeDropped: number;
  /** CPU time spent in the ingest listener (what rollups cost ingest). */
  listenerCpuMicros: number;
}

/**
 * Continuous rollups of raw samples into 1-minute and 1-hour tiers, and retention of every tier.
 * Samples are aggregated in memory from the ingest event and written when their bucket closes;
 * late samples become deltas merged into the stored row. Counters become per-second rates, and a
 * late counter sample (or memory pressure) triggers a recompute from the raw store. On start, the
 * last hours are recomputed from raw so a crash loses nothing. The module's one entry point: reads
 * are TieredReads', retention is RetentionJob's.
 */
@Injectable()
export class RollupsService implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy {
  readonly options: RollupsOptions;
  private readonly log = new Logger('rollups');
  private readonly accumulator: RollupAccumulator;
  private readonly reads: TieredReads;
  private readonly retentionJob: RetentionJob;
  private readonly queue = new Map<number, RecomputeRequest>();
  private running = 0;
  private writes: Promise<unknown> = Promise.resolve();
  private unsubscribe: (() => void) | undefined;
  private flushTimer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private retentionTimer: NodeJS.Timeout | undefined;
  private retentionRun: Promise<void> | undefined;
  private recovery: Promise<void> | undefined;
  private stopped = false;
  private destroyed: Promise<void> | undefined;
  readonly stats: RollupsStats = {
    flushedBuckets: { '1m': 0, '1h': 0 },
    flushes: 0,
    writeFailures: 0,
    recomputes: { late_counter_sample: 0, backlog: 0, recovery: 0 },
    recomputeFailures: 0,
    recomputeDropped: 0,
    retentionDeleted: { raw: 0, '1m': 0, '1h': 0 },
    rawRetentionUnsupported: false,
    listenerCpuMicros: 0,
  };

  constructor(
    private readonly repository: RollupsRepository,
    private readonly events: CollectorEvents,
    @Inject(SAMPLE_STORE) private readonly store: SampleStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(RETENTION_SETTINGS) private readonly retention: RetentionConfig,
    @Inject(READ_ONLY) readOnly: boolean,
    @Optional() @Inject(ROLLUPS_OPTIONS) options?: Partial<RollupsOptions>,
    // Optional for callers outside Nest (benches): the sole collector of a SQLite file.
    @Optional() @Inject(LEADERSHIP) private readonly leadership: Leadership = new SoleLeadership(defaultReplicaId()),
  ) {
    this.options = { ...DEFAULT_ROLLUPS_OPTIONS, background: !readOnly, ...options };
    this.accumulator = new RollupAccumulator({ maxPendingBuckets: this.options.maxPendingBuckets });
    this.reads = new TieredReads(store, repository, this.accumulator, clock, retention, this.options);
    this.retentionJob = new RetentionJob({
      store,
      repository,
      clock,
      retention,
      log: this.log,
      stats: this.stats,
      write: (work) => this.write(work),
      // A collector that steps down stops deleting mid-run; the new leader's run covers the rest.
      stopped: () => this.stopped || !this.leadership.isLeader(),
      batch: this.options.retentionBatch,
      pauseMs: this.options.retentionPauseMs,
    });
  }

  // Plain unref'd intervals rather than @nestjs/schedule: the retention period comes from config and a
  // scheduler registry would add weight without changing what runs.
  onModuleInit(): void {
    if (!this.options.background) return;
    this.unsubscribe = this.events.on('samples', (samples) => this.onSamples(samples));
    // A flush cut in slices can outlast the interval under load: one at a time.
    this.flushTimer = setInterval(() => void (this.flushing ??= this.flush().finally(() => (this.flushing = undefined))), this.options.flushIntervalMs);
    this.flushTimer.unref();
    // Retention is the leader's job when several collectors share the database (deleting twice is harmless, but wasted).
    this.retentionTimer = setInterval(() => void (this.leadership.isLeader() && this.enforceRetention()), this.retention.interval);
    this.retentionTimer.unref();
  }

  /** Starts rebuilding the recent buckets from raw samples, in the background. */
  onApplicationBootstrap(): void {
    if (!this.options.background) return;
    this.recovery = this.recover().catch((error) => this.log.error(`recovery failed: ${describeError(error)}`));
  }

  /** Stops timers and listener, lets running work finish, writes every pending bucket. Idempotent. */
  onModuleDestroy(): Promise<void> {
    this.destroyed ??= (async () => {
      this.stopped = true;
      this.unsubscribe?.();
      clearInterval(this.flushTimer);
      clearInterval(this.retentionTimer);
      await this.recovery;
      await this.retentionRun;
      await this.flushing;
      while (this.running > 0) await new Promise((resolve) => setTimeout(resolve, 5));
      await this.flush(true);
      await this.writes.catch(() => undefined);
    })();
    return this.destroyed;
  }

  /** The ingest listener: in-memory aggregation only, never I/O. */
  onSamples(samples: readonly StoredSeriesSamples[]): void {
    // The listener runs synchronously on the event loop, so its elapsed time is its CPU time; the
    // process's CPU counters (a syscall each) would also count every other thread meanwhile.
    const started = performance.now();
    this.accumulator.ingest(samples);
    this.schedule(this.accumulator.drainRequests());
    this.stats.listenerCpuMicros += (performance.now() - started) * 1000;
  }

  get pendingBuckets(): number {
    return this.accumulator.pendingBuckets;
  }

  get queuedRecomputes(): number {
    return this.queue.size;
  }

  get deferredSamples(): Readonly<Record<'backlog' | 'late_counter_sample', number>> {
    return this.accumulator.deferred;
  }

  /**
   * Writes closed buckets (all of them with `all`), in slices of at most `mergeBatch` buckets, each taken
   * and merged in one transaction (a turn of the write queue): taking 100,000 series' buckets at once held
   * the event loop 40-170 ms. Slices are serialised with recompute writes. A failed transaction puts back
   * only its own buckets (merges add up, so putting back merged ones would count them twice) and ends the
   * flush; the next one takes the rest. A crash between two transactions leaves part of a flush written:
   * start-up recovery rebuilds the recent buckets from raw samples (replaceFrom), so neither half is lost
   * or counted twice.
   */
  async flush(all = false): Promise<void> {
    const nowMs = all ? Number.POSITIVE_INFINITY : this.clock.now();
    const graceMs = all ? 0 : this.options.closeGraceMs;
    let from: number | undefined = 0;
    let merged = 0;
    while (from !== undefined) {
      const sliceFrom = from;
      // Each slice queues behind the writes queued meanwhile: a recompute's replacement lands before
      // any delta taken after it finished.
      const slice: { merged: number; next: number | undefined } = await this.write(() => this.flushSlice(sliceFrom, nowMs, graceMs));
      merged += slice.merged;
      from = slice.next;
      // Slices that found nothing to write do no I/O: let the loop run between them all the same.
      if (from !== undefined && slice.merged === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    if (merged > 0) this.stats.flushes++;
  }

  private async flushSlice(fromId: number, nowMs: number, graceMs: number): Promise<{ merged: number; next: number | undefined }> {
    const { items, next } = this.accumulator.takeClosedFrom(fromId, nowMs, graceMs, this.options.mergeBatch, FLUSH_SLICE_SERIES);
    if (items.length === 0) return { merged: 0, next };
    try {
      await this.repository.merge(items);
    } catch (error) {
      this.stats.writeFailures++;
      this.log.error(`writing ${items.length} buckets failed, kept for the next flush: ${describeError(error)}`);
      this.accumulator.restore(items);
      return { merged: 0, next: undefined };
    }
    for (const item of items) this.stats.flushedBuckets[item.tier]++;
    return { merged: items.length, next };
  }

  /** Runs `work` after every earlier write: a recompute's replacement must land before later merges. */
  private write<T>(work: () => Promise<T>): Promise<T> {
    const next = this.writes.then(work, work);
    this.writes = next.catch(() => undefined);
    return next;
  }

  private schedule(requests: readonly RecomputeRequest[]): void {
    for (const request of requests) {
      const queued = this.queue.get(request.seriesId);
      if (queued) {
        if (request.fromMs < queued.fromMs) queued.fromMs = request.fromMs;
        continue;
      }
      if (this.queue.size >= this.options.maxQueuedRecomputes) {
        this.stats.recomputeDropped++;
        continue;
      }
      this.queue.set(request.seriesId, { ...request });
    }
    if (this.queue.size) this.pump();
  }

  /** Starts queued recomputes up to the concurrency bound. */
  private pump(): void {
    while (!this.stopped && this.running < this.options.recomputeConcurrency && this.queue.size) {
      const [seriesId, request] = this.queue.entries().next().value as [number, RecomputeRequest];
      this.queue.delete(seriesId);
      if (!this.accumulator.beginRecompute(request)) continue; // in flight: it re-queues itself when done
      this.running++;
      void this.recompute(request).finally(() => {
        this.running--;
        this.schedule(this.accumulator.drainRequests());
        this.pump();
      });
    }
  }

  private async recompute(request: RecomputeRequest): Promise<void> {
    const lookback = request.kind === 'counter' ? this.options.counterLookbackMs : 0;
    let raw;
    try {
      raw = await this.store.queryRange(request.seriesId, request.fromMs - lookback, Number.MAX_SAFE_INTEGER);
    } catch (error) {
      this.stats.recomputeFailures++;
      this.log.error(`reading raw samples of series ${request.seriesId} failed: ${describeError(error)}`);
      this.accumulator.abortRecompute(request.seriesId);
      return;
    }
    // Synchronously after the read: samples arriving from now on are deltas, written after this.
    const result = this.accumulator.finishRecompute(request.seriesId, raw);
    this.stats.recomputes[request.reason]++;
    await this.write(async () => {
      try {
        await this.repository.replaceFrom(result.seriesId, result.fromMs, result.tiers);
      } catch (error) {
        this.stats.recomputeFailures++;
        this.log.error(`writing recomputed buckets of series ${request.seriesId} failed, queued again: ${describeError(error)}`);
        this.schedule([{ ...request, reason: 'recovery' }]);
      }
    });
  }

  /** Resolves when no recompute is queued or running and every write has landed (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running > 0 || (this.queue.size > 0 && !this.stopped)) await new Promise((resolve) => setTimeout(resolve, 2));
    await this.writes;
  }

  /** Resolves when the start-up recovery has queued its recomputes (see idle() for their completion). */
  whenRecovered(): Promise<void> {
    return this.recovery ?? Promise.resolve();
  }

  /** Rebuilds the buckets of the recovery window for every series with recent samples. */
  async recover(): Promise<void> {
    const now = this.clock.now();
    const fromMs = bucketStart(now - this.options.recoveryWindowMs, HOUR_MS);
    const latest = await this.store.latest();
    const recent = [...latest].filter(([, [ts]]) => ts >= fromMs).map(([id]) => id);
    for (const id of recent) {
      if (this.stopped) return;
      const series = await this.store.getSeries(id);
      if (!series) continue;
      this.schedule([{ seriesId: id, kind: series.kind, fromMs, reason: 'recovery' }]);
      // Bounded work per step: wait while the queue is long instead of queueing everything at once.
      while (!this.stopped && this.queue.size >= this.options.recomputeConcurrency * 4) await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }

  /**
   * Deletes what is older than each tier's retention: raw samples through the store, rollup rows series
   * by series in small steps so ingest and queries interleave.
   */
  enforceRetention(): Promise<void> {
    this.retentionRun ??= this.retentionJob.run().finally(() => (this.retentionRun = undefined));
    return this.retentionRun;
  }

  /**
   * Samples of one series between from and to aggregated per step, from the tier that fits the step and
   * still holds data from `from` (raw when the step is below a minute). Pending buckets not yet written
   * are included, so recent data shows at once.
   */
  queryTiered(seriesId: number, fromMs: number, toMs: number, stepMs: number): Promise<TieredResult> {
    return this.reads.queryTiered(seriesId, fromMs, toMs, stepMs);
  }

  /** Hourly averages of many series (capacity forecasts), written and pending, each in time order. */
  hourlyAverages(seriesIds: readonly number[], fromMs: number, toMs: number): Promise<Map<number, HourlyAverages>> {
    return this.reads.hourlyAverages(seriesIds, fromMs, toMs);
  }

  /** Hourly buckets of one series, written and pending, in time order. */
  hourly(seriesId: number, fromMs: number, toMs: number): Promise<Array<[number, Bucket]>> {
    return this.reads.hourly(seriesId, fromMs, toMs);
  }
}
