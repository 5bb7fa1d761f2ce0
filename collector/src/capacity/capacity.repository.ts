import { Inject, Injectable } from '@nestjs/common';
import { DATABASE } from '../common/tokens.js';
import type { Database, Transaction } from '../database/database.js';
import type { CapacityEntry } from './domain/resources.js';

@Injectable()
export class CapacityRepository {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  /**
   * Replaces the stored forecasts with the given set (resources that disappeared are removed).
   * `fence` runs first in the transaction (the leader's check); the inserts upsert so a replacement
   * never fails on a key another writer put back meanwhile (READ COMMITTED on PostgreSQL).
   */
  async replaceAll(entries: readonly CapacityEntry[], fence?: (tx: Transaction) => Promise<void>): Promise<void> {
    await this.db.transaction(async (tx) => {
      await fence?.(tx);
      await tx.run('DELETE FROM capacity_forecasts');
      for (const e of entries) {
        await tx.run(
          'INSERT INTO capacity_forecasts (key, host, resource, mountpoint, computed_ms, entry) VALUES (?, ?, ?, ?, ?, ?) ' +
            'ON CONFLICT (key) DO UPDATE SET host = excluded.host, resource = excluded.resource, mountpoint = excluded.mountpoint, ' +
            'computed_ms = excluded.computed_ms, entry = excluded.entry',
          [e.key, e.host, e.resource, e.mountpoint, e.computedMs, JSON.stringify(e)],
        );
      }
    });
  }

  async all(): Promise<CapacityEntry[]> {
    const rows = await this.db.all<{ entry: string }>('SELECT entry FROM capacity_forecasts ORDER BY key');
    return rows.map((r) => JSON.parse(r.entry) as CapacityEntry);
  }
}
