// The embedded sample store: a durable log written by group commit, compacted in the background
// into per-series Gorilla chunks. See docs/storage.md for the design and its measured figures.
// This file is the writer (append, group commit) and wires the parts: SeriesCache, WriteLoop,
// Compactor, Retention, SampleReads.
import { systemClock, type Clock } from '../common/clock.js';
import type { Database, ReadConnection } from '../database/database.js';
import { migrate } from '../database/migrations.js';
import { AppendFront, FrontedStore, loadCommitted } from './append-front.js';
import { encodeHoles } from './sequence-window.js';
import { finishGroup, judgeGroup, storedResults } from './group-plan.js';
import { Compactor, type CompactionInfo } from './compactor.js';
import { HeadCache } from './head-cache.js';
import { LatestPoints } from './latest-points.js';
import { PendingLog } from './pending-log.js';
import { Retention } from './retention.js';
import { RowWriter } from './row-writer.js';
import { decodeLog } from './sample-log.js';
import { SampleReads, type StorageFootprint } from './sample-reads.js';
import { SeriesCache } from './series-cache.js';
import { storageMigrations } from './storage.migrations.js';
import type { LatestTable, Point, RangeOptions, SampleRetention, SampleStore, SeriesFilter, SeriesRef, StoredSeriesSamples } from './storage.types.js';
import { resolveStoreOptions, type SqliteSampleStoreOptions, type StoreConfig } from './store-options.js';
import type { SampleStoreStats } from './store-stats.js';
import { WriteLoop, type QueuedAppend } from './write-loop.js';

export type { CompactionInfo } from './compactor.js';
export type { SqliteSampleStoreOptions } from './store-options.js';
export type { SampleStoreStats } from './store-stats.js';
export type { WriteState } from './write-health.js';

/** Size of the probe write that tells whether a failing disk takes writes again (16 pages of 4 KiB). */
const PROBE_BYTES = 64 * 1024;

export class SqliteSampleStore extends FrontedStore implements SampleStore, SampleRetention {
  private readonly clock: Clock;
  private readonly cfg: StoreConfig;
  private readonly series: SeriesCache;
  protected readonly front: AppendFront;
  private readonly latestPoints = new LatestPoints();
  // Compaction drops rows oldest first (dropRows): no row needs its series list.
  private readonly pending = new PendingLog({ rowSeries: false });
  private readonly heads: HeadCache;
  private readonly rows = new RowWriter();
  private readonly loop: WriteLoop;
  private readonly compactor: Compactor;
  private readonly retention: Retention;
  private readonly reads: SampleReads;
  private nextLogId = 1;
  private closing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly db: Database,
    private readonly reader: ReadConnection,
    options: SqliteSampleStoreOptions,
  ) {
    super();
    this.clock = options.clock ?? systemClock;
    this.cfg = resolveStoreOptions(options);
    this.series = new SeriesCache(this.cfg.maxCachedAgents, { maxSeries: this.cfg.maxSeries, maxSeriesPerAgent: this.cfg.maxSeriesPerAgent });
    this.heads = new HeadCache(this.cfg.maxCachedHeads);
    this.loop = new WriteLoop(
      this.cfg,
      (group) => this.commitGroup(group),
      () => this.logBehind(),
      () => this.pending.samples < this.cfg.triggerSamples,
    );
    this.front = new AppendFront({ cfg: this.cfg, clock: this.clock, loop: this.loop, uncompactedSamples: () => this.pending.samples, probeWrite: () => this.probeWrite(), finalVerdicts: 'all' });
    const { clock, cfg, pending, heads, rows, loop } = this;
    const { counters } = this.front;
    this.compactor = new Compactor({ db, clock, cfg, pending, heads, rows, loop, counters, behind: () => this.logBehind() });
    this.retention = new Retention({ db, seriesPerStep: cfg.retentionSeriesPerStep, series: this.series, pending, heads, latest: this.latestPoints, rows, loop, compactor: this.compactor });
    this.reads = new SampleReads(reader, db, pending, this.series, loop);
  }

  /** Applies the storage migrations, loads series, sequences, latest points and the uncompacted log. */
  static async open(db: Database, options: SqliteSampleStoreOptions = {}): Promise<SqliteSampleStore> {
    await migrate(db, storageMigrations, options.clock);
    await RowWriter.install(db);
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
    await loadCommitted(this.db, 'sqlite', this.series, this.front.sequences, this.latestPoints);
    const maxChunk = await this.db.get<{ id: number | null }>('SELECT max(id) AS id FROM chunk');
    this.compactor.nextChunkId = (maxChunk?.id ?? 0) + 1;

    // The log, newer than the chunks. A round interrupted by a crash: these series' samples up to
    // log_id are already in chunks.
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

  /**
   * A real write on the writer's turn that needs fresh pages (a row inserted and deleted in one
   * transaction, so nothing stays): rejects while the disk or the log still refuses writes.
   */
  private async probeWrite(): Promise<void> {
    await this.loop.enqueue(async () => {
      await this.db.transaction(async (tx) => {
        await tx.run('INSERT INTO sample_log (id, created_ms, batches, samples, data) VALUES (0, 0, 0, 0, zeroblob(?))', [PROBE_BYTES]);
        await tx.run('DELETE FROM sample_log WHERE id = 0');
      });
      return true;
    });
  }

  /** Called after every compaction step. */
  onCompaction(listener: (info: CompactionInfo) => void): void {
    this.compactor.listeners.add(listener);
  }

  /**
   * One durable commit for a group of appends: new series, one log row with every sample, and the
   * streams' sequences, in one transaction of one statement (RowWriter.groupCommit). Appends resolve
   * only after it committed.
   */
  private async commitGroup(group: QueuedAppend[]): Promise<void> {
    const started = performance.now();
    const now = this.clock.now();
    const plan = judgeGroup(group, (agentId, epoch) => this.front.sequenceOf(agentId, epoch), this.series, this.cfg);
    const { draft, seqs } = plan;
    const done = finishGroup(group, plan, (agentId, refused, by) => this.front.limitedBy(agentId, refused, by));
    const { log, stored, samples } = done;

    const logId = log ? this.nextLogId++ : 0;
    try {
      if (stored > 0) {
        const series: Array<[number, string, string, string, string, number]> = [];
        for (const [key, s] of draft.created) series.push([s.id, key, s.metric, JSON.stringify(s.labels), s.kind, now]);
        const seqRows: Array<[string, string, number, string, number]> = [];
        for (const s of seqs.values()) seqRows.push([s.agentId, s.epoch, s.state.highest, encodeHoles(s.state), now]);
        const logRow = log ? { id: logId, createdMs: now, batches: stored, samples, data: log } : undefined;
        await this.rows.groupCommit(this.db, { series, log: logRow, seqs: seqRows });
      }
    } catch (error) {
      // The ids handed out above are simply skipped; nothing of the group is visible.
      this.front.failed(group, error);
      return;
    }
    this.series.apply(draft);
    // What listeners get is made after the commit, batch by batch: it dies young (docs/storage.md, seventh and
    // eighth passes). The pending log and the latest points read the commit's own log row.
    storedResults(group, plan);
    if (logId) {
      this.pending.addRow(logId, now, log!);
      this.latestPoints.updateRow(log!);
    }
    this.front.committed(group, plan, done, started);
    if (this.pending.samples >= this.cfg.triggerSamples) this.compactor.maybeCompact();
  }

  /**
   * The log nears its bound (three quarters of maxLogSamples, counting the queued appends): compaction
   * gets the writer until it is back under, in larger steps (see WriteLoop and Compactor).
   */
  private logBehind(): boolean {
    return this.pending.samples + this.loop.queuedSamples >= this.cfg.logHighSamples;
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
    return this.front.sequenceOf(agentId, epoch).highest;
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

  async latestTable(): Promise<LatestTable> {
    return this.latestPoints.table();
  }

  countSamples(): Promise<number> {
    return this.reads.countSamples();
  }

  storageFootprint(): Promise<StorageFootprint> {
    return this.reads.footprint();
  }

  stats(): SampleStoreStats {
    return this.front.stats({ logRows: this.pending.rowCount, logSamples: this.pending.samples, series: this.series.size, cachedHeads: this.heads.size });
  }

  /**
   * Stops accepting appends, commits those already queued, abandons queued maintenance (the log
   * is durable; compaction resumes at the next open) and closes the read connection. The
   * Database itself belongs to the caller. Safe to call twice.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.front.health.close();
      if (this.timer) clearInterval(this.timer);
      await this.loop.stop();
      await this.rows.finalize();
      if (this.reader !== this.db) await this.reader.close();
    })();
    return this.closing;
  }
}
