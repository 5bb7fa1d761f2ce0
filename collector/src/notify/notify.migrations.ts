import type { Migration } from '../database/migrations.js';

export const notifyMigrations: Migration[] = [
  {
    id: 'notify/001-outbox',
    sql: `
CREATE TABLE notification_outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  notifier TEXT NOT NULL,
  -- Ordering key: entries of one subject and notifier are delivered strictly in id order.
  subject TEXT NOT NULL,
  event TEXT NOT NULL,
  message TEXT NOT NULL,
  idempotency_key TEXT NOT NULL UNIQUE,
  state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed', 'superseded')),
  due_ms INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  last_error TEXT,
  created_ms INTEGER NOT NULL,
  finished_ms INTEGER
);
CREATE INDEX notification_outbox_due ON notification_outbox (due_ms) WHERE state = 'pending';
CREATE INDEX notification_outbox_subject ON notification_outbox (subject, notifier, id);
CREATE INDEX notification_outbox_finished ON notification_outbox (finished_ms) WHERE state <> 'pending';
`,
  },
];
