// The sample store on PostgreSQL, shared by several collectors. Same contract and group commit as
// SqliteSampleStore; what differs is that the database, not this process, is the authority: batch
// sequences are judged under row locks in the commit transaction, series ids come from a unique
// key, reads include what other collectors stored. See docs/storage.md, "Samples on PostgreSQL".
import { randomBytes } from 'node:crypto';
import { systemClock, type Clock } from '../../common/clock.js';
import type { Database, Transaction } from '../../database/database.js';
import { PostgresDatabase } from '../../database/postgres-database.js';
import { migrate } from '../../database/migrations.js';
import { defaultReplicaId, type Leadership } from '../../leadership/leadership.js';
import { AppendFront, FrontedStore, loadCommitted } from '../append-front.js';
import type { CompactionInfo } from '../compactor.js';
import { finishGroup, judgeGroup, storedEntries, streamKey } from '../group-plan.js';
import { HeadCache } from '../head-cache.js';
import { LatestPoints } from '../latest-points.js';
import { RowWriter } from '../row-writer.js';
import { SampleReads, type StorageFootprint } from '../sample-reads.js';
import { EMPTY_SEQUENCE } from '../sequence-window.js';
import { SeriesCache } from '../series-cache.js';
import { dataErrorCode } from '../storage.errors.js';
import type { LatestTable, Point, RangeOptions, SampleRetention, SampleStore, SeriesFilter, SeriesRef, StoredSeriesSamples } from '../storage.types.js';
import { resolveStoreOptions, type SqliteSampleStoreOptions, type StoreConfig } from '../store-options.js';
import { storageLog, type SampleStoreStats } from '../store-stats.js';
import { WriteLoop, type QueuedAppend } from '../write-loop.js';
import { allocateSeries, lockStreams, saveStreams } from './group-commit.js';
import { LogFollower } from './log-follower.js';
import { LogMirror } from './log-mirror.js';
import { LOG_CHANNEL, LogWakeups } from './log-wakeups.js';
import { PostgresCompactor } from './postgres-compactor.js';
import { PostgresRetention } from './postgres-retention.js';
import { postgresStorageMigrations } from './postgres-storage.migrations.js';
import { SeriesQueries } from './series-queries.js';

export interface PostgresSampleStoreOptions extends SqliteSampleStoreOptions {
  /** Background compaction runs on the leader only (any collector when omitted). */
  leadership?: Leadership;
  /** How often other collectors' log rows are looked for (followPeers, latest points). */
  followPollMs?: number;
  /** Log rows stay at least this long before compaction, so followers read them (default 10 s). */
  followGraceMs?: number;
}

/** SQLSTATEs of a transaction that lost a race and may simply run again. */
const RETRY_CODES = new Set(['40001', '40P01']);
const COMMIT_ATTEMPTS = 3;
/** Default samples per compaction step on PostgreSQL (compaction.stepSamples). */
const POSTGRES_STEP_SAMPLES = 2_000_000;

export class PostgresSampleStore extends FrontedStore implements SampleStore, SampleRetention {
  private readonly clock: Clock;
  private readonly cfg: StoreConfig;
  private readonly series: SeriesCache;
  private readonly queries: SeriesQueries;
  protected readonly front: AppendFront;
  private readonly latestPoints = new LatestPoints();
  private readonly mirror = new LogMirror();
  private readonly heads: HeadCache;
  private readonly rows = new RowWriter();
  /** The compactor's statements: prepared statements belong to one Database's connections. */
  private readonly maintenanceRows = new RowWriter();
  private readonly loop: WriteLoop;
  /** Runs compaction and retention steps one at a time, on their own connection (see open()). */
  private readonly maintenance: WriteLoop;
  private readonly compactor: PostgresCompactor;
  private readonly retention: PostgresRetention;
  private readonly follower: LogFollower;
  private readonly reads: SampleReads;
  /**
   * This store's name in sample_log.writer, and its last committed log sequence. A commit whose
   * outcome is unknown (the connection broke during COMMIT) may have taken the next sequence: the
   * store then writes under a new name (newWriter), so it never reuses a sequence.
   */
  private writer: string;
  private writerSeq = 0;
  private readonly replicaId: string;
  private wakeups: LogWakeups | undefined;
  private closing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly db: Database,
    /** Compaction and retention's own connection, so group commits never queue behind them. */
    private readonly maintenanceDb: Database,
    options: PostgresSampleStoreOptions,
  ) {
    super();
    this.clock = options.clock ?? systemClock;
    // Steps run on their own connection here, so a long one delays no commit; larger steps rewrite
    // each series' head chunk less often (the cost that dominates with many series).
    this.cfg = resolveStoreOptions({ ...options, compaction: { stepSamples: POSTGRES_STEP_SAMPLES, ...options.compaction } });
    this.replicaId = options.leadership?.replicaId ?? defaultReplicaId();
    this.writer = this.newWriter();
    this.series = new SeriesCache(this.cfg.maxCachedAgents, { maxSeries: this.cfg.maxSeries, maxSeriesPerAgent: this.cfg.maxSeriesPerAgent });
    this.queries = new SeriesQueries(db, this.series);
    this.heads = new HeadCache(this.cfg.maxCachedHeads);
    this.loop = new WriteLoop(this.cfg, (group) => this.commitGroup(group));
    this.maintenance = new WriteLoop(this.cfg, async () => undefined);
    // Other collectors move the streams on: only a duplicate verdict of this process's cache is final.
    this.front = new AppendFront({ cfg: this.cfg, clock: this.clock, loop: this.loop, uncompactedSamples: () => this.mirror.samples, probeWrite: () => this.probeWrite(), finalVerdicts: 'duplicate' });
    const { clock, cfg, mirror, heads } = this;
    const { counters } = this.front;
    const loop = this.maintenance;
    const rows = this.maintenanceRows;
    const graceMs = options.followGraceMs ?? 10_000;
    if (!Number.isSafeInteger(graceMs) || graceMs < 0) throw new RangeError(`sample store option followGraceMs must be an integer >= 0, got ${graceMs}`);
    this.compactor = new PostgresCompactor({ db: maintenanceDb, clock, cfg, mirror, heads, rows, loop, counters, graceMs, leadership: options.leadership });
    this.retention = new PostgresRetention({ db: maintenanceDb, heads, latest: this.latestPoints, loop, compactor: this.compactor });
    this.follower = new LogFollower({ reader: db, mirror, latest: this.latestPoints, isOwn: (writer) => writer === this.writer, seriesRefs: (ids) => this.queries.refs(ids) });
    this.reads = new SampleReads(db, db, mirror, { find: (filter) => this.queries.find(filter) }, this.loop);
  }

  /** Applies the PostgreSQL storage migrations, loads series, sequences, latest points and the log. */
  static async open(db: Database, options: PostgresSampleStoreOptions = {}): Promise<PostgresSampleStore> {
    if (db.dialect !== 'postgres') throw new Error(`PostgresSampleStore needs a PostgreSQL database, got ${db.dialect}`);
    await migrate(db, postgresStorageMigrations, options.clock);
    const maintenanceDb = db instanceof PostgresDatabase ? await PostgresDatabase.open({ url: db.url, poolSize: 1, applicationName: 'vigil-collector-compactor' }) : db;
    let store: PostgresSampleStore;
    try {
      store = new PostgresSampleStore(db, maintenanceDb, options);
      await store.load();
    } catch (error) {
      if (maintenanceDb !== db) await maintenanceDb.close();
      throw error;
    }
    const pollMs = options.followPollMs ?? 250;
    let failing = false; // logged once per outage, not every poll
    store.timer = setInterval(() => {
      store.follower.sync().then(
        () => {
          if (failing) storageLog.log('following the log works again');
          failing = false;
          store.compactor.maybeCompact();
        },
        (error: unknown) => {
          if (!failing) storageLog.warn(`following the log failed (retrying every ${pollMs} ms): ${(error as Error).message}`);
          failing = true;
        },
      );
    }, pollMs);
    store.timer.unref();
    if (db instanceof PostgresDatabase) {
      store.wakeups = new LogWakeups(db.clientConfig('vigil-collector-follow'), (writer) => {
        if (writer !== store.writer) store.follower.sync().catch(() => undefined); // the poll reports failures
      });
      store.wakeups.start();
    }
    return store;
  }

  private async load(): Promise<void> {
    await loadCommitted(this.db, 'postgres', this.series, this.front.sequences, this.latestPoints);
    await this.follower.sync();
  }

  // ---------------------------------------------------------------- writes

  private async probeWrite(): Promise<void> {
    await this.loop.enqueue(async () => {
      await this.db.transaction((tx) => tx.run('UPDATE compaction_state SET generation = generation WHERE id = 0'));
      return true;
    });
  }

  onCompaction(listener: (info: CompactionInfo) => void): void {
    this.compactor.listeners.add(listener);
  }

  /**
   * One transaction for a group of appends: lock the streams' sequence rows, judge the batches
   * against them, allocate new series, append one log row, save the sequences. Appends resolve
   * only after COMMIT; a lost race (deadlock, serialization) runs the whole group again.
   */
  private async commitGroup(group: QueuedAppend[]): Promise<void> {
    const started = performance.now();
    const now = this.clock.now();
    let attempt = 0;
    let result: Awaited<ReturnType<PostgresSampleStore['writeGroup']>>;
    for (;;) {
      try {
        result = await this.db.transaction((tx) => this.writeGroup(tx, group, now));
        break;
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        if (typeof code === 'string' && RETRY_CODES.has(code) && ++attempt < COMMIT_ATTEMPTS) continue;
        // One batch's content (a NUL byte in a label) fails the whole group: commit each alone, so
        // the error, permanent for that batch, reaches only it.
        if (dataErrorCode(error) && group.length > 1) {
          for (const item of group) await this.commitGroup([item]);
          return;
        }
        this.front.failed(group, error);
        this.writer = this.newWriter();
        this.writerSeq = 0;
        return;
      }
    }
    const { plan, done, row } = result;
    this.series.apply(plan.draft);
    const entries = storedEntries(group, plan);
    if (row) {
      this.writerSeq = row.seq;
      this.mirror.add({ ...row, entries });
      this.latestPoints.update(entries);
    }
    this.front.committed(group, plan, done, started);
    if (this.mirror.samples >= this.cfg.triggerSamples) this.compactor.maybeCompact();
  }

  private newWriter(): string {
    return `${this.replicaId}#${randomBytes(4).toString('hex')}`;
  }

  private async writeGroup(tx: Transaction, group: QueuedAppend[], now: number) {
    const streams = new Map<string, { agentId: string; epoch: string }>();
    for (const { batch } of group) streams.set(streamKey(batch.agentId, batch.epoch), { agentId: batch.agentId, epoch: batch.epoch });
    const states = await lockStreams(tx, [...streams.values()], now);
    const plan = judgeGroup(group, (agentId, epoch) => states.get(streamKey(agentId, epoch)) ?? EMPTY_SEQUENCE, this.series, this.cfg);
    const replaced = plan.draft.created.size > 0 ? this.series.assignIds(plan.draft, await allocateSeries(tx, plan.draft.created, now)) : undefined;
    const done = finishGroup(group, plan, (agentId, refused, by) => this.front.limitedBy(agentId, refused, by), replaced);
    let row;
    if (done.log) {
      row = { writer: this.writer, seq: this.writerSeq + 1, createdMs: now, samples: done.samples };
      await this.rows.run(tx, 'log', () => 'INSERT INTO sample_log (writer, writer_seq, created_ms, batches, samples, data) VALUES (?, ?, ?, ?, ?, ?)', [
        row.writer,
        row.seq,
        now,
        done.stored,
        done.samples,
        done.log,
      ]);
    }
    if (plan.seqs.size > 0) await saveStreams(tx, plan.seqs.values(), now);
    // Delivered at COMMIT, to the other collectors' followers.
    if (row) await tx.get('SELECT pg_notify(?, ?)', [LOG_CHANNEL, row.writer]);
    return { plan, done, row };
  }

  /** Moves every log row older than the follow grace (of every collector) into chunks. */
  compact(): Promise<void> {
    return this.compactor.compact();
  }

  deleteBefore(cutoffMs: number): Promise<number> {
    return this.retention.deleteBefore(cutoffMs);
  }

  // ---------------------------------------------------------------- reads

  async lastStoredSeq(agentId: string, epoch: string): Promise<number> {
    const row = await this.db.get<{ last_seq: number }>('SELECT last_seq FROM stream_seq WHERE agent_id = ? AND epoch = ?', [agentId, epoch]);
    return row?.last_seq ?? 0;
  }

  findSeries(filter: SeriesFilter): Promise<SeriesRef[]> {
    return this.queries.find(filter);
  }

  async getSeries(id: number): Promise<SeriesRef | undefined> {
    return (await this.queries.refs([id])).get(id);
  }

  async queryRange(seriesId: number, fromMs: number, toMs: number, options?: RangeOptions): Promise<Point[]> {
    await this.follower.sync();
    return this.reads.queryRange(seriesId, fromMs, toMs, options);
  }

  async *scanRange(fromMs: number, toMs: number, filter: SeriesFilter = {}): AsyncGenerator<StoredSeriesSamples> {
    await this.follower.sync();
    yield* this.reads.scanRange(fromMs, toMs, filter);
  }

  async latest(seriesIds?: number[]): Promise<Map<number, Point>> {
    await this.follower.sync();
    return this.latestPoints.copy(seriesIds);
  }

  async latestTable(): Promise<LatestTable> {
    await this.follower.sync();
    return this.latestPoints.table();
  }

  /** Samples in chunks and in the log, of every collector, in one snapshot. */
  async countSamples(): Promise<number> {
    const row = await this.db.get<{ n: number }>('SELECT (SELECT COALESCE(sum(count), 0) FROM chunk) + (SELECT COALESCE(sum(samples), 0) FROM sample_log) AS n');
    return row?.n ?? 0;
  }

  async storageFootprint(): Promise<StorageFootprint> {
    const c = await this.db.get<{ n: number; s: number | null; b: number | null }>('SELECT count(*) AS n, sum(count) AS s, sum(octet_length(data)) AS b FROM chunk');
    const l = await this.db.get<{ n: number; s: number | null; b: number | null }>('SELECT count(*) AS n, sum(samples) AS s, sum(octet_length(data)) AS b FROM sample_log');
    return { chunks: c?.n ?? 0, chunkSamples: c?.s ?? 0, chunkBytes: c?.b ?? 0, logRows: l?.n ?? 0, logSamples: l?.s ?? 0, logBytes: l?.b ?? 0 };
  }

  followPeers(listener: (samples: StoredSeriesSamples[]) => void): () => void {
    return this.follower.follow(listener);
  }

  /** Log rows of other collectors compacted before this one read them (followPeers missed them). */
  get missedPeerRows(): number {
    return this.follower.missedRows;
  }

  stats(): SampleStoreStats {
    return this.front.stats({ logRows: this.mirror.rowCount, logSamples: this.mirror.samples, series: this.series.size, cachedHeads: this.heads.size });
  }

  /** Stops accepting appends and commits those already queued. The Database belongs to the caller. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.front.health.close();
      if (this.timer) clearInterval(this.timer);
      await this.wakeups?.stop();
      await this.loop.stop();
      await this.maintenance.stop();
      await this.rows.finalize();
      await this.maintenanceRows.finalize();
      await this.follower.sync().catch(() => undefined);
      if (this.maintenanceDb !== this.db) await this.maintenanceDb.close();
    })();
    return this.closing;
  }
}
