import type { Migration } from '../database/migrations.js';

export const leadershipMigrations: Migration[] = [
  {
    // One row per election: the newest term, who holds it and since when (fencing reads it).
    id: 'leadership/001-terms',
    sql: `CREATE TABLE leadership (
      scope TEXT PRIMARY KEY,
      term INTEGER NOT NULL,
      holder TEXT NOT NULL,
      since_ms INTEGER NOT NULL
    )`,
  },
];
