import type { Database } from './database.js';

/** A schema step. Ids are "<feature>/<NNN>-<what>"; an applied id is never edited, only followed. */
export interface Migration {
  id: string;
  sql: string;
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
  await db.transaction((tx) => tx.exec('CREATE TABLE IF NOT EXISTS schema_migrations (id TEXT PRIMARY KEY, applied_ms INTEGER NOT NULL)'));
  const applied = new Set((await db.all<{ id: string }>('SELECT id FROM schema_migrations')).map((r) => r.id));
  const ran: string[] = [];
  for (const migration of migrations) {
    if (applied.has(migration.id)) continue;
    await db.transaction(async (tx) => {
      await tx.exec(migration.sql);
      await tx.run('INSERT INTO schema_migrations (id, applied_ms) VALUES (?, ?)', [migration.id, clock.now()]);
    });
    ran.push(migration.id);
  }
  return ran;
}
