import { Inject, Injectable } from '@nestjs/common';
import { DATABASE } from '../common/tokens.js';
import type { Database, RunResult, SqlParams, SqlReader, Transaction } from '../database/database.js';
import type { NotifyEvent } from './notify.types.js';

export type OutboxState = 'pending' | 'delivered' | 'failed' | 'superseded';

export interface OutboxEntry {
  notifier: string;
  subject: string;
  event: NotifyEvent;
  message: string;
  idempotencyKey: string;
  dueMs: number;
  createdMs: number;
}

export interface OutboxRow {
  id: number;
  notifier: string;
  subject: string;
  event: NotifyEvent;
  message: string;
  idempotency_key: string;
  state: OutboxState;
  due_ms: number;
  attempts: number;
  last_error: string | null;
  created_ms: number;
  finished_ms: number | null;
}

/** The leader's fencing check, run first in a transaction only the leader may commit (see leadership/). */
export type Fence = (tx: Transaction) => Promise<void>;

/** SQL of the durable notification outbox, nothing else. */
@Injectable()
export class OutboxRepository {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  /** The delivery worker's own writes: each is a transaction of its own, fenced when `fence` is given. */
  private write(sql: string, params: SqlParams, fence?: Fence): Promise<RunResult> {
    return this.db.transaction(async (tx) => {
      await fence?.(tx);
      return tx.run(sql, params);
    });
  }

  /** Inserts entries, inside the transaction that changed the subject. */
  async enqueue(tx: Transaction, entries: readonly OutboxEntry[]): Promise<void> {
    for (const e of entries) {
      await tx.run(
        `INSERT INTO notification_outbox (notifier, subject, event, message, idempotency_key, due_ms, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?)`,
        [e.notifier, e.subject, e.event, e.message, e.idempotencyKey, e.dueMs, e.createdMs],
      );
    }
  }

  /** All entries of a subject, oldest first (a subject has a handful); as `reader` sees them. */
  history(subject: string, reader: SqlReader = this.db): Promise<OutboxRow[]> {
    return reader.all<OutboxRow>('SELECT * FROM notification_outbox WHERE subject = ? ORDER BY id', [subject]);
  }

  /**
   * Supersedes entries not yet attempted; returns how many were. One claimed meanwhile (by the
   * leader's worker, perhaps on another collector) is left alone: it may be on its way.
   */
  async supersede(tx: Transaction, ids: readonly number[], nowMs: number): Promise<number> {
    let superseded = 0;
    for (const id of ids) {
      const r = await tx.run(`UPDATE notification_outbox SET state = 'superseded', finished_ms = ? WHERE id = ? AND state = 'pending' AND attempts = 0`, [nowMs, id]);
      superseded += r.changes;
    }
    return superseded;
  }

  /**
   * Due entries that are first in line for their subject and notifier (an earlier pending entry,
   * even one being retried, holds later ones back so receivers see trigger before resolve).
   */
  due(nowMs: number, limit: number): Promise<OutboxRow[]> {
    return this.db.all<OutboxRow>(
      `SELECT o.* FROM notification_outbox o
        WHERE o.state = 'pending' AND o.due_ms <= ?
          AND NOT EXISTS (SELECT 1 FROM notification_outbox p
                           WHERE p.subject = o.subject AND p.notifier = o.notifier AND p.id < o.id AND p.state = 'pending')
        ORDER BY o.due_ms, o.id LIMIT ?`,
      [nowMs, limit],
    );
  }

  async nextDueMs(): Promise<number | null> {
    const row = await this.db.get<{ due: number | null }>(`SELECT MIN(due_ms) AS due FROM notification_outbox WHERE state = 'pending'`);
    return row?.due ?? null;
  }

  /**
   * Claims attempt number `attempts` (the row's attempts + 1) before it is made: counts it, so a
   * concurrent decision sees the entry as possibly delivered, and leases the entry until
   * `leaseUntilMs` (it is not due for anyone else meanwhile). A compare-and-set on `attempts`: of
   * two workers that read the same row (a deposed leader and its successor), one wins. False when
   * another worker claimed it, or it was superseded meanwhile: then nothing is sent.
   */
  async claim(id: number, attempts: number, leaseUntilMs: number, fence?: Fence): Promise<boolean> {
    const r = await this.write(
      `UPDATE notification_outbox SET attempts = ?, due_ms = ? WHERE id = ? AND state = 'pending' AND attempts = ?`,
      [attempts, leaseUntilMs, id, attempts - 1],
      fence,
    );
    return r.changes === 1;
  }

  /**
   * Marks the outcome of the claimed attempt `attempts`; `state = 'pending'` guards against a
   * concurrent supersede, `attempts` against a worker whose lease ran out and was claimed again.
   * Not fenced: the attempt was made, its outcome is a fact whoever leads now.
   */
  async finish(id: number, state: 'delivered' | 'failed', attempts: number, nowMs: number, error: string | null): Promise<void> {
    await this.write(`UPDATE notification_outbox SET state = ?, finished_ms = ?, last_error = ? WHERE id = ? AND state = 'pending' AND attempts = ?`, [
      state,
      nowMs,
      error,
      id,
      attempts,
    ]);
  }

  async retryLater(id: number, attempts: number, dueMs: number, error: string): Promise<void> {
    await this.write(`UPDATE notification_outbox SET due_ms = ?, last_error = ? WHERE id = ? AND state = 'pending' AND attempts = ?`, [dueMs, error, id, attempts]);
  }

  async prune(finishedBeforeMs: number, fence?: Fence): Promise<number> {
    const r = await this.write(`DELETE FROM notification_outbox WHERE state <> 'pending' AND finished_ms < ?`, [finishedBeforeMs], fence);
    return r.changes;
  }

  async countByState(): Promise<Record<OutboxState, number>> {
    const rows = await this.db.all<{ state: OutboxState; n: number }>('SELECT state, COUNT(*) AS n FROM notification_outbox GROUP BY state');
    const out: Record<OutboxState, number> = { pending: 0, delivered: 0, failed: 0, superseded: 0 };
    for (const r of rows) out[r.state] = r.n;
    return out;
  }
}
