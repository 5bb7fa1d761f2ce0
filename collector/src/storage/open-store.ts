// Which SampleStore the collector runs on. The embedded default is SQLite; a PostgreSQL or
// remote-write backend would be chosen here from the storage config.
import type { Database } from '../database/database.js';
import { SqliteSampleStore, type SqliteSampleStoreOptions } from './sqlite-sample-store.js';

export async function openSampleStore(db: Database, options: SqliteSampleStoreOptions = {}): Promise<SqliteSampleStore> {
  if (db.dialect !== 'sqlite') throw new Error('the sample store on PostgreSQL is not built yet');
  return SqliteSampleStore.open(db, options);
}
