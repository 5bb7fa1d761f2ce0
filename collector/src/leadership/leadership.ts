// Which collector runs the loops that must not run twice (SLA minute evaluation, cross-agent rules
// and agent_down, capacity forecasts, the notification outbox, retention). On SQLite there is one
// collector, always the leader. On PostgreSQL, collectors sharing the database elect one through a
// session advisory lock; every write only the leader may make is fenced by its term.
import { hostname } from 'node:os';
import type { Transaction } from '../database/database.js';

export const LEADERSHIP = Symbol('LEADERSHIP');

/** Thrown inside a fenced transaction when this collector no longer leads: the transaction rolls back. */
export class NotLeaderError extends Error {
  constructor(detail: string) {
    super(`not the leader: ${detail}`);
  }
}

export interface Leadership {
  /** Whether this collector runs the leader's loops now. */
  isLeader(): boolean;
  /** Called on every change (true: became leader, false: stepped down). Returns an unsubscribe. */
  onChange(listener: (leader: boolean) => void): () => void;
  /**
   * The fencing check: call first inside every transaction that only the leader may run. It throws
   * NotLeaderError unless this collector still holds the newest term, and keeps a successor from
   * taking over until the transaction ends, so no write of a deposed leader commits after a new
   * leader started.
   */
  assertLeader(tx: Transaction): Promise<void>;
  /** A name for this collector in logs and metrics (host name and process id by default). */
  readonly replicaId: string;
}

/** The single collector of an embedded SQLite database: always the leader, nothing to fence. */
export class SoleLeadership implements Leadership {
  constructor(readonly replicaId: string) {}

  isLeader(): boolean {
    return true;
  }

  onChange(): () => void {
    return () => undefined;
  }

  async assertLeader(): Promise<void> {}
}

/** This collector's name among its peers: host name and process id. */
export function defaultReplicaId(): string {
  return `${hostname()}:${process.pid}`;
}
