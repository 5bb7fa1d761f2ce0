// Lead-owned seam: which SampleStore the collector runs on. Replaced when the SQLite engine lands.
import type { Database } from '../database/database.js';
import type { SampleStore } from './storage.types.js';

export async function openSampleStore(_db: Database): Promise<SampleStore> {
  throw new Error('SQLite sample store not wired yet');
}
