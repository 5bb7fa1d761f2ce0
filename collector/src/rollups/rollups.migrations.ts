import type { Migration } from '../database/migrations.js';

// One table per tier, keyed by series and bucket start (WITHOUT ROWID: the key is the row, no second
// copy). For counters the aggregated values are per-second rates.
const tierTable = (name: string) => `CREATE TABLE ${name} (
      series_id INTEGER NOT NULL,
      start_ms INTEGER NOT NULL,
      count INTEGER NOT NULL,
      sum REAL NOT NULL,
      min REAL NOT NULL,
      max REAL NOT NULL,
      last REAL NOT NULL,
      last_ms INTEGER NOT NULL,
      PRIMARY KEY (series_id, start_ms)
    ) WITHOUT ROWID`;

export const rollupsMigrations: Migration[] = [
  { id: 'rollups/001-tiers', sql: `${tierTable('rollup_1m')};\n${tierTable('rollup_1h')};` },
];
