import type { Migration } from '../database/migrations.js';
import { changesMigrations } from '../changes/changes.migrations.js';
import { problemsMigrations } from '../problems/problems.migrations.js';
import { notifyMigrations } from '../notify/notify.migrations.js';

export const incidentsMigrations: Migration[] = [
  {
    id: 'incidents/001-incidents',
    sql: `
CREATE TABLE incidents (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  fingerprint TEXT NOT NULL,
  rule TEXT NOT NULL,
  severity TEXT NOT NULL,
  service TEXT,
  title TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  labels TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('open', 'acknowledged', 'resolved', 'closed', 'suppressed')),
  value REAL,
  -- When the condition began (first breaching sample), and when Vigil opened the incident.
  started_ms INTEGER NOT NULL,
  opened_ms INTEGER NOT NULL,
  acknowledged_ms INTEGER,
  acknowledged_by TEXT,
  resolved_ms INTEGER,
  resolved_by TEXT,
  closed_ms INTEGER,
  reopen_count INTEGER NOT NULL DEFAULT 0,
  suppressed_by TEXT,
  flapping INTEGER NOT NULL DEFAULT 0,
  flap_changes TEXT NOT NULL DEFAULT '[]',
  -- Last event handed to notifiers, a per-incident sequence for idempotency keys, and when.
  notified TEXT,
  notify_seq INTEGER NOT NULL DEFAULT 0,
  last_notified_ms INTEGER,
  change_id TEXT REFERENCES changes (id),
  problem_id INTEGER REFERENCES problems (id)
);
-- Never two active incidents for one condition, whatever the application does.
CREATE UNIQUE INDEX incidents_one_active ON incidents (fingerprint) WHERE state IN ('open', 'acknowledged', 'suppressed');
CREATE INDEX incidents_fingerprint ON incidents (fingerprint, id);
CREATE INDEX incidents_state ON incidents (state);
CREATE INDEX incidents_opened ON incidents (opened_ms);
CREATE INDEX incidents_service ON incidents (service, opened_ms);
CREATE INDEX incidents_change ON incidents (change_id) WHERE change_id IS NOT NULL;
CREATE INDEX incidents_problem ON incidents (problem_id) WHERE problem_id IS NOT NULL;

CREATE TABLE incident_events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  incident_id INTEGER NOT NULL REFERENCES incidents (id),
  at_ms INTEGER NOT NULL,
  type TEXT NOT NULL,
  actor TEXT,
  detail TEXT
);
CREATE INDEX incident_events_incident ON incident_events (incident_id, id);
CREATE INDEX incident_events_type_time ON incident_events (type, at_ms);
`,
  },
];

/** Every table of incident, change, problem and notification management, in dependency order. */
export const incidentsAllMigrations: Migration[] = [...changesMigrations, ...problemsMigrations, ...incidentsMigrations, ...notifyMigrations];
