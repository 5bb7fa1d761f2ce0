import type { Database, PreparedWrite, SqlParams, SqlValue, Transaction } from '../database/database.js';
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
 * SQLite parses the JSON on its own thread. `rows` is the JSON's place in the statement.
 */
const FROM_JSON = {
  series: (rows: string) =>
    `INSERT INTO series (id, key, metric, labels, kind, created_ms) SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5 FROM json_each(${rows})`,
  // The single writer's state is authoritative: a late batch filling a hole changes holes, not last_seq.
  seq: (rows: string) =>
    `INSERT INTO stream_seq (agent_id, epoch, last_seq, holes, updated_ms) SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4 FROM json_each(${rows}) WHERE true` +
    ' ON CONFLICT (agent_id, epoch) DO UPDATE SET last_seq = excluded.last_seq, holes = excluded.holes, updated_ms = excluded.updated_ms',
  // Chunk rows with their bytes in hex (unhex runs on SQLite's thread): a compaction step binds one
  // value instead of six per chunk (~40-60 % less of the event loop per chunk written).
  chunk: (rows: string) =>
    `INSERT INTO chunk (id, series_id, start_ts, end_ts, count, data) SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, unhex(value ->> 5) FROM json_each(${rows}) WHERE true` +
    ' ON CONFLICT (id) DO UPDATE SET start_ts = excluded.start_ts, end_ts = excluded.end_ts, count = excluded.count, data = excluded.data',
};

/**
 * A group commit and a compaction step each as one statement (Database.statementTransaction): an INSERT
 * into a view whose INSTEAD OF trigger writes the tables. sqlite3 starts a transaction's next statement
 * from the previous one's callback, on the event loop: under load the loop is busy tens of milliseconds
 * at a time, and four statements (BEGIN, two writes, COMMIT) waited for it four times (issue 14, the
 * paced phase). The log row's bytes stay a bound blob. TEMP objects of the writer's connection, made at
 * each open: they hold no data and leave the file's schema as it was.
 */
const ONE_STATEMENT_WRITES = `
  CREATE TEMP VIEW IF NOT EXISTS group_commit (series, log_id, created_ms, batches, samples, data, seqs) AS SELECT NULL, NULL, NULL, NULL, NULL, NULL, NULL WHERE false;
  CREATE TEMP TRIGGER IF NOT EXISTS group_commit_write INSTEAD OF INSERT ON group_commit BEGIN
    ${FROM_JSON.series('NEW.series')};
    INSERT INTO sample_log (id, created_ms, batches, samples, data) SELECT NEW.log_id, NEW.created_ms, NEW.batches, NEW.samples, NEW.data WHERE NEW.log_id IS NOT NULL;
    ${FROM_JSON.seq('NEW.seqs')};
  END;
  -- A step's series are in chunks up to log row log_id; a round's end instead deletes the log rows up to it and all progress.
  CREATE TEMP VIEW IF NOT EXISTS compaction_step (chunks, log_id, series, round_end) AS SELECT NULL, NULL, NULL, NULL WHERE false;
  CREATE TEMP TRIGGER IF NOT EXISTS compaction_step_write INSTEAD OF INSERT ON compaction_step BEGIN
    ${FROM_JSON.chunk('NEW.chunks')};
    INSERT INTO compaction_progress (series_id, log_id) SELECT value, NEW.log_id FROM json_each(NEW.series) WHERE NOT NEW.round_end
      ON CONFLICT (series_id) DO UPDATE SET log_id = excluded.log_id;
    DELETE FROM sample_log WHERE NEW.round_end AND id <= NEW.log_id;
    DELETE FROM compaction_progress WHERE NEW.round_end;
  END;`;

/** One group commit's rows (groupCommit). */
export interface GroupRows {
  /** New series: [id, key, metric, labels (JSON text), kind, created_ms]. */
  series: ReadonlyArray<readonly [number, string, string, string, string, number]>;
  /** The log row, when the group stored samples. */
  log: { id: number; createdMs: number; batches: number; samples: number; data: Buffer } | undefined;
  /** Stream sequences: [agent_id, epoch, last_seq, holes, updated_ms]. */
  seqs: ReadonlyArray<readonly [string, string, number, string, number]>;
}

export function blob(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Chunk rows as one JSON text: integers and hex digits only, built directly without JSON.stringify's walk. */
function chunkRows(writes: readonly ChunkWrite[]): string {
  const rows = writes.map((w) => `[${w.id},${w.seriesId},${w.startTs},${w.endTs},${w.count},"${blob(w.data).toString('hex')}"]`);
  return `[${rows.join(',')}]`;
}

/** The store's writes: cached prepared statements, multi-row INSERTs. Always inside a transaction, or one (groupCommit, compactionStep). */
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
    return this.run(tx, 'json:chunk', () => FROM_JSON.chunk('?'), [chunkRows(writes)]);
  }

  /** Makes the views of groupCommit and compactionStep on the writer's connection; once per open. */
  static install(db: Database): Promise<void> {
    return db.transaction((tx) => tx.exec(ONE_STATEMENT_WRITES));
  }

  /** A group commit in one statement: new series, the log row, the streams' sequences. */
  groupCommit(db: Database, { series, log, seqs }: GroupRows): Promise<unknown> {
    return db.statementTransaction('INSERT INTO temp.group_commit (series, log_id, created_ms, batches, samples, data, seqs) VALUES (?, ?, ?, ?, ?, ?, ?)', [
      series.length > 0 ? JSON.stringify(series) : null,
      log?.id ?? null,
      log?.createdMs ?? null,
      log?.batches ?? null,
      log?.samples ?? null,
      log?.data ?? null,
      JSON.stringify(seqs),
    ]);
  }

  /**
   * A compaction step in one statement: its chunk rows, and either its series' progress up to log row
   * `logId` or, at a round's end, the deletion of the log rows up to it and of every progress row.
   */
  compactionStep(db: Database, writes: readonly ChunkWrite[], logId: number, seriesIds: readonly number[], roundEnd: boolean): Promise<unknown> {
    return db.statementTransaction('INSERT INTO temp.compaction_step (chunks, log_id, series, round_end) VALUES (?, ?, ?, ?)', [
      writes.length > 0 ? chunkRows(writes) : null,
      logId,
      roundEnd ? null : JSON.stringify(seriesIds),
      roundEnd ? 1 : 0,
    ]);
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
