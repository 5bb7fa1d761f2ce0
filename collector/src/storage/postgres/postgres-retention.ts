// Retention on PostgreSQL: day partitions wholly before the cutoff are dropped; in the partition
// holding the cutoff, chunks ending before it are deleted and chunks straddling it rewritten. Each
// step is one transaction holding the compaction_state lock (compactors of other collectors wait).
import type { Database, Transaction } from '../../database/database.js';
import { assertTimestamp, ChunkEncoder, decodeChunk, MAX_TIMESTAMP } from '../chunk-codec.js';
import { CHUNK_MAX_SPAN_MS } from '../compaction.js';
import type { HeadCache } from '../head-cache.js';
import type { LatestPoints } from '../latest-points.js';
import type { WriteLoop } from '../write-loop.js';
import { DAY_MS, partitionDays, partitionName } from './partitions.js';
import { lockChunks, type PostgresCompactor } from './postgres-compactor.js';

/** Chunk rows deleted or rewritten per transaction in the partition holding the cutoff. */
const ROWS_PER_STEP = 20_000;

export interface PostgresRetentionParts {
  db: Database;
  heads: HeadCache;
  latest: LatestPoints;
  loop: WriteLoop;
  compactor: PostgresCompactor;
}

type Step = () => Promise<{ removed: number; done: boolean }>;

export class PostgresRetention {
  constructor(private readonly p: PostgresRetentionParts) {}

  /**
   * Removes samples with timestamp < cutoffMs. Log rows old enough to compact are compacted first;
   * samples in younger rows (the follow grace, seconds) go at the next run.
   */
  deleteBefore(cutoffMs: number): Promise<number> {
    assertTimestamp(cutoffMs);
    let removed = 0;
    let compacting = true;
    const steps: Step[] = [() => this.dropDays(cutoffMs), () => this.deleteEnded(cutoffMs), () => this.rewriteStraddling(cutoffMs)];
    return this.p.loop
      .enqueue(async () => {
        if (compacting && (await this.p.compactor.step())) return false;
        compacting = false;
        const r = await steps[0]!();
        removed += r.removed;
        if (r.done) steps.shift();
        return steps.length === 0;
      })
      .then(() => {
        this.p.latest.dropAllBefore(cutoffMs);
        return removed;
      });
  }

  /** Runs `work` holding the chunks lock; cached heads are dropped (rows may have changed). */
  private async locked<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
    const { db, heads, compactor } = this.p;
    try {
      return await db.transaction(async (tx) => {
        const lock = await lockChunks(tx, compactor.generation);
        const result = await work(tx);
        compactor.generation = lock.generation;
        return result;
      });
    } catch (error) {
      compactor.generation = -1;
      throw error;
    } finally {
      heads.clear();
    }
  }

  /** Drops the oldest day partition that ends at or before the cutoff. */
  private dropDays(cutoffMs: number): ReturnType<Step> {
    return this.locked(async (tx) => {
      const days = (await partitionDays(tx)).filter((day) => (day + 1) * DAY_MS <= cutoffMs);
      if (days.length === 0) return { removed: 0, done: true };
      const name = partitionName(days[0]!);
      const row = await tx.get<{ n: number | null }>(`SELECT sum(count) AS n FROM ${name}`);
      await tx.exec(`DROP TABLE ${name}`);
      return { removed: row?.n ?? 0, done: days.length === 1 };
    });
  }

  /** Deletes chunks that end before the cutoff (all in the cutoff's partition by now). */
  private deleteEnded(cutoffMs: number): ReturnType<Step> {
    return this.locked(async (tx) => {
      const gone = await tx.all<{ count: number }>(
        'DELETE FROM chunk WHERE (id, end_ts) IN (SELECT id, end_ts FROM chunk WHERE end_ts < ? LIMIT ?) RETURNING count',
        [cutoffMs, ROWS_PER_STEP],
      );
      return { removed: gone.reduce((n, r) => n + r.count, 0), done: gone.length < ROWS_PER_STEP };
    });
  }

  /** Rewrites chunks that start before the cutoff and end at or after it, keeping id and end_ts. */
  private rewriteStraddling(cutoffMs: number): ReturnType<Step> {
    return this.locked(async (tx) => {
      const rows = await tx.all<{ id: number; end_ts: number; data: Buffer }>(
        'SELECT id, end_ts, data FROM chunk WHERE end_ts >= ? AND end_ts <= ? AND start_ts < ? LIMIT ?',
        [cutoffMs, Math.min(cutoffMs + CHUNK_MAX_SPAN_MS, MAX_TIMESTAMP), cutoffMs, ROWS_PER_STEP],
      );
      let removed = 0;
      const updates: Array<{ id: number; end_ts: number; start_ts: number; count: number; data: string }> = [];
      for (const row of rows) {
        const { timestamps, values } = decodeChunk(row.data);
        const enc = new ChunkEncoder(row.data.length);
        for (let i = 0; i < timestamps.length; i++) if (timestamps[i]! >= cutoffMs) enc.append(timestamps[i]!, values[i]!);
        removed += timestamps.length - enc.count;
        updates.push({ id: row.id, end_ts: row.end_ts, start_ts: enc.firstTimestamp, count: enc.count, data: Buffer.from(enc.bytes()).toString('base64') });
      }
      if (updates.length) {
        await tx.run(
          `UPDATE chunk c SET start_ts = u.start_ts, count = u.count, data = decode(u.data, 'base64')
            FROM jsonb_to_recordset(CAST(? AS jsonb)) AS u(id bigint, end_ts bigint, start_ts bigint, count integer, data text)
            WHERE c.id = u.id AND c.end_ts = u.end_ts`,
          [JSON.stringify(updates)],
        );
      }
      return { removed, done: rows.length < ROWS_PER_STEP };
    });
  }
}
