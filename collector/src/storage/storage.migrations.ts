import type { Migration } from '../database/migrations.js';

export const storageMigrations: Migration[] = [
  {
    id: 'storage/001-series-log-chunks',
    sql: `
      -- Series identity: metric name + labels. key is seriesKey() from @vigil/proto.
      CREATE TABLE series (
        id INTEGER PRIMARY KEY,
        key TEXT NOT NULL UNIQUE,
        metric TEXT NOT NULL,
        labels TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('gauge', 'counter')),
        created_ms INTEGER NOT NULL
      );
      CREATE INDEX series_metric ON series (metric);

      -- Highest stored batch sequence per agent stream epoch: written in the same transaction as
      -- the batch's samples, so a replay after a lost ack is recognised even after a crash.
      CREATE TABLE stream_seq (
        agent_id TEXT NOT NULL,
        epoch TEXT NOT NULL,
        last_seq INTEGER NOT NULL,
        updated_ms INTEGER NOT NULL,
        PRIMARY KEY (agent_id, epoch)
      ) WITHOUT ROWID;

      -- Durable log: one row per group commit (packed series ids, timestamps, values; see
      -- sample-log.ts). Rows are deleted by the compactor in the transaction that writes their
      -- samples to chunks.
      CREATE TABLE sample_log (
        id INTEGER PRIMARY KEY,
        created_ms INTEGER NOT NULL,
        batches INTEGER NOT NULL,
        samples INTEGER NOT NULL,
        data BLOB NOT NULL
      );

      -- Compaction works in rounds over the log rows up to a snapshot id, a few thousand series
      -- per transaction; the round's last transaction deletes those log rows and empties this
      -- table. A row here says: this series' samples in log rows <= log_id are already in chunks
      -- (so a restart in mid-round skips them instead of compacting them twice).
      CREATE TABLE compaction_progress (
        series_id INTEGER PRIMARY KEY,
        log_id INTEGER NOT NULL
      );

      -- Compressed samples of one series (chunk-codec.ts). Ids follow write order: for a timestamp
      -- stored in more than one chunk, the highest id holds the last written value.
      -- No foreign key on series_id: only the store writes here, with ids it resolved, and the
      -- check would cost a lookup on every chunk write.
      CREATE TABLE chunk (
        id INTEGER PRIMARY KEY,
        series_id INTEGER NOT NULL,
        start_ts INTEGER NOT NULL,
        end_ts INTEGER NOT NULL,
        count INTEGER NOT NULL,
        data BLOB NOT NULL
      );
      -- Range queries scan end_ts in [from, to + max span]; start_ts makes the index covering.
      CREATE INDEX chunk_series_end ON chunk (series_id, end_ts, start_ts);
    `,
  },
  {
    id: 'storage/002-stream-seq-holes',
    sql: `
      -- Ranges below last_seq never stored (late batches may still fill them) and the floor below
      -- which they were forgotten, as JSON; '' when there are none (see sequence-window.ts).
      ALTER TABLE stream_seq ADD COLUMN holes TEXT NOT NULL DEFAULT '';
    `,
  },
];
