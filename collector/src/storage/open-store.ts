// Which SampleStore the collector runs on: the embedded SQLite file, or PostgreSQL shared by
// several collectors (chosen by the database's engine, storage.driver).
import type { Database } from '../database/database.js';
import { PostgresSampleStore, type PostgresSampleStoreOptions } from './postgres/postgres-sample-store.js';
import { SqliteSampleStore } from './sqlite-sample-store.js';

/** The store of either engine (both offer the same maintenance and diagnostics beside SampleStore). */
export type OpenedSampleStore = SqliteSampleStore | PostgresSampleStore;

/** `leadership`, `followPollMs` and `followGraceMs` apply on PostgreSQL only. */
export async function openSampleStore(db: Database, options: PostgresSampleStoreOptions = {}): Promise<OpenedSampleStore> {
  if (db.dialect === 'postgres') return PostgresSampleStore.open(db, options);
  const { leadership: _leadership, followPollMs: _poll, followGraceMs: _grace, ...sqlite } = options;
  return SqliteSampleStore.open(db, sqlite);
}
