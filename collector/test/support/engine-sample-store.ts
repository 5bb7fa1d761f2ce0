// The raw sample store of a spec that runs on both engines (test/support/engines.ts).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Database } from '../../src/database/database.js';
import { SqliteDatabase } from '../../src/database/sqlite-database.js';
import { SqliteSampleStore, type SqliteSampleStoreOptions } from '../../src/storage/sqlite-sample-store.js';

/** Opens sample stores beside a spec's databases; each open after the first is a restart on the same samples. */
export interface EngineSampleStores {
  open(db: Database, options?: SqliteSampleStoreOptions): Promise<SqliteSampleStore>;
  /** Closes every store opened (closing twice is safe) and what they were opened on here. */
  dispose(): Promise<void>;
}

/**
 * On SQLite, the store in `db` itself, as the collector runs it. On PostgreSQL, a SqliteSampleStore
 * on a temporary SQLite file beside the PostgreSQL database of every other table, because the
 * PostgreSQL sample store is not on main yet: when it lands, the PostgreSQL case opens it on `db`.
 */
export function engineSampleStores(): EngineSampleStores {
  const stores: SqliteSampleStore[] = [];
  const sidecars: Database[] = [];
  let dir: string | undefined;
  return {
    async open(db, options = {}) {
      let on = db;
      if (db.dialect !== 'sqlite') {
        dir ??= mkdtempSync(join(tmpdir(), 'vigil-pg-samples-'));
        on = await SqliteDatabase.open({ path: join(dir, 'samples.db') });
        sidecars.push(on);
      }
      const store = await SqliteSampleStore.open(on, options);
      stores.push(store);
      return store;
    },
    async dispose() {
      for (const store of stores.splice(0)) await store.close();
      for (const sidecar of sidecars.splice(0)) await sidecar.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
      dir = undefined;
    },
  };
}
