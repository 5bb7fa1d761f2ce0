// The raw sample store of a spec that runs on both engines (test/support/engines.ts).
import type { Database } from '../../src/database/database.js';
import { openSampleStore, type OpenedSampleStore } from '../../src/storage/open-store.js';
import type { PostgresSampleStoreOptions } from '../../src/storage/postgres/postgres-sample-store.js';

/** Opens sample stores on a spec's databases; each open after the first is a restart on the same samples. */
export interface EngineSampleStores {
  open(db: Database, options?: PostgresSampleStoreOptions): Promise<OpenedSampleStore>;
  /** Closes every store opened (closing twice is safe). */
  dispose(): Promise<void>;
}

/**
 * The store the collector runs on `db`: SQLite's in the same file, or PostgreSQL's in the same
 * database. A spec runs one store, so no peer reads its log: PostgreSQL's store compacts and retains
 * log rows without the grace it leaves followers (followGraceMs 0) unless the spec asks otherwise.
 */
export function engineSampleStores(): EngineSampleStores {
  const stores: OpenedSampleStore[] = [];
  return {
    async open(db, options = {}) {
      const store = await openSampleStore(db, { followGraceMs: 0, ...options });
      stores.push(store);
      return store;
    },
    async dispose() {
      for (const store of stores.splice(0)) await store.close();
    },
  };
}
