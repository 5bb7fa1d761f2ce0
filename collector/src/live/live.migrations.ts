import type { Migration } from '../database/migrations.js';

export const liveMigrations: Migration[] = [
  {
    // Live messages too large for a PostgreSQL NOTIFY (8000 bytes): peers read them here by id.
    // Rows are kept a minute (the relay deletes older ones as it adds). Unused on SQLite.
    id: 'live/001-relay',
    sql: `CREATE TABLE live_relay (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      at_ms INTEGER NOT NULL,
      payload TEXT NOT NULL
    )`,
  },
];
