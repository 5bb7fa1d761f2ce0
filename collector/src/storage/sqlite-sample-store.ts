// The embedded sample store: a durable log written by group commit, compacted in the background
// into per-series Gorilla chunks. See docs/storage.md for the design and its measured figures.
import { Logger } from '@nestjs/common';
import { seriesKey } from '@vigil/proto';
import { systemClock, type Clock } from '../common/clock.js';
import { describeError } from '../common/errors.js';
import { Database, type SqlValue, type Statement } from '../database/database.js';
import { migrate } from '../database/migrations.js';
import { assertTimestamp, decodeChunk, ChunkEncoder, MAX_TIMESTAMP } from './chunk-codec.js';
import { CHUNK_MAX_SPAN_MS, DEFAULT_CHUNK_LIMITS, checkChunkLimits, compactSeries, type ChunkLimits, type ChunkWrite, type HeadChunk } from './compaction.js';
import { PendingLog } from './pending-log.js';
import { mergeSources, type PointSource } from './points.js';
import { decodeLog, encodeLog, type LogEntry } from './sample-log.js';
import { storageMigrations } from './storage.migrations.js';
import type {
  AppendOutcome,
  CommitInfo,
  IncomingBatch,
  Labels,
  MetricKind,
  Point,
  SampleRetention,
  SampleStore,
  SeriesFilter,
  SeriesRef,
  StoredSeriesSamples,
} from './storage.types.js';

export interface SqliteSampleStoreOptions {
  clock?: Clock;
  /** Largest group commit. */
  maxGroupSamples?: number;
  maxGroupBatches?: number;
  /** Samples of appends waiting for their commit; beyond it append fails with reason queue_full. */
  maxQueuedSamples?: number;
  /**
   * Samples in the log not yet compacted (held in memory, ~20 bytes each); beyond it append fails
   * with reason log_full until the compactor catches up.
   */
  maxLogSamples?: number;
  compaction?: {
    /** Background compaction on (default); off leaves it to compact() (tests, benchmarks). */
    auto?: boolean;
    /** Compact when this many samples wait in the log... */
    triggerSamples?: number;
    /** ...or when the oldest log row is this old. */
    maxLogAgeMs?: number;
    /** Samples and series moved per step (one transaction); bound how long ingest waits behind a step. */
    stepSamples?: number;
    stepSeries?: number;
  };
  chunk?: Partial<ChunkLimits>;
  /** Series handled per retention transaction. */
  retentionSeriesPerStep?: number;
  /** Head chunks kept decoded in memory for appending (least recently used evicted). */
  maxCachedHeads?: number;
  /** A second, read-only connection for queries (default: yes for a database file). */
  readConnection?: boolean;
}

export type OverloadReason = 'queue_full' | 'log_full';

/** Retryable: the store is saturated; the batch was not stored. */
export class StorageOverloadedError extends Error {
  override readonly name = 'StorageOverloadedError';
  constructor(
    readonly reason: OverloadReason,
    message: string,
  ) {
    super(message);
  }
}

export class StorageClosedError extends Error {
  override readonly name = 'StorageClosedError';
  constructor() {
    super('sample store is closed');
  }
}

/** Permanent: the batch breaks the store's input contract (the ingest validator should have caught it). */
export class StorageInputError extends Error {
  override readonly name = 'StorageInputError';
}

export interface CompactionInfo {
  /** Log rows deleted (only by the last step of a round). */
  logRows: number;
  samples: number;
  lateSamples: number;
  chunkWrites: number;
  series: number;
  durationMs: number;
  /** Of durationMs: reading head chunks, and the write transaction. */
  loadMs: number;
  writeMs: number;
}

/** Counters and gauges for the metrics module (monotonic counters unless noted). */
export interface SampleStoreStats {
  commits: number;
  commitFailures: number;
  batchesStored: number;
  batchesDuplicate: number;
  samplesStored: number;
  rejected: Record<OverloadReason | 'closed' | 'invalid', number>;
  kindConflicts: number;
  compactions: number;
  compactionFailures: number;
  samplesCompacted: number;
  lateSamples: number;
  /** Gauges. */
  queuedBatches: number;
  queuedSamples: number;
  logRows: number;
  logSamples: number;
  series: number;
  cachedHeads: number;
}

interface QueuedAppend {
  batch: IncomingBatch;
  samples: number;
  resolve: (result: { outcome: AppendOutcome; stored: StoredSeriesSamples[] }) => void;
  reject: (error: unknown) => void;
}

interface Job {
  /** One bounded unit of work; true when the job is finished. */
  step(): Promise<boolean>;
  resolve(): void;
  reject(error: unknown): void;
}

const ROWS_PER_STATEMENT = 400;
const ID_LIST_CHUNK = 500;

const DEFAULTS = {
  maxGroupSamples: 200_000,
  maxGroupBatches: 5_000,
  maxQueuedSamples: 2_000_000,
  maxLogSamples: 5_000_000,
  triggerSamples: 1_000_000,
  maxLogAgeMs: 60_000,
  stepSamples: 250_000,
  stepSeries: 10_000,
  retentionSeriesPerStep: 256,
  maxCachedHeads: 500_000,
  maxCachedAgents: 100_000,
};
/** Positions per agent in the series cache; later series of huge batches take the slow path. */
const MAX_CACHED_POSITIONS = 10_000;

function positiveInt(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!Number.isSafeInteger(v) || v < 1) throw new RangeError(`sample store option ${name} must be a positive integer, got ${value}`);
  return v;
}

const SQL = {
  series: { head: 'INSERT INTO series (id, key, metric, labels, kind, created_ms) VALUES ', cols: 6, tail: '' },
  seq: {
    head: 'INSERT INTO stream_seq (agent_id, epoch, last_seq, updated_ms) VALUES ',
    cols: 4,
    tail: ' ON CONFLICT (agent_id, epoch) DO UPDATE SET last_seq = excluded.last_seq, updated_ms = excluded.updated_ms WHERE excluded.last_seq > stream_seq.last_seq',
  },
  progress: {
    head: 'INSERT INTO compaction_progress (series_id, log_id) VALUES ',
    cols: 2,
    tail: ' ON CONFLICT (series_id) DO UPDATE SET log_id = excluded.log_id',
  },
  chunk: {
    head: 'INSERT INTO chunk (id, series_id, start_ts, end_ts, count, data) VALUES ',
    cols: 6,
    tail: ' ON CONFLICT (id) DO UPDATE SET start_ts = excluded.start_ts, end_ts = excluded.end_ts, count = excluded.count, data = excluded.data',
  },
} as const;
type RowKind = keyof typeof SQL;

// The head chunk of each listed series: greatest end timestamp, the newest on a tie.
const HEADS_SQL = `SELECT j.value AS series_id, c.id AS id, c.data AS data FROM json_each(?) j
  JOIN chunk c ON c.id = (SELECT id FROM chunk WHERE series_id = j.value ORDER BY end_ts DESC, id DESC LIMIT 1)`;

function blob(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function streamKey(agentId: string, epoch: string): string {
  return `${agentId}\u0000${epoch}`;
}

export class SqliteSampleStore implements SampleStore, SampleRetention {
  private readonly clock: Clock;
  private readonly limits: ChunkLimits;
  private readonly cfg: typeof DEFAULTS & { autoCompaction: boolean };

  private readonly seriesByKey = new Map<string, SeriesRef>();
  private readonly seriesById = new Map<number, SeriesRef>();
  private readonly seriesByMetric = new Map<string, number[]>();
  /**
   * Per agent, the committed series of its last batches by position: agents send the same series
   * in the same order, so a comparison of metric and labels usually replaces building and hashing
   * the series key. Least recently used agent first.
   */
  private readonly agentSeries = new Map<string, SeriesRef[]>();
  private readonly lastSeq = new Map<string, number>();
  private readonly latestPoints = new Map<number, Point>();
  private readonly pending = new PendingLog();
  /** Least recently used first (Map insertion order). */
  private readonly heads = new Map<number, HeadChunk>();
  private nextSeriesId = 1;
  private nextLogId = 1;
  private nextChunkId = 1;

  private readonly queue: QueuedAppend[] = [];
  private queuedSamples = 0;
  private readonly jobs: Job[] = [];
  /** The compaction round in progress: log rows <= endRowId, series[next..] still to move. */
  private round: { endRowId: number; series: number[]; next: number } | undefined;
  private autoCompactionQueued = false;
  private loopRunning = false;
  private idle: Promise<void> = Promise.resolve();
  private markIdle: () => void = () => undefined;
  private closed = false;
  private closing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;

  private readonly commitListeners: Array<(info: CommitInfo) => void> = [];
  private readonly compactionListeners: Array<(info: CompactionInfo) => void> = [];
  private readonly statements = new Map<string, Statement>();
  private readonly counters: Omit<SampleStoreStats, 'queuedBatches' | 'queuedSamples' | 'logRows' | 'logSamples' | 'series' | 'cachedHeads'> = {
    commits: 0,
    commitFailures: 0,
    batchesStored: 0,
    batchesDuplicate: 0,
    samplesStored: 0,
    rejected: { queue_full: 0, log_full: 0, closed: 0, invalid: 0 },
    kindConflicts: 0,
    compactions: 0,
    compactionFailures: 0,
    samplesCompacted: 0,
    lateSamples: 0,
  };

  private constructor(
    private readonly db: Database,
    private readonly reader: Database,
    options: SqliteSampleStoreOptions,
  ) {
    this.clock = options.clock ?? systemClock;
    this.limits = { ...DEFAULT_CHUNK_LIMITS, ...options.chunk };
    checkChunkLimits(this.limits);
    const c = options.compaction ?? {};
    this.cfg = {
      maxGroupSamples: positiveInt('maxGroupSamples', options.maxGroupSamples, DEFAULTS.maxGroupSamples),
      maxGroupBatches: positiveInt('maxGroupBatches', options.maxGroupBatches, DEFAULTS.maxGroupBatches),
      maxQueuedSamples: positiveInt('maxQueuedSamples', options.maxQueuedSamples, DEFAULTS.maxQueuedSamples),
      maxLogSamples: positiveInt('maxLogSamples', options.maxLogSamples, DEFAULTS.maxLogSamples),
      triggerSamples: positiveInt('compaction.triggerSamples', c.triggerSamples, DEFAULTS.triggerSamples),
      maxLogAgeMs: positiveInt('compaction.maxLogAgeMs', c.maxLogAgeMs, DEFAULTS.maxLogAgeMs),
      stepSamples: positiveInt('compaction.stepSamples', c.stepSamples, DEFAULTS.stepSamples),
      stepSeries: positiveInt('compaction.stepSeries', c.stepSeries, DEFAULTS.stepSeries),
      retentionSeriesPerStep: positiveInt('retentionSeriesPerStep', options.retentionSeriesPerStep, DEFAULTS.retentionSeriesPerStep),
      maxCachedHeads: positiveInt('maxCachedHeads', options.maxCachedHeads, DEFAULTS.maxCachedHeads),
      maxCachedAgents: DEFAULTS.maxCachedAgents,
      autoCompaction: c.auto ?? true,
    };
  }

  /** Applies the storage migrations, loads series, sequences, latest points and the uncompacted log. */
  static async open(db: Database, options: SqliteSampleStoreOptions = {}): Promise<SqliteSampleStore> {
    await migrate(db, storageMigrations);
    const separate = (options.readConnection ?? true) && db.path !== ':memory:' && db.path !== '';
    const reader = separate ? await Database.open({ path: db.path, readOnly: true }) : db;
    const store = new SqliteSampleStore(db, reader, options);
    try {
      await store.load();
    } catch (error) {
      if (reader !== db) await reader.close();
      throw error;
    }
    if (store.cfg.autoCompaction) {
      const tick = Math.max(50, Math.min(5_000, Math.floor(store.cfg.maxLogAgeMs / 4)));
      store.timer = setInterval(() => store.maybeCompact(), tick);
      store.timer.unref();
    }
    return store;
  }

  private async load(): Promise<void> {
    const series = await this.db.all<{ id: number; key: string; metric: string; labels: string; kind: MetricKind }>('SELECT id, key, metric, labels, kind FROM series ORDER BY id');
    for (const row of series) this.cacheSeries(row.key, { id: row.id, metric: row.metric, labels: JSON.parse(row.labels) as Labels, kind: row.kind });
    this.nextSeriesId = (series.at(-1)?.id ?? 0) + 1;

    for (const row of await this.db.all<{ agent_id: string; epoch: string; last_seq: number }>('SELECT agent_id, epoch, last_seq FROM stream_seq')) {
      this.lastSeq.set(streamKey(row.agent_id, row.epoch), row.last_seq);
    }

    const maxChunk = await this.db.get<{ id: number | null }>('SELECT max(id) AS id FROM chunk');
    this.nextChunkId = (maxChunk?.id ?? 0) + 1;

    // Latest point of each series from its head chunk, then from the log (newer by definition).
    const ids = [...this.seriesById.keys()];
    for (let i = 0; i < ids.length; i += ID_LIST_CHUNK) {
      for (const row of await this.db.all<{ series_id: number; data: Buffer }>(HEADS_SQL, [JSON.stringify(ids.slice(i, i + ID_LIST_CHUNK))])) {
        const { timestamps, values } = decodeChunk(row.data);
        const n = timestamps.length;
        if (n) this.latestPoints.set(row.series_id, [timestamps[n - 1]!, values[n - 1]!]);
      }
    }

    // A round interrupted by a crash: these series' samples up to log_id are already in chunks.
    const done = new Map<number, number>();
    for (const row of await this.db.all<{ series_id: number; log_id: number }>('SELECT series_id, log_id FROM compaction_progress')) done.set(row.series_id, row.log_id);
    let lastLogId = 0;
    for (const row of await this.db.all<{ id: number; created_ms: number; data: Buffer }>('SELECT id, created_ms, data FROM sample_log ORDER BY id')) {
      const entries = decodeLog(row.data).filter((e) => (done.get(e.seriesId) ?? 0) < row.id);
      this.pending.add(row.id, row.created_ms, entries);
      this.updateLatest(entries);
      lastLogId = row.id;
    }
    this.nextLogId = lastLogId + 1;
  }

  // ---------------------------------------------------------------- writes

  append(batch: IncomingBatch): Promise<{ outcome: AppendOutcome; stored: StoredSeriesSamples[] }> {
    if (this.closed) {
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
    if (batch.seq <= (this.lastSeq.get(streamKey(batch.agentId, batch.epoch)) ?? 0)) {
      this.counters.batchesDuplicate++;
      return Promise.resolve({ outcome: { status: 'duplicate' }, stored: [] });
    }
    if (this.queuedSamples + samples > this.cfg.maxQueuedSamples && this.queue.length > 0) {
      this.counters.rejected.queue_full++;
      return Promise.reject(new StorageOverloadedError('queue_full', `storage write queue full: ${this.queuedSamples} samples queued, limit ${this.cfg.maxQueuedSamples}`));
    }
    if (this.pending.samples + this.queuedSamples + samples > this.cfg.maxLogSamples && this.pending.samples > 0) {
      this.counters.rejected.log_full++;
      return Promise.reject(new StorageOverloadedError('log_full', `storage log full: ${this.pending.samples} samples await compaction, limit ${this.cfg.maxLogSamples}`));
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ batch, samples, resolve, reject });
      this.queuedSamples += samples;
      this.kick();
    });
  }

  onCommit(listener: (info: CommitInfo) => void): void {
    this.commitListeners.push(listener);
  }

  /** Called after every compaction step. */
  onCompaction(listener: (info: CompactionInfo) => void): void {
    this.compactionListeners.push(listener);
  }

  private kick(): void {
    if (this.loopRunning) return;
    this.loopRunning = true;
    this.idle = new Promise((resolve) => (this.markIdle = resolve));
    // Start on the next microtask so appends made in the same tick share the first commit.
    queueMicrotask(() => void this.loop());
  }

  /** The single writer: group commits, alternating with one bounded maintenance step. */
  private async loop(): Promise<void> {
    try {
      while (this.queue.length > 0 || (this.jobs.length > 0 && !this.closed)) {
        if (this.queue.length > 0) await this.commitGroup(this.takeGroup());
        if (this.jobs.length > 0 && !this.closed) await this.runJobStep(this.jobs[0]!);
      }
    } finally {
      this.loopRunning = false;
      this.markIdle();
    }
  }

  private takeGroup(): QueuedAppend[] {
    let samples = 0;
    let n = 0;
    while (n < this.queue.length && n < this.cfg.maxGroupBatches) {
      const s = this.queue[n]!.samples;
      if (n > 0 && samples + s > this.cfg.maxGroupSamples) break;
      samples += s;
      n++;
    }
    this.queuedSamples -= samples;
    return this.queue.splice(0, n);
  }

  private async commitGroup(group: QueuedAppend[]): Promise<void> {
    const started = performance.now();
    const now = this.clock.now();
    const seqs = new Map<string, { agentId: string; epoch: string; seq: number }>();
    const newSeries = new Map<string, SeriesRef>();
    // Applied after the commit: the positional cache only ever holds committed series.
    const positions: Array<{ cache: SeriesRef[]; index: number; ref: SeriesRef }> = [];
    const entries: LogEntry[] = [];
    const results: Array<{ outcome: AppendOutcome; stored: StoredSeriesSamples[] }> = [];
    let stored = 0;
    let samples = 0;
    for (const item of group) {
      const b = item.batch;
      const sk = streamKey(b.agentId, b.epoch);
      const last = seqs.get(sk)?.seq ?? this.lastSeq.get(sk) ?? 0;
      if (b.seq <= last) {
        results.push({ outcome: { status: 'duplicate' }, stored: [] });
        continue;
      }
      seqs.set(sk, { agentId: b.agentId, epoch: b.epoch, seq: b.seq });
      const out: StoredSeriesSamples[] = [];
      const cache = this.agentCache(b.agentId);
      for (let i = 0; i < b.series.length; i++) {
        const s = b.series[i]!;
        let ref: SeriesRef | undefined = cache[i];
        if (!ref || ref.metric !== s.metric || !sameLabels(ref.labels, s.labels)) {
          const key = seriesKey(s.metric, s.labels);
          ref = this.seriesByKey.get(key) ?? newSeries.get(key);
          if (!ref) {
            ref = freezeSeries({ id: this.nextSeriesId++, metric: s.metric, labels: { ...s.labels }, kind: s.kind });
            newSeries.set(key, ref);
          }
          if (i < MAX_CACHED_POSITIONS) positions.push({ cache, index: i, ref });
        }
        if (ref.kind !== s.kind) {
          this.counters.kindConflicts++; // the first kind seen stays: a series does not change type
        }
        if (s.timestamps.length > 0) entries.push({ seriesId: ref.id, timestamps: s.timestamps, values: s.values });
        out.push({ series: ref, timestamps: s.timestamps, values: s.values });
      }
      results.push({ outcome: { status: 'stored', samples: item.samples }, stored: out });
      stored++;
      samples += item.samples;
    }

    const logId = entries.length > 0 ? this.nextLogId++ : 0;
    try {
      if (stored > 0) {
        await this.db.transaction(async () => {
          if (newSeries.size > 0) {
            const rows: SqlValue[] = [];
            for (const [key, s] of newSeries) rows.push(s.id, key, s.metric, JSON.stringify(s.labels), s.kind, now);
            await this.writeRows('series', rows);
          }
          if (logId) {
            await this.statement('log', 'INSERT INTO sample_log (id, created_ms, batches, samples, data) VALUES (?, ?, ?, ?, ?)').run([logId, now, stored, samples, encodeLog(entries)]);
          }
          const seqRows: SqlValue[] = [];
          for (const s of seqs.values()) seqRows.push(s.agentId, s.epoch, s.seq, now);
          await this.writeRows('seq', seqRows);
        });
      }
    } catch (error) {
      // The ids handed out above are simply skipped; nothing of the group is visible.
      this.counters.commitFailures++;
      for (const item of group) item.reject(error);
      return;
    }

    for (const [key, s] of newSeries) this.cacheSeries(key, s);
    for (const p of positions) p.cache[p.index] = p.ref;
    for (const [sk, s] of seqs) this.lastSeq.set(sk, s.seq);
    if (logId) {
      this.pending.add(logId, now, entries);
      this.updateLatest(entries);
    }
    this.counters.commits++;
    this.counters.batchesStored += stored;
    this.counters.batchesDuplicate += group.length - stored;
    this.counters.samplesStored += samples;
    for (let i = 0; i < group.length; i++) group[i]!.resolve(results[i]!);
    const info: CommitInfo = { batches: group.length, samples, durationMs: performance.now() - started };
    for (const listener of this.commitListeners) safeCall(listener, info);
    if (this.pending.samples >= this.cfg.triggerSamples) this.maybeCompact();
  }

  /** Multi-row INSERTs: one statement per few hundred rows instead of one per row. */
  private async writeRows(kind: RowKind, values: SqlValue[]): Promise<void> {
    const { cols } = SQL[kind];
    const total = values.length / cols;
    for (let at = 0; at < total; at += ROWS_PER_STATEMENT) {
      const n = Math.min(ROWS_PER_STATEMENT, total - at);
      const params = at === 0 && n === total ? values : values.slice(at * cols, (at + n) * cols);
      await this.rowsStatement(kind, n).run(params);
    }
  }

  private rowsStatement(kind: RowKind, rows: number): Statement {
    const { head, cols, tail } = SQL[kind];
    const one = `(${new Array<string>(cols).fill('?').join(', ')})`;
    return this.statement(`${kind}:${rows}`, head + new Array<string>(rows).fill(one).join(', ') + tail);
  }

  private statement(name: string, sql: string): Statement {
    let stmt = this.statements.get(name);
    if (!stmt) {
      stmt = this.db.prepare(sql);
      this.statements.set(name, stmt);
    }
    return stmt;
  }

  private agentCache(agentId: string): SeriesRef[] {
    let cache = this.agentSeries.get(agentId);
    if (cache) {
      this.agentSeries.delete(agentId); // re-insert: most recently used last
    } else {
      cache = [];
      if (this.agentSeries.size >= this.cfg.maxCachedAgents) this.agentSeries.delete(this.agentSeries.keys().next().value!);
    }
    this.agentSeries.set(agentId, cache);
    return cache;
  }

  private updateLatest(entries: readonly LogEntry[]): void {
    for (const e of entries) {
      const ts = e.timestamps;
      const point = this.latestPoints.get(e.seriesId);
      let bestTs = point ? point[0] : -1;
      let best = -1;
      // Equal timestamps: the later write wins, as in queryRange.
      for (let i = 0; i < ts.length; i++) {
        if (ts[i]! >= bestTs) {
          bestTs = ts[i]!;
          best = i;
        }
      }
      if (best < 0) continue;
      if (point) {
        point[0] = bestTs; // latest() hands out copies, so the tuple is updated in place
        point[1] = e.values[best]!;
      } else {
        this.latestPoints.set(e.seriesId, [bestTs, e.values[best]!]);
      }
    }
  }

  private cacheSeries(key: string, s: SeriesRef): void {
    const ref = Object.isFrozen(s) ? s : freezeSeries(s);
    this.seriesByKey.set(key, ref);
    this.seriesById.set(ref.id, ref);
    const ids = this.seriesByMetric.get(ref.metric);
    if (ids) ids.push(ref.id);
    else this.seriesByMetric.set(ref.metric, [ref.id]);
  }

  // ---------------------------------------------------------------- maintenance jobs

  private enqueue(step: () => Promise<boolean>): Promise<void> {
    if (this.closed) return Promise.reject(new StorageClosedError());
    return new Promise((resolve, reject) => {
      this.jobs.push({ step, resolve, reject });
      this.kick();
    });
  }

  private async runJobStep(job: Job): Promise<void> {
    let finished: boolean;
    try {
      finished = await job.step();
    } catch (error) {
      this.jobs.shift();
      job.reject(error);
      return;
    }
    if (finished) {
      this.jobs.shift();
      job.resolve();
    }
  }

  /** Starts background compaction when the log is big or old enough (one job at a time). */
  private maybeCompact(): void {
    if (this.closed || !this.cfg.autoCompaction || this.autoCompactionQueued || this.pending.rowCount === 0) return;
    const oldest = this.pending.oldestCreatedMs ?? Infinity;
    if (this.pending.samples < this.cfg.triggerSamples && this.clock.now() - oldest < this.cfg.maxLogAgeMs) return;
    this.autoCompactionQueued = true;
    this.compactLog(this.pending.lastRowId)
      .catch((error: unknown) => {
        // Counted in compactionFailures; the log keeps the samples and the next trigger retries.
        if (!(error instanceof StorageClosedError)) Logger.error(`background compaction failed: ${describeError(error)}`, 'storage');
      })
      .finally(() => (this.autoCompactionQueued = false));
  }

  /** Moves every log row written so far into chunks, in bounded steps between group commits. */
  compact(): Promise<void> {
    return this.compactLog(this.pending.lastRowId);
  }

  private compactLog(uptoRowId: number): Promise<void> {
    return this.enqueue(async () => {
      if (!(await this.compactionStep(uptoRowId))) return true;
      return !this.round && !this.pending.hasRowsUpTo(uptoRowId);
    });
  }

  /**
   * One step of the current compaction round, starting a round (over every log row written so
   * far) if none is running and some row <= uptoRowId waits. False when there was nothing to do.
   */
  private async compactionStep(uptoRowId: number): Promise<boolean> {
    if (!this.round) {
      if (!this.pending.hasRowsUpTo(uptoRowId)) return false;
      const endRowId = this.pending.lastRowId;
      this.round = { endRowId, series: this.pending.seriesUpTo(endRowId), next: 0 };
    }
    await this.compactSeriesStep(this.round);
    return true;
  }

  /**
   * Moves the samples (in log rows <= round.endRowId) of the round's next few series into chunks,
   * recording the progress in the same transaction; the round's last step deletes the log rows.
   */
  private async compactSeriesStep(round: { endRowId: number; series: number[]; next: number }): Promise<void> {
    const started = performance.now();
    const end = round.endRowId;
    const ids: number[] = [];
    let samples = 0;
    for (let i = round.next; i < round.series.length && ids.length < this.cfg.stepSeries && samples < this.cfg.stepSamples; i++) {
      ids.push(round.series[i]!);
      samples += this.pending.countUpTo(round.series[i]!, end);
    }
    const last = round.next + ids.length >= round.series.length;
    const writes: ChunkWrite[] = [];
    let late = 0;
    let loaded = started;
    let writing = started;
    try {
      await this.loadHeads(ids.filter((id) => !this.heads.has(id)));
      loaded = performance.now();
      for (const seriesId of ids) {
        const s = this.pending.samplesUpTo(seriesId, end);
        const r = compactSeries(seriesId, this.heads.get(seriesId), s.timestamps, s.values, this.limits, () => this.nextChunkId++);
        for (const w of r.writes) writes.push(w);
        late += r.late;
        if (r.head) this.touchHead(seriesId, r.head);
      }
      const rows: SqlValue[] = [];
      for (const w of writes) rows.push(w.id, w.seriesId, w.startTs, w.endTs, w.count, blob(w.data));
      writing = performance.now();
      await this.db.transaction(async () => {
        await this.writeRows('chunk', rows);
        if (last) {
          await this.statement('log-delete', 'DELETE FROM sample_log WHERE id <= ?').run([end]);
          await this.statement('progress-clear', 'DELETE FROM compaction_progress').run();
        } else {
          const progress: SqlValue[] = [];
          for (const id of ids) progress.push(id, end);
          await this.writeRows('progress', progress);
        }
      });
    } catch (error) {
      // Heads may have been extended in memory; the database still holds their previous state.
      for (const id of ids) this.heads.delete(id);
      this.counters.compactionFailures++;
      throw error;
    }
    const written = performance.now();
    for (const id of ids) this.pending.dropSeries(id, end);
    round.next += ids.length;
    const rowsBefore = this.pending.rowCount;
    if (last) {
      this.pending.dropRows(end);
      this.round = undefined;
    }
    this.counters.compactions++;
    this.counters.samplesCompacted += samples;
    this.counters.lateSamples += late;
    this.evictHeads();
    const info: CompactionInfo = {
      logRows: rowsBefore - this.pending.rowCount,
      samples,
      lateSamples: late,
      chunkWrites: writes.length,
      series: ids.length,
      durationMs: performance.now() - started,
      loadMs: loaded - started,
      writeMs: written - writing,
    };
    for (const listener of this.compactionListeners) safeCall(listener, info);
  }

  private async loadHeads(seriesIds: number[]): Promise<void> {
    for (let i = 0; i < seriesIds.length; i += ID_LIST_CHUNK) {
      const rows = await this.db.all<{ series_id: number; id: number; data: Buffer }>(HEADS_SQL, [JSON.stringify(seriesIds.slice(i, i + ID_LIST_CHUNK))]);
      for (const row of rows) this.heads.set(row.series_id, { id: row.id, encoder: ChunkEncoder.resume(row.data) });
    }
  }

  private touchHead(seriesId: number, head: HeadChunk): void {
    this.heads.delete(seriesId);
    this.heads.set(seriesId, head);
  }

  private evictHeads(): void {
    const excess = this.heads.size - this.cfg.maxCachedHeads;
    if (excess <= 0) return;
    let n = 0;
    for (const id of this.heads.keys()) {
      if (n++ >= excess) break;
      this.heads.delete(id);
    }
  }

  /**
   * Deletes samples with timestamp < cutoffMs: whole chunks, and the older part of chunks that
   * straddle the cutoff. First compacts the log rows written before the call, so samples stored
   * before it are all covered. Works in bounded transactions between group commits.
   */
  deleteBefore(cutoffMs: number): Promise<number> {
    assertTimestamp(cutoffMs);
    let removed = 0;
    const uptoRowId = this.pending.lastRowId;
    let seriesIds: number[] | undefined;
    let at = 0;
    return this.enqueue(async () => {
      if (await this.compactionStep(uptoRowId)) return false;
      seriesIds ??= [...this.seriesById.keys()];
      const slice = seriesIds.slice(at, at + this.cfg.retentionSeriesPerStep);
      at += slice.length;
      if (slice.length > 0) removed += await this.deleteStep(slice, cutoffMs);
      return at >= seriesIds.length;
    }).then(() => removed);
  }

  private async deleteStep(seriesIds: number[], cutoffMs: number): Promise<number> {
    const list = JSON.stringify(seriesIds);
    let removed = 0;
    // Rows of straddling chunks are rewritten under their own id, so write order is kept.
    const rewrites: SqlValue[] = [];
    try {
      await this.db.transaction(async () => {
        const gone = await this.db.all<{ count: number }>('DELETE FROM chunk WHERE series_id IN (SELECT value FROM json_each(?)) AND end_ts < ? RETURNING count', [list, cutoffMs]);
        for (const row of gone) removed += row.count;
        const straddling = await this.db.all<{ id: number; series_id: number; data: Buffer }>(
          'SELECT id, series_id, data FROM chunk WHERE series_id IN (SELECT value FROM json_each(?)) AND end_ts >= ? AND end_ts <= ? AND start_ts < ?',
          [list, cutoffMs, Math.min(cutoffMs + CHUNK_MAX_SPAN_MS, MAX_TIMESTAMP), cutoffMs],
        );
        for (const row of straddling) {
          const { timestamps, values } = decodeChunk(row.data);
          const enc = new ChunkEncoder(row.data.length);
          for (let i = 0; i < timestamps.length; i++) if (timestamps[i]! >= cutoffMs) enc.append(timestamps[i]!, values[i]!);
          removed += timestamps.length - enc.count;
          rewrites.push(row.id, row.series_id, enc.firstTimestamp, enc.lastTimestamp, enc.count, blob(enc.bytes()));
        }
        await this.writeRows('chunk', rewrites);
      });
    } finally {
      // Cached heads may point at deleted or rewritten rows: reload them when next needed.
      for (const id of seriesIds) this.heads.delete(id);
    }
    for (const id of seriesIds) {
      const p = this.latestPoints.get(id);
      if (p && p[0] < cutoffMs) this.latestPoints.delete(id);
    }
    return removed;
  }

  // ---------------------------------------------------------------- reads

  async lastStoredSeq(agentId: string, epoch: string): Promise<number> {
    return this.lastSeq.get(streamKey(agentId, epoch)) ?? 0;
  }

  async findSeries(filter: SeriesFilter): Promise<SeriesRef[]> {
    const limit = filter.limit ?? Infinity;
    const candidates = filter.metric !== undefined ? (this.seriesByMetric.get(filter.metric) ?? []) : this.seriesById.keys();
    const wanted = filter.labels ? Object.entries(filter.labels) : [];
    const out: SeriesRef[] = [];
    for (const id of candidates) {
      if (out.length >= limit) break;
      const s = this.seriesById.get(id)!;
      if (wanted.every(([k, v]) => s.labels[k] === v)) out.push(publicSeries(s));
    }
    return out;
  }

  async getSeries(id: number): Promise<SeriesRef | undefined> {
    const s = this.seriesById.get(id);
    return s && publicSeries(s);
  }

  async queryRange(seriesId: number, fromMs: number, toMs: number): Promise<Point[]> {
    if (Number.isNaN(fromMs) || Number.isNaN(toMs)) throw new RangeError(`queryRange needs numeric bounds, got ${fromMs}..${toMs}`);
    if (toMs < fromMs || toMs < 0) return [];
    const from = Math.max(0, fromMs);
    const to = Math.min(toMs, MAX_TIMESTAMP);
    // Pending first: a compaction committing while the chunks are read then shows its samples in
    // both places (merged away), never in neither.
    const pendingPart = this.pending.range(seriesId, from, to);
    const rows = await this.reader.all<{ data: Buffer }>(
      'SELECT data FROM chunk WHERE series_id = ? AND end_ts >= ? AND end_ts <= ? AND start_ts <= ? ORDER BY id',
      [seriesId, from, Math.min(to + CHUNK_MAX_SPAN_MS, MAX_TIMESTAMP), to],
    );
    const sources: PointSource[] = rows.map((r) => decodeChunk(r.data));
    sources.push(pendingPart);
    return mergeSources(sources, from, to);
  }

  /**
   * Samples of every matching series within [from, to], one series at a time: for rebuilding
   * rollups. Series without samples in the range are skipped.
   */
  async *scanRange(fromMs: number, toMs: number, filter: SeriesFilter = {}): AsyncGenerator<StoredSeriesSamples> {
    for (const series of await this.findSeries(filter)) {
      const points = await this.queryRange(series.id, fromMs, toMs);
      if (points.length === 0) continue;
      yield { series, timestamps: points.map((p) => p[0]), values: points.map((p) => p[1]) };
    }
  }

  async latest(seriesIds?: number[]): Promise<Map<number, Point>> {
    const out = new Map<number, Point>();
    if (seriesIds) {
      for (const id of seriesIds) {
        const p = this.latestPoints.get(id);
        if (p) out.set(id, [p[0], p[1]]);
      }
    } else {
      for (const [id, p] of this.latestPoints) out.set(id, [p[0], p[1]]);
    }
    return out;
  }

  /**
   * Samples held in chunks and in the log. A timestamp written twice (a late rewrite) counts
   * twice: queryRange returns one point for it. For diagnostics and tests.
   */
  async countSamples(): Promise<number> {
    // Read on the writer's turn so no compaction is half-way between log and chunks.
    let total = 0;
    await this.enqueue(async () => {
      const row = await this.db.get<{ n: number | null }>('SELECT sum(count) AS n FROM chunk');
      total = (row?.n ?? 0) + this.pending.samples;
      return true;
    });
    return total;
  }

  /** Size figures for diagnostics and benchmarks. */
  async storageFootprint(): Promise<{ chunks: number; chunkSamples: number; chunkBytes: number; logRows: number; logSamples: number; logBytes: number }> {
    const c = await this.db.get<{ n: number; s: number | null; b: number | null }>('SELECT count(*) AS n, sum(count) AS s, sum(length(data)) AS b FROM chunk');
    const l = await this.db.get<{ n: number; s: number | null; b: number | null }>('SELECT count(*) AS n, sum(samples) AS s, sum(length(data)) AS b FROM sample_log');
    return { chunks: c?.n ?? 0, chunkSamples: c?.s ?? 0, chunkBytes: c?.b ?? 0, logRows: l?.n ?? 0, logSamples: l?.s ?? 0, logBytes: l?.b ?? 0 };
  }

  stats(): SampleStoreStats {
    return {
      ...this.counters,
      rejected: { ...this.counters.rejected },
      queuedBatches: this.queue.length,
      queuedSamples: this.queuedSamples,
      logRows: this.pending.rowCount,
      logSamples: this.pending.samples,
      series: this.seriesById.size,
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
      this.closed = true;
      if (this.timer) clearInterval(this.timer);
      await this.idle;
      for (const job of this.jobs.splice(0)) job.reject(new StorageClosedError());
      for (const stmt of this.statements.values()) await stmt.finalize();
      this.statements.clear();
      if (this.reader !== this.db) await this.reader.close();
    })();
    return this.closing;
  }
}

function sameLabels(a: Labels, b: Labels): boolean {
  let n = 0;
  for (const k in a) {
    if (a[k] !== b[k]) return false;
    n++;
  }
  for (const k in b) if (k !== undefined) n--;
  return n === 0;
}

/** Cached refs are shared with ingest listeners, so they are frozen. */
function freezeSeries(s: SeriesRef): SeriesRef {
  Object.freeze(s.labels);
  return Object.freeze(s);
}

function publicSeries(s: SeriesRef): SeriesRef {
  return { id: s.id, metric: s.metric, labels: { ...s.labels }, kind: s.kind };
}

function safeCall<T>(listener: (info: T) => void, info: T): void {
  try {
    listener(info);
  } catch (error) {
    Logger.error(`listener failed: ${describeError(error)}`, 'storage');
  }
}

/** Cheap structural check of the store's input contract; returns the sample count. */
function checkBatch(batch: IncomingBatch): number {
  if (typeof batch.agentId !== 'string' || batch.agentId === '') throw new StorageInputError('batch.agentId must be a non-empty string');
  if (typeof batch.epoch !== 'string') throw new StorageInputError(`batch.epoch must be a string (agent ${batch.agentId})`);
  if (!Number.isSafeInteger(batch.seq) || batch.seq < 1) throw new StorageInputError(`batch.seq must be a positive integer, got ${batch.seq} (agent ${batch.agentId})`);
  let samples = 0;
  for (let i = 0; i < batch.series.length; i++) {
    const s = batch.series[i]!;
    const where = `batch ${batch.seq} of agent ${batch.agentId}, series[${i}] ${s.metric}`;
    if (s.kind !== 'gauge' && s.kind !== 'counter') throw new StorageInputError(`${where}: kind must be gauge or counter, got ${String(s.kind)}`);
    if (s.timestamps.length !== s.values.length) throw new StorageInputError(`${where}: ${s.timestamps.length} timestamps but ${s.values.length} values`);
    for (let j = 0; j < s.timestamps.length; j++) {
      const t = s.timestamps[j]!;
      if (!Number.isSafeInteger(t) || t < 0) throw new StorageInputError(`${where}: timestamp ${t} is not an integer ms value >= 0`);
      if (!Number.isFinite(s.values[j]!)) throw new StorageInputError(`${where}: value ${s.values[j]} at ${t} is not finite`);
    }
    samples += s.timestamps.length;
  }
  return samples;
}
