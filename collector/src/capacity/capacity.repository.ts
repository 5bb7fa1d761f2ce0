import { Inject, Injectable } from '@nestjs/common';
import { DATABASE } from '../common/tokens.js';
import { sqlDialect } from '../database/dialect.js';
import type { Database, Transaction } from '../database/database.js';
import type { CapacityEntry } from './domain/resources.js';

@Injectable()
export class CapacityRepository {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  /**
   * Replaces the stored forecasts with the given set (resources that disappeared are removed). One
   * INSERT for all rows: a statement per row, each a round trip through the event loop, holds the one
   * write connection (and the group commits behind it) for seconds with thousands of hosts. `fence`
   * runs first in the transaction (the leader's check); the insert upserts so a replacement never
   * fails on a key another writer put back meanwhile (READ COMMITTED on PostgreSQL).
   */
  async replaceAll(entries: readonly CapacityEntry[], fence?: (tx: Transaction) => Promise<void>): Promise<void> {
    const rows = JSON.stringify(entries.map((e) => [e.key, e.host, e.resource, e.mountpoint, e.computedMs, JSON.stringify(e)]));
    const forecasts = sqlDialect(this.db.dialect).jsonRecords('?', [
      ['key', 'TEXT'], ['host', 'TEXT'], ['resource', 'TEXT'], ['mountpoint', 'TEXT'], ['computed_ms', 'BIGINT'], ['entry', 'TEXT'],
    ]);
    await this.db.transaction(async (tx) => {
      await fence?.(tx);
      await tx.run('DELETE FROM capacity_forecasts');
      // WHERE true: SQLite needs it to tell the upsert's ON CONFLICT from a join's ON.
      await tx.run(
        `INSERT INTO capacity_forecasts (key, host, resource, mountpoint, computed_ms, entry)
         SELECT key, host, resource, mountpoint, computed_ms, entry FROM ${forecasts} AS f WHERE true
         ON CONFLICT (key) DO UPDATE SET host = excluded.host, resource = excluded.resource, mountpoint = excluded.mountpoint,
           computed_ms = excluded.computed_ms, entry = excluded.entry`,
        [rows],
      );
    });
  }

  async all(): Promise<CapacityEntry[]> {
    const rows = await this.db.all<{ entry: string }>('SELECT entry FROM capacity_forecasts ORDER BY key');
    return rows.map((r) => JSON.parse(r.entry) as CapacityEntry);
  }
}
