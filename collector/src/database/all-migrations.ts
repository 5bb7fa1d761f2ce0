import type { Migration } from './migrations.js';
import { agentsMigrations } from '../agents/agents.migrations.js';

/** Every feature's schema steps, in the order they are applied. */
export const allMigrations: Migration[] = [...agentsMigrations];
