// The embedded sample store: a durable log written by group commit, compacted in the background
// into per-series Gorilla chunks. See docs/storage.md for the design and its measured figures.
// This file is the writer (append, group commit) and wires the parts: SeriesCache, WriteLoop,
// Compactor, Retention, SampleReads.
import { systemClock, type Clock } from '../common/clock.js';
import type { Database, ReadConnection, SqlValue } from '../database/database.js';
import { migrate } from '../database/migrations.js';
import { checkBatch } from './batch-contract.js';
import { EMPTY_SEQUENCE, decodeSequence, encodeHoles, judgeSequence, type SequenceState } from './sequence-window.js';
import { finishGroup, judgeGroup, settleGroup, streamKey } from './group-plan.js';
import { decodeChunk } from './chunk-codec.js';
import { Compactor, type CompactionInfo } from './compactor.js';
import { HeadCache, forEachHeadChunk } from './head-cache.js';
import { LatestPoints } from './latest-points.js';
import { PendingLog } from './pending-log.js';
import { Retention } from './retention.js';
import { RowWriter } from './row-writer.js';
import { decodeLog, encodeLog } from './sample-log.js';
import { SampleReads, type StorageFootprint } from './sample-reads.js';
import { SeriesCache } from './series-cache.js';
import { StorageClosedError, StorageInputError, StorageOverloadedError } from './storage.errors.js';
import { storageMigrations } from './storage.migrations.js';
import type { CommitInfo, SeriesLimited, IncomingBatch, Labels, MetricKind, Point, RangeOptions, SampleRetention, SampleStore, SeriesFilter, SeriesRef, StoredSeriesSamples } from './storage.types.js';
import { sequenceGapLimit } from './storage.types.js';
import { resolveStoreOptions, type SqliteSampleStoreOptions, type StoreConfig } from './store-options.js';
import { Listeners, newCounters, type SampleStoreStats } from './store-stats.js';
import { WriteHealth, type WriteState } from './write-health.js';
import { WriteLoop, type AppendResult, type QueuedAppend } from './write-loop.js';

export type { CompactionInfo } from './compactor.js';
export type { SqliteSampleStoreOptions } from './store-options.js';
export type { SampleStoreStats } from './store-stats.js';
export type { WriteState } from './write-health.js';

/** Size of the probe write that tells whether a failing disk takes writes again (16 pages of 4 KiB). */
const PROBE_BYTES = 64 * 1024;


export class SqliteSampleStore implements SampleStore, SampleRetention {
  private readonly clock: Clock;
  private readonly cfg: StoreConfig;
  private readonly series: SeriesCache;
  /** Committed sequences per agent stream epoch (highest and holes; see sequence-window.ts). */
  private readonly sequences = new Map<string, SequenceState>();
  private readonly latestPoints = new LatestPoints();
  private readonly pending = new PendingLog();
  private readonly heads: HeadCache;
  private readonly rows = new RowWriter();
  private readonly loop: WriteLoop;
  private readonly compactor: Compactor;
  private readonly retention: Retention;
  private readonly reads: SampleReads;
  private readonly counters = newCounters();
  private readonly commitListeners = new Listeners<CommitInfo>();
  private readonly health: WriteHealth;
  private nextLogId = 1;
  private closing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly db: Database,
    private readonly reader: ReadConnection,
    options: SqliteSampleStoreOptions,
  ) {
    this.clock = options.clock ?? systemClock;
    this.cfg = resolveStoreOptions(options);
    this.series = new SeriesCache(this.cfg.maxCachedAgents, { maxSeries: this.cfg.maxSeries, maxSeriesPerAgent: this.cfg.maxSeriesPerAgent });
    this.heads = new HeadCache(this.cfg.maxCachedHeads);
    this.loop = new WriteLoop(this.cfg, (group) => this.commitGroup(group));
    const { clock, cfg, pending, heads, rows, loop, counters } = this;
    this.compactor = new Compactor({ db, clock, cfg, pending, heads, rows, loop, counters });
    this.retention = new Retention({ db, seriesPerStep: cfg.retentionSeriesPerStep, series: this.series, pending, heads, latest: this.latestPoints, rows, loop, compactor: this.compactor });
    this.reads = new SampleReads(reader, db, pending, this.series, loop);
    this.health = new WriteHealth(clock, cfg.writeProbeMs, () => this.probeWrite());
  }

  /** Applies the storage migrations, loads series, sequences, latest points and the uncompacted log. */
  static async open(db: Database, options: SqliteSampleStoreOptions = {}): Promise<SqliteSampleStore> {
    await migrate(db, storageMigrations, options.clock);
    const reader = ((options.readConnection ?? true) ? await db.openReader() : undefined) ?? db;
    let store: SqliteSampleStore;
    try {
      store = new SqliteSampleStore(db, reader, options);
      await store.load();
    } catch (error) {
      if (reader !== db) await reader.close();
      throw error;
    }
    if (store.cfg.autoCompaction) {
      const tick = Math.max(50, Math.min(5_000, Math.floor(store.cfg.maxLogAgeMs / 4)));
      store.timer = setInterval(() => store.compactor.maybeCompact(), tick);
      store.timer.unref();
    }
    return store;
  }

  private async load(): Promise<void> {
    const series = await this.db.all<{ id: number; key: string; metric: string; labels: string; kind: MetricKind }>('SELECT id, key, metric, labels, kind FROM series ORDER BY id');
    this.series.load(series.map((row) => ({ key: row.key, ref: { id: row.id, metric: row.metric, labels: JSON.parse(row.labels) as Labels, kind: row.kind } })));

    for (const row of await this.db.all<{ agent_id: string; epoch: string; last_seq: number; holes: string }>('SELECT agent_id, epoch, last_seq, holes FROM stream_seq')) {
      this.sequences.set(streamKey(row.agent_id, row.epoch), decodeSequence(row.last_seq, row.holes));
    }

    const maxChunk = await this.db.get<{ id: number | null }>('SELECT max(id) AS id FROM chunk');
    this.compactor.nextChunkId = (maxChunk?.id ?? 0) + 1;

    // Latest point of each series from its head chunk, then from the log (newer by definition).
    await forEachHeadChunk(this.db, this.series.ids(), (row) => {
      const { timestamps, values } = decodeChunk(row.data);
      const n = timestamps.length;
      if (n) this.latestPoints.set(row.series_id, [timestamps[n - 1]!, values[n - 1]!]);
    });

    // A round interrupted by a crash: these series' samples up to log_id are already in chunks.
    const done = new Map<number, number>();
    for (const row of await this.db.all<{ series_id: number; log_id: number }>('SELECT series_id, log_id FROM compaction_progress')) done.set(row.series_id, row.log_id);
    let lastLogId = 0;
    for (const row of await this.db.all<{ id: number; created_ms: number; data: Buffer }>('SELECT id, created_ms, data FROM sample_log ORDER BY id')) {
      const entries = decodeLog(row.data).filter((e) => (done.get(e.seriesId) ?? 0) < row.id);
      this.pending.add(row.id, row.created_ms, entries);
      this.latestPoints.update(entries);
      lastLogId = row.id;
    }
    this.nextLogId = lastLogId + 1;
  }

  // ---------------------------------------------------------------- writes

  append(batch: IncomingBatch): Promise<AppendResult> {
    if (this.loop.closed) {
      this.counters.rejected.closed++;
      return Promise.reject(new StorageClosedError());
    }
    let samples: number;
    try {
      samples = checkBatch(batch);
    } catch (error) {
      this.counters.rejected.invalid++;
      return Promise.reject(error);
    }
    // A replay of a committed batch needs no write: its commit already happened.
    const verdict = judgeSequence(this.sequenceOf(batch.agentId, batch.epoch), batch.seq, sequenceGapLimit(batch, this.cfg.maxSequenceGap));
    if (verdict.kind === 'duplicate') {
      this.counters.batchesDuplicate++;
      return Promise.resolve({ outcome: { status: 'duplicate' }, stored: [] });
    }
    if (verdict.kind !== 'new') {
      this.counters.rejected.invalid++;
      return Promise.reject(new StorageInputError(`agent ${batch.agentId}: ${verdict.detail}`, verdict.kind === 'gap' ? 'sequence_gap' : 'sequence'));
    }
    const overload = this.overload(samples);
    if (overload) {
      this.counters.rejected[overload.reason]++;
      this.health.failed(overload);
      return Promise.reject(overload);
    }
    return this.loop.append(batch, samples);
  }

  /** Why a batch of `samples` would be refused now, if it would. */
  private overload(samples: number): StorageOverloadedError | undefined {
    const queued = this.loop.queuedSamples;
    if (queued + samples > this.cfg.maxQueuedSamples && this.loop.queuedBatches > 0) {
      return new StorageOverloadedError('queue_full', `storage write queue full: ${queued} samples queued, limit ${this.cfg.maxQueuedSamples}`);
    }
    if (this.pending.samples + queued + samples > this.cfg.maxLogSamples && this.pending.samples > 0) {
      return new StorageOverloadedError('log_full', `storage log full: ${this.pending.samples} samples await compaction, limit ${this.cfg.maxLogSamples}`);
    }
    return undefined;
  }

  /** Whether writes work now (readiness), with the reason when they do not. */
  writeState(): WriteState {
    return this.health.state();
  }

  /**
   * A real write on the writer's turn that needs fresh pages (a row inserted and deleted in one
   * transaction, so nothing stays): rejects while the disk or the log still refuses writes.
   */
  private async probeWrite(): Promise<void> {
    const overload = this.overload(1);
    if (overload) throw overload;
    await this.loop.enqueue(async () => {
      await this.db.transaction(async (tx) => {
        await tx.run('INSERT INTO sample_log (id, created_ms, batches, samples, data) VALUES (0, 0, 0, 0, zeroblob(?))', [PROBE_BYTES]);
        await tx.run('DELETE FROM sample_log WHERE id = 0');
      });
      return true;
    });
  }

  onCommit(listener: (info: CommitInfo) => void): void {
    this.commitListeners.add(listener);
  }

  /** Called after every compaction step. */
  onCompaction(listener: (info: CompactionInfo) => void): void {
    this.compactor.listeners.add(listener);
  }

  /**
   * One durable commit for a group of appends: new series, one log row with every sample, and the
   * streams' sequences, in one transaction. Appends resolve only after it committed.
   */
  private async commitGroup(group: QueuedAppend[]): Promise<void> {
    const started = performance.now();
    const now = this.clock.now();
    const plan = judgeGroup(group, (agentId, epoch) => this.sequenceOf(agentId, epoch), this.series, this.cfg);
    const { draft, seqs } = plan;
    const { entries, stored, samples, kindConflicts } = finishGroup(group, plan, (agentId, refused, by) => this.limitedBy(agentId, refused, by));

    const logId = entries.length > 0 ? this.nextLogId++ : 0;
    try {
      if (stored > 0) {
        await this.db.transaction(async (tx) => {
          if (draft.created.size > 0) {
            const rows: SqlValue[] = [];
            for (const [key, s] of draft.created) rows.push(s.id, key, s.metric, JSON.stringify(s.labels), s.kind, now);
            await this.rows.writeRows(tx, 'series', rows);
          }
          if (logId) {
            await this.rows.run(tx, 'log', () => 'INSERT INTO sample_log (id, created_ms, batches, samples, data) VALUES (?, ?, ?, ?, ?)', [logId, now, stored, samples, encodeLog(entries)]);
          }
          const seqRows: SqlValue[] = [];
          for (const s of seqs.values()) seqRows.push(s.agentId, s.epoch, s.state.highest, encodeHoles(s.state), now);
          await this.rows.writeRows(tx, 'seq', seqRows);
        });
      }
    } catch (error) {
      // The ids handed out above are simply skipped; nothing of the group is visible.
      this.counters.commitFailures++;
      this.health.failed(error);
      for (const item of group) item.reject(error);
      return;
    }
    if (stored > 0) this.health.succeeded();

    this.series.apply(draft);
    for (const [sk, s] of seqs) this.sequences.set(sk, s.state);
    if (logId) {
      this.pending.add(logId, now, entries);
      this.latestPoints.update(entries);
    }
    this.counters.commits++;
    this.counters.kindConflicts += kindConflicts;
    this.counters.batchesStored += stored;
    this.counters.samplesStored += samples;
    this.counters.batchesDuplicate += settleGroup(group, plan);
    this.commitListeners.emit({ batches: group.length, samples, durationMs: performance.now() - started });
    if (this.pending.samples >= this.cfg.triggerSamples) this.compactor.maybeCompact();
  }

  private limitedBy(agentId: string, refused: { series: number; samples: number; first: string }, by: 'max_series' | 'max_series_per_agent' | undefined): SeriesLimited {
    const { maxSeries, maxSeriesPerAgent } = this.cfg;
    const limit = by === 'max_series' ? `${maxSeries} series in the store (ingest.max_series)` : `${maxSeriesPerAgent} series of agent ${agentId} (ingest.max_series_per_agent)`;
    return { series: refused.series, samples: refused.samples, detail: `${refused.series} new series refused (first ${refused.first}): limit of ${limit} reached` };
  }

  /** Moves every log row written so far into chunks, in bounded steps between group commits. */
  compact(): Promise<void> {
    return this.compactor.compact();
  }

  deleteBefore(cutoffMs: number): Promise<number> {
    return this.retention.deleteBefore(cutoffMs);
  }

  // ---------------------------------------------------------------- reads

  async lastStoredSeq(agentId: string, epoch: string): Promise<number> {
    return this.sequenceOf(agentId, epoch).highest;
  }

  private sequenceOf(agentId: string, epoch: string): SequenceState {
    return this.sequences.get(streamKey(agentId, epoch)) ?? EMPTY_SEQUENCE;
  }

  async findSeries(filter: SeriesFilter): Promise<SeriesRef[]> {
    return this.series.find(filter);
  }

  async getSeries(id: number): Promise<SeriesRef | undefined> {
    return this.series.get(id);
  }

  queryRange(seriesId: number, fromMs: number, toMs: number, options?: RangeOptions): Promise<Point[]> {
    return this.reads.queryRange(seriesId, fromMs, toMs, options);
  }

  scanRange(fromMs: number, toMs: number, filter: SeriesFilter = {}): AsyncGenerator<StoredSeriesSamples> {
    return this.reads.scanRange(fromMs, toMs, filter);
  }

  async latest(seriesIds?: number[]): Promise<Map<number, Point>> {
    return this.latestPoints.copy(seriesIds);
  }

  countSamples(): Promise<number> {
    return this.reads.countSamples();
  }

  storageFootprint(): Promise<StorageFootprint> {
    return this.reads.footprint();
  }

  stats(): SampleStoreStats {
    return {
      ...this.counters,
      rejected: { ...this.counters.rejected },
      queuedBatches: this.loop.queuedBatches,
      queuedSamples: this.loop.queuedSamples,
      logRows: this.pending.rowCount,
      logSamples: this.pending.samples,
      series: this.series.size,
      cachedHeads: this.heads.size,
    };
  }

  /**
   * Stops accepting appends, commits those already queued, abandons queued maintenance (the log
   * is durable; compaction resumes at the next open) and closes the read connection. The
   * Database itself belongs to the caller. Safe to call twice.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.health.close();
      if (this.timer) clearInterval(this.timer);
      await this.loop.stop();
      await this.rows.finalize();
      if (this.reader !== this.db) await this.reader.close();
    })();
    return this.closing;
  }
}
