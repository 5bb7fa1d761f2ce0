import type { Migration } from '../database/migrations.js';

export const agentsMigrations: Migration[] = [
  {
    id: 'agents/001-registry',
    sql: `CREATE TABLE agents (
      id TEXT PRIMARY KEY,
      hostname TEXT NOT NULL,
      version TEXT NOT NULL,
      labels TEXT NOT NULL DEFAULT '{}',
      inventory TEXT NOT NULL DEFAULT '{}',
      interval_ms INTEGER NOT NULL DEFAULT 0,
      first_seen_ms INTEGER NOT NULL,
      last_seen_ms INTEGER NOT NULL,
      spool_pending INTEGER NOT NULL DEFAULT 0,
      spool_dropped INTEGER NOT NULL DEFAULT 0
    )`,
  },
];
