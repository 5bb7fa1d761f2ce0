// Running one spec on both storage engines: `describe.each(engines('my spec'))('…on $name', ({ open }) => …)`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Database } from '../../collector/src/database/database.js';
import { PostgresDatabase } from '../../collector/src/database/postgres-database.js';
import { SqliteDatabase } from '../../collector/src/database/sqlite-database.js';
import { createPostgresDatabase, postgresServerUrl } from './postgres.js';

/** A fresh, empty database of one engine; reopen() opens the same data again (a restart). */
export interface EngineDatabase {
  db: Database;
  reopen(): Promise<Database>;
  /** Closes what is still open and removes the data. */
  dispose(): Promise<void>;
}

export interface Engine {
  name: 'sqlite' | 'postgres';
  open(): Promise<EngineDatabase>;
}

export const sqliteEngine: Engine = {
  name: 'sqlite',
  async open() {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-engine-'));
    const path = join(dir, 'vigil.db');
    const opened: Database[] = [await SqliteDatabase.open({ path })];
    return {
      db: opened[0]!,
      async reopen() {
        const db = await SqliteDatabase.open({ path });
        opened.push(db);
        return db;
      },
      async dispose() {
        await Promise.all(opened.map((db) => db.close().catch(() => undefined)));
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};

/** PostgreSQL, where the run's server is available (else the spec prints SKIPPED, or fails under CI). */
export function postgresEngine(spec: string): Engine | undefined {
  const serverUrl = postgresServerUrl(spec);
  if (!serverUrl) return undefined;
  return {
    name: 'postgres',
    async open() {
      const database = await createPostgresDatabase(serverUrl);
      const opened: Database[] = [await PostgresDatabase.open({ url: database.url })];
      return {
        db: opened[0]!,
        async reopen() {
          const db = await PostgresDatabase.open({ url: database.url });
          opened.push(db);
          return db;
        },
        async dispose() {
          await Promise.all(opened.map((db) => db.close().catch(() => undefined)));
          await database.drop();
        },
      };
    },
  };
}

/** SQLite always; PostgreSQL when available. */
export function engines(spec: string): Engine[] {
  const postgres = postgresEngine(spec);
  return postgres ? [sqliteEngine, postgres] : [sqliteEngine];
}
