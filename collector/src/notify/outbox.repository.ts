import { Inject, Injectable, Optional } from '@nestjs/common';
import { DATABASE } from '../common/tokens.js';
import type { Database, RunResult, SqlParams, Transaction } from '../database/database.js';
import type { NotifyEvent } from './notify.types.js';
import { LEADERSHIP, SoleLeadership, defaultReplicaId, type Leadership } from '../leadership/leadership.js';

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

/** SQL of the durable notification outbox, nothing else. */
@Injectable()
export class OutboxRepository {
  constructor(
    @Inject(DATABASE) private readonly db: Database,
    @Optional() @Inject(LEADERSHIP) private readonly leadership: Leadership = new SoleLeadership(defaultReplicaId()),
  ) {}

  /** The delivery worker's own writes: each is a transaction of its own, fenced (only the leader delivers). */
  private write(sql: string, params: SqlParams): Promise<RunResult> {
    return this.db.transaction(async (tx) => {
      await this.leadership.assertLeader(tx);
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

  /** All entries of a subject, oldest first (a subject has a handful). */
  history(subject: string): Promise<OutboxRow[]> {
    return this.db.all<OutboxRow>('SELECT * FROM notification_outbox WHERE subject = ? ORDER BY id', [subject]);
  }

  async supersede(tx: Transaction, ids: readonly number[], nowMs: number): Promise<void> {
    for (const id of ids) {
      await tx.run(`UPDATE notification_outbox SET state = 'superseded', finished_ms = ? WHERE id = ? AND state = 'pending'`, [nowMs, id]);
    }
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
   * Counts an attempt before it is made, so a concurrent decision sees the entry as possibly
   * delivered; false when the entry was superseded meanwhile (then nothing is sent).
   */
  async claim(id: number, attempts: number): Promise<boolean> {
    const r = await this.write(`UPDATE notification_outbox SET attempts = ? WHERE id = ? AND state = 'pending'`, [attempts, id]);
    return r.changes === 1;
  }

  /** Marks an attempt's outcome; `state = 'pending'` guards against a concurrent supersede. */
  async finish(id: number, state: 'delivered' | 'failed', attempts: number, nowMs: number, error: string | null): Promise<void> {
    await this.write(`UPDATE notification_outbox SET state = ?, attempts = ?, finished_ms = ?, last_error = ? WHERE id = ? AND state = 'pending'`, [
      state,
      attempts,
      nowMs,
      error,
      id,
    ]);
  }

  async retryLater(id: number, attempts: number, dueMs: number, error: string): Promise<void> {
    await this.write(`UPDATE notification_outbox SET attempts = ?, due_ms = ?, last_error = ? WHERE id = ? AND state = 'pending'`, [attempts, dueMs, error, id]);
  }

  async prune(finishedBeforeMs: number): Promise<number> {
    const r = await this.write(`DELETE FROM notification_outbox WHERE state <> 'pending' AND finished_ms < ?`, [finishedBeforeMs]);
    return r.changes;
  }

  async countByState(): Promise<Record<OutboxState, number>> {
    const rows = await this.db.all<{ state: OutboxState; n: number }>('SELECT state, COUNT(*) AS n FROM notification_outbox GROUP BY state');
    const out: Record<OutboxState, number> = { pending: 0, delivered: 0, failed: 0, superseded: 0 };
    for (const r of rows) out[r.state] = r.n;
    return out;
  }
}
