import type { Migration } from '../database/migrations.js';

export const slaMigrations: Migration[] = [
  {
    id: 'sla/001-minute-states',
    sql: `
      -- One row per service and UTC day: 1440-bit good/bad bitmaps (little-endian 32-bit words);
      -- latency = deflated little-endian uint16 good[1440] then total[1440], only with a latency objective.
      CREATE TABLE sla_service_days (
        service_id TEXT NOT NULL,
        day INTEGER NOT NULL,
        good BLOB NOT NULL,
        bad BLOB NOT NULL,
        latency BLOB,
        updated_ms INTEGER NOT NULL,
        PRIMARY KEY (service_id, day)
      ) WITHOUT ROWID;
      CREATE INDEX sla_service_days_day ON sla_service_days (day);
      CREATE TABLE sla_probe_seen (
        service_id TEXT NOT NULL,
        probe TEXT NOT NULL,
        first_ms INTEGER NOT NULL,
        last_ms INTEGER NOT NULL,
        PRIMARY KEY (service_id, probe)
      ) WITHOUT ROWID;
      -- Minutes to re-read from raw samples (late data); survives a restart.
      CREATE TABLE sla_rebuild_queue (
        service_id TEXT NOT NULL,
        day INTEGER NOT NULL,
        from_minute INTEGER NOT NULL,
        to_minute INTEGER NOT NULL,
        PRIMARY KEY (service_id, day)
      ) WITHOUT ROWID;
      CREATE TABLE sla_state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    `,
  },
  {
    id: 'sla/002-catalogue',
    sql: `
      CREATE TABLE sla_services (
        id TEXT PRIMARY KEY,
        definition TEXT NOT NULL,
        created_ms INTEGER NOT NULL,
        updated_ms INTEGER NOT NULL,
        created_by TEXT
      );
      CREATE TABLE sla_maintenance (
        id TEXT PRIMARY KEY,
        definition TEXT NOT NULL,
        retroactive INTEGER NOT NULL,
        created_ms INTEGER NOT NULL,
        updated_ms INTEGER NOT NULL,
        created_by TEXT
      );
      -- Who changed the catalogue or a maintenance window, when and why (ISO/IEC 20000 evidence).
      CREATE TABLE sla_audit (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        entity TEXT NOT NULL,
        entity_id TEXT NOT NULL,
        action TEXT NOT NULL,
        actor TEXT,
        token TEXT,
        at_ms INTEGER NOT NULL,
        reason TEXT,
        retroactive INTEGER NOT NULL DEFAULT 0,
        definition TEXT
      );
      CREATE INDEX sla_audit_entity ON sla_audit (entity, entity_id, seq);
    `,
  },
  {
    id: 'sla/003-event-counts',
    sql: `
      -- SLIs on metrics: deflated little-endian float64 good[1440] then total[1440] events per minute.
      ALTER TABLE sla_service_days ADD COLUMN events BLOB;
    `,
  },
  {
    id: 'sla/004-days-by-flush-stamp',
    sql: `
      -- Followers (several collectors on one database) read the days the leader flushed since a stamp.
      CREATE INDEX sla_service_days_updated ON sla_service_days (updated_ms);
    `,
  },
];
