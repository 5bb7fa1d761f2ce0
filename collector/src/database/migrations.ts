import type { Database, Transaction } from './database.js';
import { toPostgresDdl } from './dialect.js';

/** A schema step. Ids are "<feature>/<NNN>-<what>"; an applied id is never edited, only followed. */
export interface Migration {
  id: string;
  /** The step in SQLite's SQL; on PostgreSQL its column types are mapped by toPostgresDdl. */
  sql: string;
  /** The step's own PostgreSQL text, where mapping types is not enough (triggers, partitions). */
  postgres?: string;
}

/** The text of `migration` for the engine of `db`. */
export function migrationSql(db: Pick<Database, 'dialect'>, migration: Migration): string {
  if (db.dialect === 'sqlite') return migration.sql;
  return migration.postgres ?? toPostgresDdl(migration.sql);
}

/**
 * Applies, in order and each in its own transaction, the migrations not yet recorded. `clock` is
 * the collector's Clock (typed by shape: database/ imports nothing of the collector's features).
 */
export async function migrate(db: Database, migrations: readonly Migration[], clock: { now(): number } = { now: () => Date.now() }): Promise<string[]> {
  const ids = new Set<string>();
  for (const m of migrations) {
    if (ids.has(m.id)) throw new Error(`duplicate migration id ${m.id}`);
    ids.add(m.id);
  }
  await db.transaction(async (tx) => {
    await serializeMigrations(tx);
    await tx.exec(migrationSql(db, { id: 'schema_migrations', sql: 'CREATE TABLE IF NOT EXISTS schema_migrations (id TEXT PRIMARY KEY, applied_ms INTEGER NOT NULL)' }));
  });
  const applied = new Set((await db.all<{ id: string }>('SELECT id FROM schema_migrations')).map((r) => r.id));
  const ran: string[] = [];
  for (const migration of migrations) {
    if (applied.has(migration.id)) continue;
    const didRun = await db.transaction(async (tx) => {
      await serializeMigrations(tx);
      // Another collector on the same PostgreSQL may have applied it since we looked.
      if (await tx.get('SELECT id FROM schema_migrations WHERE id = ?', [migration.id])) return false;
      await tx.exec(migrationSql(db, migration));
      await tx.run('INSERT INTO schema_migrations (id, applied_ms) VALUES (?, ?)', [migration.id, clock.now()]);
      return true;
    });
    if (didRun) ran.push(migration.id);
  }
  return ran;
}

/** An arbitrary constant: the key of the advisory lock that migrations hold. */
const MIGRATION_LOCK_KEY = 72_700_001;

/**
 * Collectors sharing one PostgreSQL start together: each migration step takes a transaction-scoped
 * advisory lock, so they apply steps one at a time and each step once. SQLite has one writer anyway.
 */
async function serializeMigrations(tx: Transaction): Promise<void> {
  if (tx.dialect === 'postgres') await tx.get('SELECT pg_advisory_xact_lock(?)', [MIGRATION_LOCK_KEY]);
}
