import type { Migration } from '../database/migrations.js';

export const capacityMigrations: Migration[] = [
  {
    // The latest forecast of every resource, so the API, metrics and `report capacity` have answers
    // right after a restart (and in the CLI, without recomputing when they are fresh).
    id: 'capacity/001-forecasts',
    sql: `CREATE TABLE capacity_forecasts (
      key TEXT PRIMARY KEY,
      host TEXT NOT NULL,
      resource TEXT NOT NULL,
      mountpoint TEXT NOT NULL,
      computed_ms INTEGER NOT NULL,
      entry TEXT NOT NULL
    )`,
  },
];
