import type { Migration } from '../database/migrations.js';

export const changesMigrations: Migration[] = [
  {
    id: 'changes/001-changes',
    sql: `
CREATE TABLE changes (
  id TEXT PRIMARY KEY,
  description TEXT NOT NULL DEFAULT '',
  planned_start_ms INTEGER,
  planned_end_ms INTEGER,
  actual_start_ms INTEGER,
  actual_end_ms INTEGER,
  outcome TEXT CHECK (outcome IN ('success', 'failed', 'rolled_back')),
  created_ms INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL
);
CREATE TABLE change_services (
  change_id TEXT NOT NULL REFERENCES changes (id) ON DELETE CASCADE,
  service TEXT NOT NULL,
  PRIMARY KEY (service, change_id)
);
CREATE INDEX changes_start ON changes (COALESCE(actual_start_ms, planned_start_ms));
`,
  },
];
