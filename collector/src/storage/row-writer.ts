import type { PreparedWrite, SqlParams, SqlValue, Transaction } from '../database/database.js';
import type { ChunkWrite } from './compaction.js';

const ROWS_PER_STATEMENT = 400;

const SQL = {
  // PostgreSQL: chunk is partitioned by end_ts, so a rewritten chunk is deleted and inserted again.
  chunkInsert: { head: 'INSERT INTO chunk (id, series_id, start_ts, end_ts, count, data) VALUES ', cols: 6, tail: '' },
} as const;
export type RowKind = keyof typeof SQL;

/**
 * Upserts whose rows come in one JSON parameter (SQLite): one bound value instead of one per column.
 * Binding is the costly part of a statement on the event loop (sqlite3 converts every value there);
 * SQLite parses the JSON on its own thread.
 */
const FROM_JSON = {
  series: 'INSERT INTO series (id, key, metric, labels, kind, created_ms) SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5 FROM json_each(?)',
  // The single writer's state is authoritative: a late batch filling a hole changes holes, not last_seq.
  seq:
    'INSERT INTO stream_seq (agent_id, epoch, last_seq, holes, updated_ms) SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4 FROM json_each(?) WHERE true' +
    ' ON CONFLICT (agent_id, epoch) DO UPDATE SET last_seq = excluded.last_seq, holes = excluded.holes, updated_ms = excluded.updated_ms',
  // Chunk rows with their bytes in hex (unhex runs on SQLite's thread): a compaction step binds one
  // value instead of six per chunk (~40-60 % less of the event loop per chunk written).
  chunk:
    'INSERT INTO chunk (id, series_id, start_ts, end_ts, count, data) SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, unhex(value ->> 5) FROM json_each(?) WHERE true' +
    ' ON CONFLICT (id) DO UPDATE SET start_ts = excluded.start_ts, end_ts = excluded.end_ts, count = excluded.count, data = excluded.data',
  // Every series of one compaction step, done up to one log row id.
  progress: 'INSERT INTO compaction_progress (series_id, log_id) SELECT value, ? FROM json_each(?) WHERE true ON CONFLICT (series_id) DO UPDATE SET log_id = excluded.log_id',
} as const;

export function blob(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** The store's writes: cached prepared statements, multi-row INSERTs. Always inside a transaction. */
export class RowWriter {
  private readonly statements = new Map<string, PreparedWrite>();

  /** Multi-row INSERTs: one statement per few hundred rows instead of one per row. */
  async writeRows(tx: Transaction, kind: RowKind, values: SqlValue[]): Promise<void> {
    const { head, cols, tail } = SQL[kind];
    const total = values.length / cols;
    for (let at = 0; at < total; at += ROWS_PER_STATEMENT) {
      const n = Math.min(ROWS_PER_STATEMENT, total - at);
      const params = at === 0 && n === total ? values : values.slice(at * cols, (at + n) * cols);
      await this.run(tx, `${kind}:${n}`, () => head + new Array<string>(n).fill(`(${new Array<string>(cols).fill('?').join(', ')})`).join(', ') + tail, params);
    }
  }

  /** Inserts or replaces chunk rows (SQLite). */
  writeChunks(tx: Transaction, writes: readonly ChunkWrite[]): Promise<unknown> {
    if (writes.length === 0) return Promise.resolve();
    // Integers and hex digits only: the JSON text is built directly, without JSON.stringify's walk.
    const rows = writes.map((w) => `[${w.id},${w.seriesId},${w.startTs},${w.endTs},${w.count},"${blob(w.data).toString('hex')}"]`);
    return this.run(tx, 'json:chunk', () => FROM_JSON.chunk, [`[${rows.join(',')}]`]);
  }

  /** New series: rows [id, key, metric, labels (JSON text), kind, created_ms]. */
  writeSeries(tx: Transaction, rows: ReadonlyArray<readonly [number, string, string, string, string, number]>): Promise<unknown> {
    return this.run(tx, 'json:series', () => FROM_JSON.series, [JSON.stringify(rows)]);
  }

  /** Stream sequences: rows [agent_id, epoch, last_seq, holes, updated_ms]. */
  writeSequences(tx: Transaction, rows: ReadonlyArray<readonly [string, string, number, string, number]>): Promise<unknown> {
    return this.run(tx, 'json:seq', () => FROM_JSON.seq, [JSON.stringify(rows)]);
  }

  /** Compaction progress: these series are in chunks up to log row `logId`. */
  writeProgress(tx: Transaction, logId: number, seriesIds: readonly number[]): Promise<unknown> {
    return this.run(tx, 'json:progress', () => FROM_JSON.progress, [logId, JSON.stringify(seriesIds)]);
  }

  /** Runs the statement cached under `name`, preparing `sql()` the first time. */
  run(tx: Transaction, name: string, sql: () => string, params: SqlParams = []): Promise<unknown> {
    let stmt = this.statements.get(name);
    if (!stmt) {
      stmt = tx.prepare(sql());
      this.statements.set(name, stmt);
    }
    return tx.run(stmt, params);
  }

  async finalize(): Promise<void> {
    for (const stmt of this.statements.values()) await stmt.finalize();
    this.statements.clear();
  }
}
