import { Inject, Injectable } from '@nestjs/common';
import { DATABASE } from '../common/tokens.js';
import type { Database, DialectName, ReadConnection, SqlReader, Transaction } from '../database/database.js';

/** Where a target stands in the journal: every sample before it was sent (or dropped and counted). */
export interface JournalPosition {
  seq: number;
  /** Samples of row `seq` already sent, in the row's entry order. */
  offset: number;
}

export interface JournalRow {
  seq: number;
  /** When the group commit that stored these samples ran (collector clock). */
  createdMs: number;
  samples: number;
  /** The sample_log row's bytes (storage/sample-log.ts format). */
  data: Buffer;
}

export interface Backlog {
  /** Journal rows from the position on, and their samples (the partly sent row counted whole). */
  rows: number;
  samples: number;
  /** Commit time of the oldest of them, undefined when there is none. */
  oldestCreatedMs: number | undefined;
}

/**
 * Journal (both engines): AFTER INSERT on sample_log records the row's place in storage order; AFTER DELETE
 * (compaction) copies the row's bytes into its journal entry while some target still needs them.
 * Both run inside the store's own transactions, so the journal is exactly as durable as the log.
 * The append trigger does nothing while no target is configured.
 */
const JOURNAL_TRIGGERS: Record<DialectName, string> = {
  sqlite: `
  CREATE TRIGGER IF NOT EXISTS remote_write_journal_append AFTER INSERT ON sample_log
  WHEN EXISTS (SELECT 1 FROM remote_write_target)
  BEGIN
    INSERT INTO remote_write_journal (log_id, created_ms, samples) VALUES (NEW.id, NEW.created_ms, NEW.samples);
  END;
  CREATE TRIGGER IF NOT EXISTS remote_write_journal_keep AFTER DELETE ON sample_log
  BEGIN
    UPDATE remote_write_journal SET data = OLD.data WHERE log_id = OLD.id AND data IS NULL;
  END;
`,
  // The same on PostgreSQL, where collectors commit concurrently: the append trigger holds the
  // remote_write_order row until COMMIT before it takes a seq, so seqs follow commit order.
  postgres: `
  CREATE OR REPLACE FUNCTION remote_write_journal_append() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    IF EXISTS (SELECT 1 FROM remote_write_target) THEN
      PERFORM 1 FROM remote_write_order WHERE id = 1 FOR UPDATE;
      INSERT INTO remote_write_journal (log_id, created_ms, samples) VALUES (NEW.id, NEW.created_ms, NEW.samples);
    END IF;
    RETURN NULL;
  END $$;
  CREATE OR REPLACE FUNCTION remote_write_journal_keep() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    UPDATE remote_write_journal SET data = OLD.data WHERE log_id = OLD.id AND data IS NULL;
    RETURN NULL;
  END $$;
  CREATE OR REPLACE TRIGGER remote_write_journal_append AFTER INSERT ON sample_log FOR EACH ROW EXECUTE FUNCTION remote_write_journal_append();
  CREATE OR REPLACE TRIGGER remote_write_journal_keep AFTER DELETE ON sample_log FOR EACH ROW EXECUTE FUNCTION remote_write_journal_keep();
`,
};

/** Deletes the journal rows every target has passed (all of them when no target is left). */
const PRUNE = 'DELETE FROM remote_write_journal WHERE seq < (SELECT coalesce(min(next_seq), 9223372036854775807) FROM remote_write_target)';

/** SQL of remote write's cursors and journal, nothing else. */
@Injectable()
export class RemoteWriteRepository {
  /** Reads of the journal go through a read-only connection: the writer's may be inside a transaction that rolls back. */
  private reader: SqlReader;
  private ownReader: ReadConnection | undefined;

  constructor(@Inject(DATABASE) private readonly db: Database) {
    this.reader = db;
  }

  /** Opens the read connection (none for an in-memory database, whose only connection is the writer). */
  async open(): Promise<void> {
    if (this.ownReader) return;
    this.ownReader = await this.db.openReader();
    this.reader = this.ownReader ?? this.db;
  }

  async close(): Promise<void> {
    const reader = this.ownReader;
    this.ownReader = undefined;
    this.reader = this.db;
    await reader?.close();
  }

  /**
   * Makes the cursors match the configured targets, in one transaction: installs the journal
   * triggers, forgets targets no longer configured, and starts each new target at the oldest row
   * still in sample_log (when no target existed, the rows already in the log are journaled first).
   * Returns every configured target's position.
   */
  syncTargets(names: readonly string[], nowMs: number): Promise<Map<string, JournalPosition>> {
    return this.db.transaction(async (tx) => {
      if (names.length > 0) await tx.exec(JOURNAL_TRIGGERS[tx.dialect]);
      const placeholders = names.map(() => '?').join(', ');
      await tx.run(names.length ? `DELETE FROM remote_write_target WHERE name NOT IN (${placeholders})` : 'DELETE FROM remote_write_target', names);
      await tx.run(PRUNE);
      if (names.length === 0) return new Map();
      const existing = await tx.get<{ n: number }>('SELECT count(*) AS n FROM remote_write_target');
      if (!existing?.n) {
        if (tx.dialect === 'postgres') await tx.get('SELECT id FROM remote_write_order WHERE id = 1 FOR UPDATE');
        await tx.run('INSERT INTO remote_write_journal (log_id, created_ms, samples) SELECT id, created_ms, samples FROM sample_log ORDER BY id');
      }
      const start = await this.startOfLog(tx);
      for (const name of names) {
        await tx.run('INSERT INTO remote_write_target (name, next_seq, next_offset, updated_ms) VALUES (?, ?, 0, ?) ON CONFLICT (name) DO NOTHING', [name, start, nowMs]);
      }
      const rows = await tx.all<{ name: string; next_seq: number; next_offset: number }>('SELECT name, next_seq, next_offset FROM remote_write_target');
      return new Map(rows.map((r) => [r.name, { seq: r.next_seq, offset: r.next_offset }]));
    });
  }

  /** The first journal row still in sample_log, else the seq the next row will get. */
  private async startOfLog(tx: Transaction): Promise<number> {
    const inLog = await tx.get<{ seq: number | null }>('SELECT min(seq) AS seq FROM remote_write_journal WHERE data IS NULL');
    if (inLog?.seq != null) return inLog.seq;
    // PostgreSQL: a start at or below the next seq is enough (a target reads the first row at or after it).
    if (tx.dialect === 'postgres') return ((await tx.get<{ seq: number | null }>('SELECT max(seq) AS seq FROM remote_write_journal'))?.seq ?? 0) + 1;
    const last = await tx.get<{ seq: number | null }>("SELECT max(seq) AS seq FROM (SELECT max(seq) AS seq FROM remote_write_journal UNION ALL SELECT seq FROM sqlite_sequence WHERE name = 'remote_write_journal')");
    return (last?.seq ?? 0) + 1;
  }

  /** The first journal row at or after `seq`, with its samples (from sample_log or the copy). */
  async rowAt(seq: number): Promise<JournalRow | undefined> {
    const row = await this.reader.get<{ seq: number; created_ms: number; samples: number; data: Buffer | null }>(
      `SELECT j.seq, j.created_ms, j.samples, coalesce(j.data, l.data) AS data
         FROM remote_write_journal j LEFT JOIN sample_log l ON j.data IS NULL AND l.id = j.log_id
        WHERE j.seq >= ? ORDER BY j.seq LIMIT 1`,
      [seq],
    );
    if (!row) return undefined;
    // Both tables are read in one statement (one snapshot): a row leaves the log only with its copy.
    if (!row.data) throw new Error(`remote-write journal row ${row.seq}: samples neither in sample_log nor copied`);
    return { seq: row.seq, createdMs: row.created_ms, samples: row.samples, data: row.data };
  }

  async backlog(fromSeq: number): Promise<Backlog> {
    const row = await this.reader.get<{ rows: number; samples: number; oldest: number | null }>(
      'SELECT count(*) AS rows, coalesce(sum(samples), 0) AS samples, min(created_ms) AS oldest FROM remote_write_journal WHERE seq >= ?',
      [fromSeq],
    );
    return { rows: row?.rows ?? 0, samples: row?.samples ?? 0, oldestCreatedMs: row?.oldest ?? undefined };
  }

  /** Sizes of the journal rows from `fromSeq` on, oldest first (to cut a backlog over its limit). */
  rowSizes(fromSeq: number): Promise<Array<{ seq: number; samples: number }>> {
    return this.reader.all('SELECT seq, samples FROM remote_write_journal WHERE seq >= ? ORDER BY seq', [fromSeq]);
  }

  /** Moves a target's cursor and deletes the journal rows no target needs any more. */
  saveCursor(name: string, position: JournalPosition, nowMs: number): Promise<void> {
    return this.db.transaction(async (tx) => {
      await tx.run('UPDATE remote_write_target SET next_seq = ?, next_offset = ?, updated_ms = ? WHERE name = ?', [position.seq, position.offset, nowMs, name]);
      if (position.offset === 0) await tx.run(PRUNE);
    });
  }
}
