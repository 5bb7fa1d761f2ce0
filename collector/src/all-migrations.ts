import type { Migration } from './database/migrations.js';
import { agentsMigrations } from './agents/agents.migrations.js';
import { capacityMigrations } from './capacity/capacity.migrations.js';
import { incidentsAllMigrations } from './incidents/incidents.migrations.js';
import { rollupsMigrations } from './rollups/rollups.migrations.js';
import { slaMigrations } from './sla/sla.migrations.js';
import { liveMigrations } from './live/live.migrations.js';
import { leadershipMigrations } from './leadership/leadership.migrations.js';
import { remoteWriteMigrations } from './remote-write/remote-write.migrations.js';

/**
 * App level on purpose: the database module stays generic, this list is what knows every feature.
 * Every feature's schema steps, in the order they are applied. The sample store applies its own
 * (storage.migrations.ts) when it opens, since another backend would keep samples elsewhere.
 */
export const allMigrations: Migration[] = [...agentsMigrations, ...slaMigrations, ...incidentsAllMigrations, ...rollupsMigrations, ...capacityMigrations, ...remoteWriteMigrations, ...leadershipMigrations, ...liveMigrations];
