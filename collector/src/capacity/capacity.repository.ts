import { Inject, Injectable } from '@nestjs/common';
import { DATABASE } from '../common/tokens.js';
import type { Database } from '../database/database.js';
import type { CapacityEntry } from './domain/resources.js';

@Injectable()
export class CapacityRepository {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  /**
   * Replaces the stored forecasts with the given set (resources that disappeared are removed). One
   * INSERT for all rows: a statement per row, each a round trip through the event loop, holds the one
   * write connection (and the group commits behind it) for seconds with thousands of hosts.
   */
  async replaceAll(entries: readonly CapacityEntry[]): Promise<void> {
    const rows = JSON.stringify(entries.map((e) => [e.key, e.host, e.resource, e.mountpoint, e.computedMs, JSON.stringify(e)]));
    await this.db.transaction(async (tx) => {
      await tx.run('DELETE FROM capacity_forecasts');
      await tx.run(
        `INSERT INTO capacity_forecasts (key, host, resource, mountpoint, computed_ms, entry)
         SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5 FROM json_each(?)`,
        [rows],
      );
    });
  }

  async all(): Promise<CapacityEntry[]> {
    const rows = await this.db.all<{ entry: string }>('SELECT entry FROM capacity_forecasts ORDER BY key');
    return rows.map((r) => JSON.parse(r.entry) as CapacityEntry);
  }
}
