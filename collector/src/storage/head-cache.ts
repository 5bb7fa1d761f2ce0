import type { DialectName, SqlReader } from '../database/database.js';
import { ChunkEncoder } from './chunk-codec.js';
import type { HeadChunk } from './compaction.js';

const ID_LIST_CHUNK = 500;

// The head chunk of each listed series: greatest end timestamp, the newest on a tie.
const HEADS_SQL: Record<DialectName, string> = {
  sqlite: `SELECT j.value AS series_id, c.id AS id, c.data AS data FROM json_each(?) j
    JOIN chunk c ON c.id = (SELECT id FROM chunk WHERE series_id = j.value ORDER BY end_ts DESC, id DESC LIMIT 1)`,
  // The chunk table is partitioned by end_ts: an id is unique only with its end_ts.
  postgres: `SELECT CAST(j.value AS BIGINT) AS series_id, c.id AS id, c.data AS data FROM jsonb_array_elements_text(CAST(? AS jsonb)) j
    CROSS JOIN LATERAL (SELECT id, data FROM chunk WHERE series_id = CAST(j.value AS BIGINT) ORDER BY end_ts DESC, id DESC LIMIT 1) c`,
};

/** Reads the head chunk of each listed series, a few hundred series per query. */
export async function forEachHeadChunk(
  db: SqlReader,
  seriesIds: readonly number[],
  visit: (row: { series_id: number; id: number; data: Buffer }) => void,
  dialect: DialectName = 'sqlite',
): Promise<void> {
  for (let i = 0; i < seriesIds.length; i += ID_LIST_CHUNK) {
    for (const row of await db.all<{ series_id: number; id: number; data: Buffer }>(HEADS_SQL[dialect], [JSON.stringify(seriesIds.slice(i, i + ID_LIST_CHUNK))])) visit(row);
  }
}

/**
 * Head chunks kept ready for appending, least recently used first (Map insertion order). Each is held
 * parked (ChunkEncoder.park: the encoder's state and bytes in one typed array, the chunk id in slot 0),
 * ~680 → ~200 bytes a head, and unparked into a new encoder when a compaction step asks for it.
 */
export class HeadCache {
  private readonly heads = new Map<number, Float64Array>();

  constructor(private readonly maxCached: number) {}

  get size(): number {
    return this.heads.size;
  }

  /** The series' head as a new encoder: changing it changes the cache only through touch(). */
  get(seriesId: number): HeadChunk | undefined {
    const parked = this.heads.get(seriesId);
    return parked ? { id: parked[0]!, encoder: ChunkEncoder.unpark(parked) } : undefined;
  }

  /** Loads the heads of the listed series not cached yet. */
  async load(db: SqlReader, seriesIds: readonly number[], dialect: DialectName = 'sqlite'): Promise<void> {
    const missing = seriesIds.filter((id) => !this.heads.has(id));
    await forEachHeadChunk(db, missing, (row) => this.heads.set(row.series_id, ChunkEncoder.resume(row.data).park(row.id)), dialect);
  }

  /** Forgets every head (another collector may have changed chunks). */
  clear(): void {
    this.heads.clear();
  }

  touch(seriesId: number, head: HeadChunk): void {
    this.heads.delete(seriesId);
    this.heads.set(seriesId, head.encoder.park(head.id));
  }
  /** Forgets heads whose rows may have changed: they are reloaded when next needed. */
  forget(seriesIds: readonly number[]): void {
    for (const id of seriesIds) this.heads.delete(id);
  }

  evict(): void {
    const excess = this.heads.size - this.maxCached;
    if (excess <= 0) return;
    let n = 0;
    for (const id of this.heads.keys()) {
      if (n++ >= excess) break;
      this.heads.delete(id);
    }
  }
}
