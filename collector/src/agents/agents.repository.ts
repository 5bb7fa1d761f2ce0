import { Inject, Injectable } from '@nestjs/common';
import { DATABASE } from '../common/tokens.js';
import { sqlDialect } from '../database/dialect.js';
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

  /** Records what an agent said (see upsertMany). */
  upsert(agent: AgentRow): Promise<void> {
    return this.upsertMany([agent]);
  }

  /**
   * Records what agents said, in one statement (agents reconnecting together after a restart were a
   * transaction each: 1,000 of them held the write connection ~830 ms, and group commits waited behind).
   * Collectors sharing one database each write the agents connected to them: a write older than the
   * stored last-seen time (a collector the agent has left) changes nothing. Several rows of one agent
   * leave what writing them one by one would: the last of the newest (PostgreSQL refuses to update a
   * row twice in one statement, so only that one is sent).
   */
  async upsertMany(agents: readonly AgentRow[]): Promise<void> {
    if (agents.length === 0) return;
    const last = new Map<string, AgentRow>();
    for (const a of agents) {
      const kept = last.get(a.id);
      if (kept === undefined || a.lastSeenMs >= kept.lastSeenMs) last.set(a.id, a);
    }
    const rows = JSON.stringify([...last.values()].map((a) => [a.id, a.hostname, a.version, JSON.stringify(a.labels), JSON.stringify(a.inventory), a.intervalMs,
      a.firstSeenMs, a.lastSeenMs, a.spoolPending, a.spoolDropped]));
    const records = sqlDialect(this.db.dialect).jsonRecords('?', [['id', 'TEXT'], ['hostname', 'TEXT'], ['version', 'TEXT'], ['labels', 'TEXT'], ['inventory', 'TEXT'],
      ['interval_ms', 'BIGINT'], ['first_seen_ms', 'BIGINT'], ['last_seen_ms', 'BIGINT'], ['spool_pending', 'BIGINT'], ['spool_dropped', 'BIGINT']]);
    // "WHERE true": SQLite reads ON CONFLICT after a bare INSERT … SELECT … FROM as a join constraint.
    await this.db.transaction((tx) => tx.run(
      `INSERT INTO agents (id, hostname, version, labels, inventory, interval_ms, first_seen_ms, last_seen_ms, spool_pending, spool_dropped)
       SELECT id, hostname, version, labels, inventory, interval_ms, first_seen_ms, last_seen_ms, spool_pending, spool_dropped FROM ${records} AS r WHERE true
       ON CONFLICT (id) DO UPDATE SET hostname = excluded.hostname, version = excluded.version, labels = excluded.labels,
         inventory = excluded.inventory, interval_ms = excluded.interval_ms, last_seen_ms = excluded.last_seen_ms,
         spool_pending = excluded.spool_pending, spool_dropped = excluded.spool_dropped
       WHERE excluded.last_seen_ms >= agents.last_seen_ms`,
      [rows],
    ));
  }

  /**
   * All updates in one statement (a statement per agent, each a round trip through the event loop,
   * held the write connection for a second under load, and group commits wait behind it). Like
   * upsert, an update older than the stored last-seen time is skipped.
   */
  async touch(updates: ReadonlyArray<{ id: string; lastSeenMs: number; spoolPending: number; spoolDropped: number }>): Promise<void> {
    if (updates.length === 0) return;
    const rows = JSON.stringify(updates.map((u) => [u.id, u.lastSeenMs, u.spoolPending, u.spoolDropped]));
    const updated = sqlDialect(this.db.dialect).jsonRecords('?', [['id', 'TEXT'], ['seen', 'BIGINT'], ['pending', 'BIGINT'], ['dropped', 'BIGINT']]);
    await this.db.transaction((tx) =>
      tx.run(
        `UPDATE agents SET last_seen_ms = u.seen, spool_pending = u.pending, spool_dropped = u.dropped
         FROM ${updated} AS u
         WHERE agents.id = u.id AND agents.last_seen_ms <= u.seen`,
        [rows],
      ),
    );
  }
}
