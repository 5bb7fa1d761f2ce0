import { Inject, Injectable } from '@nestjs/common';
import { DATABASE } from '../common/tokens.js';
import type { Database } from '../database/database.js';

/** SQL of the live relay between collectors on PostgreSQL (NOTIFY, and the table for large messages). */
@Injectable()
export class LiveRelayRepository {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  /** Sends `payload` to every session listening on `channel` (at once: outside a transaction). */
  async notify(channel: string, payload: string): Promise<void> {
    await this.db.get('SELECT pg_notify(CAST(? AS TEXT), CAST(? AS TEXT)) AS sent', [channel, payload]);
  }

  /**
   * Stores `payload` and notifies `channel` with `announce(id)` in one transaction, so listeners
   * find the row when the notification arrives (NOTIFY is delivered on commit). Rows older than
   * `keptAfterMs` go.
   */
  async storeAndNotify(channel: string, payload: string, nowMs: number, keptAfterMs: number, announce: (id: number) => string): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.run('DELETE FROM live_relay WHERE at_ms < ?', [keptAfterMs]);
      const row = await tx.get<{ id: number }>('INSERT INTO live_relay (at_ms, payload) VALUES (?, ?) RETURNING id', [nowMs, payload]);
      await tx.get('SELECT pg_notify(CAST(? AS TEXT), CAST(? AS TEXT)) AS sent', [channel, announce(row!.id)]);
    });
  }

  async payload(id: number): Promise<string | undefined> {
    return (await this.db.get<{ payload: string }>('SELECT payload FROM live_relay WHERE id = ?', [id]))?.payload;
  }
}
