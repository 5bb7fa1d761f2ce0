// Compaction on PostgreSQL: moves whole log rows (of every collector) into per-series chunks in
// day partitions, one bounded transaction per step. Each step first locks the compaction_state row,
// which serialises compactors and retention across collectors; its generation tells whether
// someone else changed chunks since this process's last step (then the cached heads are dropped).
import type { Clock } from '../../common/clock.js';
import type { Database, SqlValue, Transaction } from '../../database/database.js';
import type { Leadership } from '../../leadership/leadership.js';
import { compactSeries, type ChunkWrite } from '../compaction.js';
import type { CompactionInfo } from '../compactor.js';
import type { HeadCache } from '../head-cache.js';
import { blob, type RowWriter } from '../row-writer.js';
import { decodeLog } from '../sample-log.js';
import { StorageClosedError } from '../storage.errors.js';
import type { StoreConfig } from '../store-options.js';
import { Listeners, storageLog, type StoreCounters } from '../store-stats.js';
import type { WriteLoop } from '../write-loop.js';
import type { LogMirror } from './log-mirror.js';
import { dayOf, ensurePartitions } from './partitions.js';

/** Log rows considered per step (each is one group commit). */
const MAX_ROWS_PER_STEP = 5_000;

export interface PostgresCompactorParts {
  db: Database;
  clock: Clock;
  cfg: StoreConfig;
  mirror: LogMirror;
  heads: HeadCache;
  rows: RowWriter;
  loop: WriteLoop;
  counters: StoreCounters;
  /** Log rows younger than this stay (other collectors follow them); 0 compacts every row. */
  graceMs: number;
  leadership: Leadership | undefined;
}

/** Locks compaction_state; true when nobody else changed chunks since `known`. */
export async function lockChunks(tx: Transaction, known: number): Promise<{ fresh: boolean; generation: number; nextChunkId: number }> {
  const row = await tx.get<{ generation: number; next_chunk_id: number }>('UPDATE compaction_state SET generation = generation + 1 WHERE id = 1 RETURNING generation, next_chunk_id');
  if (!row) throw new Error('compaction_state has no row: the storage-postgres migrations did not run');
  return { fresh: row.generation === known + 1, generation: row.generation, nextChunkId: row.next_chunk_id };
}

export class PostgresCompactor {
  readonly listeners = new Listeners<CompactionInfo>();
  /** compaction_state.generation after this process's last step; -1 when unknown. */
  generation = -1;
  private autoQueued = false;

  constructor(private readonly p: PostgresCompactorParts) {}

  /** Background compaction when the log is big or old enough; only the leader when there is one. */
  maybeCompact(): void {
    const { cfg, mirror, leadership } = this.p;
    if (this.p.loop.closed || !cfg.autoCompaction || this.autoQueued || mirror.rowCount === 0) return;
    if (leadership && !leadership.isLeader()) return;
    const oldest = mirror.oldestCreatedMs ?? Infinity;
    if (mirror.samples < cfg.triggerSamples && this.p.clock.now() - oldest < cfg.maxLogAgeMs) return;
    this.autoQueued = true;
    this.compact()
      .catch((error: unknown) => {
        if (!(error instanceof StorageClosedError)) storageLog.error(`background compaction failed: ${(error as Error).stack ?? String(error)}`);
      })
      .finally(() => (this.autoQueued = false));
  }

  /** Moves every log row older than the grace into chunks, in bounded steps between group commits. */
  compact(): Promise<void> {
    return this.p.loop.enqueue(async () => !(await this.step()));
  }

  /** One step; false when no log row was old enough. Runs on the writer's turn only. */
  async step(): Promise<boolean> {
    const { db, graceMs } = this.p;
    const waiting = await db.get('SELECT 1 AS one FROM sample_log WHERE committed_at < now() - CAST(? AS DOUBLE PRECISION) * interval \'1 millisecond\' LIMIT 1', [graceMs]);
    if (!waiting) return false;
    try {
      await this.compactStep();
    } catch (error) {
      // Heads may have been extended in memory; the database still holds their previous state.
      this.p.heads.clear();
      this.generation = -1;
      this.p.counters.compactionFailures++;
      throw error;
    }
    return true;
  }

  private async compactStep(): Promise<void> {
    const { db, cfg, heads, rows, counters, mirror, graceMs } = this.p;
    const started = performance.now();
    let loaded = started;
    let writing = started;
    const taken: Array<{ writer: string; seq: number }> = [];
    let samples = 0;
    let late = 0;
    let series = 0;
    let writes = 0;
    const generation = await db.transaction(async (tx) => {
      const lock = await lockChunks(tx, this.generation);
      if (!lock.fresh) heads.clear();
      const candidates = await tx.all<{ id: number; samples: number }>(
        "SELECT id, samples FROM sample_log WHERE committed_at < now() - CAST(? AS DOUBLE PRECISION) * interval '1 millisecond' ORDER BY id LIMIT ?",
        [graceMs, MAX_ROWS_PER_STEP],
      );
      const ids: number[] = [];
      for (const c of candidates) {
        if (ids.length > 0 && samples + c.samples > cfg.stepSamples) break;
        ids.push(c.id);
        samples += c.samples;
      }
      const logRows = await tx.all<{ id: number; writer: string; writer_seq: number; data: Buffer }>(
        'SELECT id, writer, writer_seq, data FROM sample_log WHERE id IN (SELECT CAST(value AS BIGINT) FROM jsonb_array_elements_text(CAST(? AS jsonb))) ORDER BY id',
        [JSON.stringify(ids)],
      );
      // Samples per series in log order (write order within a series).
      const bySeries = new Map<number, { timestamps: number[]; values: number[] }>();
      for (const row of logRows) {
        taken.push({ writer: row.writer, seq: row.writer_seq });
        for (const e of decodeLog(row.data)) {
          let s = bySeries.get(e.seriesId);
          if (!s) bySeries.set(e.seriesId, (s = { timestamps: [], values: [] }));
          for (let i = 0; i < e.timestamps.length; i++) {
            s.timestamps.push(e.timestamps[i]!);
            s.values.push(e.values[i]!);
          }
        }
      }
      const seriesIds = [...bySeries.keys()].sort((a, b) => a - b);
      series = seriesIds.length;
      await heads.load(tx, seriesIds, 'postgres');
      loaded = performance.now();
      // Rows of heads about to be extended: deleted and inserted again (end_ts, the partition key, moves).
      const replaced: Array<{ id: number; end_ts: number }> = [];
      const chunkWrites: ChunkWrite[] = [];
      let nextChunkId = lock.nextChunkId;
      for (const seriesId of seriesIds) {
        const head = heads.get(seriesId);
        const before = head && { id: head.id, end_ts: head.encoder.lastTimestamp };
        const s = bySeries.get(seriesId)!;
        const r = compactSeries(seriesId, head, s.timestamps, s.values, cfg.limits, () => nextChunkId++);
        if (before && r.writes.some((w) => w.id === before.id)) replaced.push(before);
        for (const w of r.writes) chunkWrites.push(w);
        late += r.late;
        if (r.head) heads.touch(seriesId, r.head);
      }
      writes = chunkWrites.length;
      writing = performance.now();
      await ensurePartitions(tx, chunkWrites.map((w) => dayOf(w.endTs)));
      if (replaced.length) {
        await tx.run('DELETE FROM chunk c USING jsonb_to_recordset(CAST(? AS jsonb)) AS o(id bigint, end_ts bigint) WHERE c.id = o.id AND c.end_ts = o.end_ts', [JSON.stringify(replaced)]);
      }
      const chunkRows: SqlValue[] = [];
      for (const w of chunkWrites) chunkRows.push(w.id, w.seriesId, w.startTs, w.endTs, w.count, blob(w.data));
      await rows.writeRows(tx, 'chunkInsert', chunkRows);
      await tx.run('DELETE FROM sample_log WHERE id IN (SELECT CAST(value AS BIGINT) FROM jsonb_array_elements_text(CAST(? AS jsonb)))', [JSON.stringify(ids)]);
      await tx.run('UPDATE compaction_state SET next_chunk_id = ? WHERE id = 1', [nextChunkId]);
      return lock.generation;
    });
    const written = performance.now();
    this.generation = generation;
    mirror.drop(taken);
    heads.evict();
    counters.compactions++;
    counters.samplesCompacted += samples;
    counters.lateSamples += late;
    this.listeners.emit({ logRows: taken.length, samples, lateSamples: late, chunkWrites: writes, series, durationMs: written - started, loadMs: loaded - started, writeMs: written - writing });
  }
}
