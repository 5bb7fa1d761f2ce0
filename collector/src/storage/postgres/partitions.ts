// Day partitions of the chunk table (range on end_ts): created on demand by the compactor and
// dropped whole by retention, both while holding the compaction_state row lock.
import type { SqlReader, Transaction } from '../../database/database.js';

export const DAY_MS = 86_400_000;
const PREFIX = 'chunk_day_';

export function dayOf(ts: number): number {
  return Math.floor(ts / DAY_MS);
}

export function partitionName(day: number): string {
  return `${PREFIX}${day}`;
}

/** Creates the partitions of the given days that do not exist yet. */
export async function ensurePartitions(tx: Transaction, days: Iterable<number>): Promise<void> {
  const names = [...new Set(days)].map(partitionName);
  if (names.length === 0) return;
  const missing = await tx.all<{ name: string }>('SELECT value AS name FROM jsonb_array_elements_text(CAST(? AS jsonb)) WHERE to_regclass(value) IS NULL', [JSON.stringify(names)]);
  for (const { name } of missing) {
    const day = Number(name.slice(PREFIX.length));
    await tx.exec(`CREATE TABLE ${name} PARTITION OF chunk FOR VALUES FROM (${day * DAY_MS}) TO (${(day + 1) * DAY_MS})`);
  }
}

/** Days that have a partition, ascending. */
export async function partitionDays(db: SqlReader): Promise<number[]> {
  const rows = await db.all<{ name: string }>(`SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = CAST('chunk' AS regclass)`);
  return rows
    .map((r) => r.name)
    .filter((n) => n.startsWith(PREFIX))
    .map((n) => Number(n.slice(PREFIX.length)))
    .sort((a, b) => a - b);
}
