import type { Migration } from '../database/migrations.js';

// The journal's triggers on sample_log are installed by RemoteWriteRepository.installJournal at
// start, not here: these migrations run before the sample store creates sample_log.
export const remoteWriteMigrations: Migration[] = [
  {
    id: 'remote-write/001-targets-journal',
    sql: `
      -- One cursor per configured target: every sample before (next_seq, next_offset) in journal
      -- order is acknowledged by the receiver (or dropped and counted). Moved only after the answer.
      CREATE TABLE remote_write_target (
        name TEXT PRIMARY KEY,
        next_seq INTEGER NOT NULL,
        next_offset INTEGER NOT NULL,
        updated_ms INTEGER NOT NULL
      ) WITHOUT ROWID;

      -- The order in which samples were stored, as seen by remote write: one row per sample_log row
      -- (a group commit), numbered by seq, which only grows (log ids restart after a restart with an
      -- empty log; seq does not). data is NULL while the row is still in sample_log and receives a
      -- copy of the row when compaction deletes it before every target sent it. Rows every target
      -- has passed are deleted.
      CREATE TABLE remote_write_journal (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        log_id INTEGER NOT NULL,
        created_ms INTEGER NOT NULL,
        samples INTEGER NOT NULL,
        data BLOB
      );
      CREATE INDEX remote_write_journal_in_log ON remote_write_journal (log_id) WHERE data IS NULL;
    `,
  },
  {
    id: 'remote-write/002-journal-order',
    sql: `-- SQLite has one writer: journal rows are numbered in commit order anyway.`,
    // Several collectors commit log rows concurrently: the journal trigger locks this row before it
    // takes a seq, so seqs are handed out in commit order (a sender never passes a row that
    // commits later with a lower seq).
    postgres: `
      CREATE TABLE remote_write_order (id INTEGER PRIMARY KEY CHECK (id = 1));
      INSERT INTO remote_write_order (id) VALUES (1);
    `,
  },
];
