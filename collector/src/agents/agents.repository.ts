import { Inject, Injectable } from '@nestjs/common';
import { DATABASE } from '../common/tokens.js';
import type { Database } from '../database/database.js';

export interface AgentRow {
  id: string;
  hostname: string;
  version: string;
  labels: Record<string, string>;
  inventory: Record<string, string>;
  intervalMs: number;
  firstSeenMs: number;
  lastSeenMs: number;
  spoolPending: number;
  spoolDropped: number;
}

interface AgentRecord {
  id: string;
  hostname: string;
  version: string;
  labels: string;
  inventory: string;
  interval_ms: number;
  first_seen_ms: number;
  last_seen_ms: number;
  spool_pending: number;
  spool_dropped: number;
}

const toRow = (r: AgentRecord): AgentRow => ({
  id: r.id,
  hostname: r.hostname,
  version: r.version,
  labels: JSON.parse(r.labels) as Record<string, string>,
  inventory: JSON.parse(r.inventory) as Record<string, string>,
  intervalMs: r.interval_ms,
  firstSeenMs: r.first_seen_ms,
  lastSeenMs: r.last_seen_ms,
  spoolPending: r.spool_pending,
  spoolDropped: r.spool_dropped,
});

@Injectable()
export class AgentsRepository {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  async all(): Promise<AgentRow[]> {
    return (await this.db.all<AgentRecord>('SELECT * FROM agents ORDER BY id')).map(toRow);
  }

  async upsert(agent: AgentRow): Promise<void> {
    await this.db.transaction((tx) => tx.run(
      `INSERT INTO agents (id, hostname, version, labels, inventory, interval_ms, first_seen_ms, last_seen_ms, spool_pending, spool_dropped)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(id) DO UPDATE SET hostname = excluded.hostname, version = excluded.version, labels = excluded.labels,
         inventory = excluded.inventory, interval_ms = excluded.interval_ms, last_seen_ms = excluded.last_seen_ms,
         spool_pending = excluded.spool_pending, spool_dropped = excluded.spool_dropped`,
      [agent.id, agent.hostname, agent.version, JSON.stringify(agent.labels), JSON.stringify(agent.inventory), agent.intervalMs,
        agent.firstSeenMs, agent.lastSeenMs, agent.spoolPending, agent.spoolDropped],
    ));
  }

  /**
   * All updates in one statement: a statement per agent, each a round trip through the event loop,
   * held the write connection for a second under load (group commits wait behind it).
   */
  async touch(updates: ReadonlyArray<{ id: string; lastSeenMs: number; spoolPending: number; spoolDropped: number }>): Promise<void> {
    if (updates.length === 0) return;
    const rows = JSON.stringify(updates.map((u) => [u.id, u.lastSeenMs, u.spoolPending, u.spoolDropped]));
    await this.db.transaction((tx) =>
      tx.run(
        `UPDATE agents SET last_seen_ms = MAX(agents.last_seen_ms, u.seen), spool_pending = u.pending, spool_dropped = u.dropped
         FROM (SELECT value ->> 0 AS id, value ->> 1 AS seen, value ->> 2 AS pending, value ->> 3 AS dropped FROM json_each(?)) AS u
         WHERE agents.id = u.id`,
        [rows],
      ),
    );
  }
}
