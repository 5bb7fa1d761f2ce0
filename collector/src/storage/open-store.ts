// Which SampleStore the collector runs on. The embedded default is SQLite; a PostgreSQL or
// remote-write backend would be chosen here from the storage config.
import type { Database } from '../database/database.js';
import { SqliteSampleStore } from './sqlite-sample-store.js';
import type { Clock } from '../common/clock.js';

export async function openSampleStore(db: Database, clock?: Clock): Promise<SqliteSampleStore> {
  return SqliteSampleStore.open(db, { clock });
}
