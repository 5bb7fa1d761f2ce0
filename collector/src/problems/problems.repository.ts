import { Inject, Injectable } from '@nestjs/common';
import { DATABASE } from '../common/tokens.js';
import type { Database, SqlReader, SqlValue, Transaction } from '../database/database.js';

export const PROBLEM_STATUSES = ['proposed', 'open', 'resolved', 'closed'] as const;
export type ProblemStatus = (typeof PROBLEM_STATUSES)[number];

export interface ProblemRow {
  id: number;
  fingerprint: string;
  rule: string;
  service: string | null;
  title: string;
  status: ProblemStatus;
  known_error: number;
  workaround: string | null;
  root_cause: string | null;
  created_ms: number;
  updated_ms: number;
  resolved_ms: number | null;
}

/** SQL of problem records, nothing else. */
@Injectable()
export class ProblemsRepository {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  /** The problem under investigation for a condition (proposed or open). */
  findActive(fingerprint: string, reader: SqlReader = this.db): Promise<ProblemRow | undefined> {
    return reader.get<ProblemRow>(`SELECT * FROM problems WHERE fingerprint = ? AND status IN ('proposed', 'open')`, [fingerprint]);
  }

  /**
   * Inserts a problem and returns its id, or undefined when an active one (proposed or open) of the
   * same condition exists already (problems_one_active): another collector proposed it first.
   */
  async insertActive(tx: Transaction, p: Omit<ProblemRow, 'id'>): Promise<number | undefined> {
    const row = await tx.get<{ id: number }>(
      `INSERT INTO problems (fingerprint, rule, service, title, status, known_error, workaround, root_cause, created_ms, updated_ms, resolved_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (fingerprint) WHERE status IN ('proposed', 'open') DO NOTHING RETURNING id`,
      [p.fingerprint, p.rule, p.service, p.title, p.status, p.known_error, p.workaround, p.root_cause, p.created_ms, p.updated_ms, p.resolved_ms],
    );
    return row?.id;
  }

  get(id: number, reader: SqlReader = this.db): Promise<ProblemRow | undefined> {
    return reader.get<ProblemRow>('SELECT * FROM problems WHERE id = ?', [id]);
  }

  list(filter: { statuses?: ProblemStatus[]; service?: string; limit: number }): Promise<ProblemRow[]> {
    const where: string[] = [];
    const params: SqlValue[] = [];
    if (filter.statuses?.length) {
      where.push(`status IN (${filter.statuses.map(() => '?').join(', ')})`);
      params.push(...filter.statuses);
    }
    if (filter.service !== undefined) {
      where.push('service = ?');
      params.push(filter.service);
    }
    params.push(filter.limit);
    return this.db.all<ProblemRow>(`SELECT * FROM problems ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`, params);
  }

  async update(tx: Transaction, id: number, fields: Partial<Pick<ProblemRow, 'status' | 'known_error' | 'workaround' | 'root_cause' | 'resolved_ms' | 'title'>>, nowMs: number): Promise<void> {
    const columns = Object.keys(fields);
    await tx.run(`UPDATE problems SET ${[...columns.map((c) => `${c} = ?`), 'updated_ms = ?'].join(', ')} WHERE id = ?`, [
      ...columns.map((c) => (fields as Record<string, SqlValue>)[c] ?? null),
      nowMs,
      id,
    ]);
  }

  async periodFigures(fromMs: number, toMs: number): Promise<{ created: number; known_errors: number; resolved: number }> {
    const row = await this.db.get<{ created: number; known_errors: number; resolved: number }>(
      `SELECT COUNT(*) AS created, COALESCE(SUM(known_error), 0) AS known_errors, COUNT(resolved_ms) AS resolved
         FROM problems WHERE created_ms >= ? AND created_ms < ?`,
      [fromMs, toMs],
    );
    return row!;
  }
}
