// Retention: deletes samples older than a cutoff, in bounded transactions on the writer's turn.
import type { Database } from '../database/database.js';
import { assertTimestamp, decodeChunk, ChunkEncoder, MAX_TIMESTAMP } from './chunk-codec.js';
import { CHUNK_MAX_SPAN_MS, type ChunkWrite } from './compaction.js';
import type { Compactor } from './compactor.js';
import type { HeadCache } from './head-cache.js';
import type { LatestPoints } from './latest-points.js';
import type { PendingLog } from './pending-log.js';
import type { RowWriter } from './row-writer.js';
import type { SeriesCache } from './series-cache.js';
import type { WriteLoop } from './write-loop.js';

export interface RetentionParts {
  db: Database;
  seriesPerStep: number;
  series: SeriesCache;
  pending: PendingLog;
  heads: HeadCache;
  latest: LatestPoints;
  rows: RowWriter;
  loop: WriteLoop;
  compactor: Compactor;
}

export class Retention {
  constructor(private readonly p: RetentionParts) {}

  /**
   * Deletes samples with timestamp < cutoffMs: whole chunks, and the older part of chunks that
   * straddle the cutoff. First compacts the log rows written before the call, so samples stored
   * before it are all covered. Works in bounded transactions between group commits.
   */
  deleteBefore(cutoffMs: number): Promise<number> {
    assertTimestamp(cutoffMs);
    let removed = 0;
    const uptoRowId = this.p.pending.lastRowId;
    let seriesIds: number[] | undefined;
    let at = 0;
    return this.p.loop
      .enqueue(async () => {
        if (await this.p.compactor.step(uptoRowId)) return false;
        seriesIds ??= this.p.series.ids();
        const slice = seriesIds.slice(at, at + this.p.seriesPerStep);
        at += slice.length;
        if (slice.length > 0) removed += await this.deleteStep(slice, cutoffMs);
        return at >= seriesIds.length;
      })
      .then(() => removed);
  }

  private async deleteStep(seriesIds: number[], cutoffMs: number): Promise<number> {
    const list = JSON.stringify(seriesIds);
    let removed = 0;
    // Rows of straddling chunks are rewritten under their own id, so write order is kept.
    const rewrites: ChunkWrite[] = [];
    try {
      await this.p.db.transaction(async (tx) => {
        const gone = await tx.all<{ count: number }>('DELETE FROM chunk WHERE series_id IN (SELECT value FROM json_each(?)) AND end_ts < ? RETURNING count', [list, cutoffMs]);
        for (const row of gone) removed += row.count;
        const straddling = await tx.all<{ id: number; series_id: number; data: Buffer }>(
          'SELECT id, series_id, data FROM chunk WHERE series_id IN (SELECT value FROM json_each(?)) AND end_ts >= ? AND end_ts <= ? AND start_ts < ?',
          [list, cutoffMs, Math.min(cutoffMs + CHUNK_MAX_SPAN_MS, MAX_TIMESTAMP), cutoffMs],
        );
        for (const row of straddling) {
          const { timestamps, values } = decodeChunk(row.data);
          const enc = new ChunkEncoder(row.data.length);
          for (let i = 0; i < timestamps.length; i++) if (timestamps[i]! >= cutoffMs) enc.append(timestamps[i]!, values[i]!);
          removed += timestamps.length - enc.count;
          rewrites.push({ id: row.id, seriesId: row.series_id, startTs: enc.firstTimestamp, endTs: enc.lastTimestamp, count: enc.count, data: enc.bytes() });
        }
        await this.p.rows.writeChunks(tx, rewrites);
      });
    } finally {
      // Cached heads may point at deleted or rewritten rows: reload them when next needed.
      this.p.heads.forget(seriesIds);
    }
    this.p.latest.dropBefore(seriesIds, cutoffMs);
    return removed;
  }
}
