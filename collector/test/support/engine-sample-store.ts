// The raw sample store of a spec that runs on both engines (test/support/engines.ts).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Database } from '../../src/database/database.js';
import { SqliteDatabase } from '../../src/database/sqlite-database.js';
import { SqliteSampleStore, type SqliteSampleStoreOptions } from '../../src/storage/sqlite-sample-store.js';

export interface EngineSampleStore {
  store: SqliteSampleStore;
  /** Closes the store (again: closing twice is safe) and removes what dispose owns. */
  dispose(): Promise<void>;
}

/**
 * On SQLite, the store in `db` itself, as the collector runs it. On PostgreSQL, a SqliteSampleStore
 * on a separate temporary SQLite file beside the PostgreSQL database of every other table: the
 * PostgreSQL sample store is not on main yet. When it lands, the PostgreSQL case opens it on `db`.
 */
export async function openEngineSampleStore(db: Database, options: SqliteSampleStoreOptions = {}): Promise<EngineSampleStore> {
  if (db.dialect === 'sqlite') {
    const store = await SqliteSampleStore.open(db, options);
    return { store, dispose: () => store.close() };
  }
  const dir = mkdtempSync(join(tmpdir(), 'vigil-pg-samples-'));
  const samples = await SqliteDatabase.open({ path: join(dir, 'samples.db') });
  const store = await SqliteSampleStore.open(samples, options);
  return {
    store,
    async dispose() {
      await store.close();
      await samples.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
