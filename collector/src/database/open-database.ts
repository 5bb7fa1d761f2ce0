import type { Database, Durability } from './database.js';
import { PostgresDatabase } from './postgres-database.js';
import { SqliteDatabase } from './sqlite-database.js';

/** The storage section of collector.yaml, as far as opening the database goes. */
export type DatabaseSettings =
  | { driver: 'sqlite'; path: string; durability?: Durability }
  | { driver: 'postgres'; url: string; poolSize?: number; applicationName?: string };

/** Opens the database the collector runs on: the embedded SQLite file, or a shared PostgreSQL. */
export function openDatabase(settings: DatabaseSettings): Promise<Database> {
  if (settings.driver === 'postgres') {
    return PostgresDatabase.open({
      url: settings.url,
      ...(settings.poolSize !== undefined ? { poolSize: settings.poolSize } : {}),
      ...(settings.applicationName !== undefined ? { applicationName: settings.applicationName } : {}),
    });
  }
  return SqliteDatabase.open({ path: settings.path, ...(settings.durability ? { durability: settings.durability } : {}) });
}
