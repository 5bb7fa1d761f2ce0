import type { Migration } from '../database/migrations.js';

export const problemsMigrations: Migration[] = [
  {
    id: 'problems/001-problems',
    sql: `
CREATE TABLE problems (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  fingerprint TEXT NOT NULL,
  rule TEXT NOT NULL,
  service TEXT,
  title TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('proposed', 'open', 'resolved', 'closed')),
  known_error INTEGER NOT NULL DEFAULT 0,
  workaround TEXT,
  root_cause TEXT,
  created_ms INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL,
  resolved_ms INTEGER
);
-- One problem under investigation per recurring condition.
CREATE UNIQUE INDEX problems_one_active ON problems (fingerprint) WHERE status IN ('proposed', 'open');
CREATE INDEX problems_created ON problems (created_ms);
`,
  },
];
