import { Inject, Injectable } from '@nestjs/common';
import { DATABASE } from '../common/tokens.js';
import type { Database, DialectName, SqlReader, SqlValue, Transaction } from '../database/database.js';
import { sqlDialect } from '../database/dialect.js';

export const CHANGE_OUTCOMES = ['success', 'failed', 'rolled_back'] as const;
export type ChangeOutcome = (typeof CHANGE_OUTCOMES)[number];

export interface ChangeRecord {
  id: string;
  services: string[];
  description: string;
  plannedStartMs: number | null;
  plannedEndMs: number | null;
  actualStartMs: number | null;
  actualEndMs: number | null;
  outcome: ChangeOutcome | null;
  createdMs: number;
  updatedMs: number;
}

interface ChangeRow {
  id: string;
  description: string;
  planned_start_ms: number | null;
  planned_end_ms: number | null;
  actual_start_ms: number | null;
  actual_end_ms: number | null;
  outcome: ChangeOutcome | null;
  created_ms: number;
  updated_ms: number;
  services: string | null;
}

/** Changes with their services as a JSON array. */
const select = (dialect: DialectName) => `SELECT c.*,
  (SELECT ${sqlDialect(dialect).jsonGroupArray('service')} FROM change_services s WHERE s.change_id = c.id) AS services
  FROM changes c`;
/** When a change took (or takes) effect: actual start, else planned start. */
const START = 'COALESCE(c.actual_start_ms, c.planned_start_ms)';
const END = 'COALESCE(c.actual_end_ms, c.planned_end_ms, c.actual_start_ms, c.planned_start_ms)';

function toRecord(row: ChangeRow): ChangeRecord {
  return {
    id: row.id,
    services: (JSON.parse(row.services ?? '[]') as string[]).sort(),
    description: row.description,
    plannedStartMs: row.planned_start_ms,
    plannedEndMs: row.planned_end_ms,
    actualStartMs: row.actual_start_ms,
    actualEndMs: row.actual_end_ms,
    outcome: row.outcome,
    createdMs: row.created_ms,
    updatedMs: row.updated_ms,
  };
}

/** SQL of change records, nothing else. */
@Injectable()
export class ChangesRepository {
  /** Inserts a change; false when its id exists already (perhaps just recorded through another collector). */
  async insert(tx: Transaction, change: ChangeRecord): Promise<boolean> {
    const inserted = await tx.run(
      `INSERT INTO changes (id, description, planned_start_ms, planned_end_ms, actual_start_ms, actual_end_ms, outcome, created_ms, updated_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
      [change.id, change.description, change.plannedStartMs, change.plannedEndMs, change.actualStartMs, change.actualEndMs, change.outcome, change.createdMs, change.updatedMs],
    );
    if (inserted.changes === 0) return false;
    for (const service of new Set(change.services)) await tx.run('INSERT INTO change_services (change_id, service) VALUES (?, ?)', [change.id, service]);
    return true;
  }

  async update(tx: Transaction, id: string, fields: Partial<Pick<ChangeRecord, 'actualStartMs' | 'actualEndMs' | 'outcome' | 'description'>>, nowMs: number): Promise<void> {
    const map: Record<string, string> = { actualStartMs: 'actual_start_ms', actualEndMs: 'actual_end_ms', outcome: 'outcome', description: 'description' };
    const columns = Object.keys(fields).filter((k) => k in map);
    await tx.run(`UPDATE changes SET ${[...columns.map((k) => `${map[k]} = ?`), 'updated_ms = ?'].join(', ')} WHERE id = ?`, [
      ...columns.map((k) => (fields as Record<string, SqlValue>)[k] ?? null),
      nowMs,
      id,
    ]);
  }

  private readonly selectChanges: string;

  constructor(@Inject(DATABASE) private readonly db: Database) {
    this.selectChanges = select(db.dialect);
  }

  async get(id: string, reader: SqlReader = this.db): Promise<ChangeRecord | undefined> {
    const row = await reader.get<ChangeRow>(`${this.selectChanges} WHERE c.id = ?`, [id]);
    return row && toRecord(row);
  }

  async list(filter: { service?: string; sinceMs?: number; untilMs?: number; limit: number }): Promise<ChangeRecord[]> {
    const where: string[] = [];
    const params: SqlValue[] = [];
    if (filter.service !== undefined) {
      where.push('EXISTS (SELECT 1 FROM change_services s WHERE s.change_id = c.id AND s.service = ?)');
      params.push(filter.service);
    }
    if (filter.sinceMs !== undefined) {
      where.push(`COALESCE(${START}, c.created_ms) >= ?`);
      params.push(filter.sinceMs);
    }
    if (filter.untilMs !== undefined) {
      where.push(`COALESCE(${START}, c.created_ms) < ?`);
      params.push(filter.untilMs);
    }
    params.push(filter.limit);
    const rows = await this.db.all<ChangeRow>(`${this.selectChanges} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY COALESCE(${START}, c.created_ms) DESC, c.id LIMIT ?`, params);
    return rows.map(toRecord);
  }

  /**
   * The change an incident of `service` opening at `atMs` is attributed to: the latest one on that
   * service that had started by then and ended no more than `windowMs` before.
   */
  async suspectFor(service: string, atMs: number, windowMs: number): Promise<ChangeRecord | undefined> {
    const row = await this.db.get<ChangeRow>(
      `${this.selectChanges} JOIN change_services s ON s.change_id = c.id
        WHERE s.service = ? AND ${START} <= ? AND ${END} + ? >= ?
        ORDER BY ${START} DESC LIMIT 1`,
      [service, atMs, windowMs, atMs],
    );
    return row && toRecord(row);
  }

  outcomeCounts(): Promise<Array<{ outcome: ChangeOutcome | null; n: number }>> {
    return this.db.all('SELECT outcome, COUNT(*) AS n FROM changes GROUP BY outcome');
  }

  /** How many of `changeIds` took effect in [fromMs, toMs); the ids travel as one JSON parameter. */
  async countTakingEffect(changeIds: readonly string[], fromMs = -Infinity, toMs = Infinity): Promise<number> {
    const row = await this.db.get<{ n: number }>(
      `SELECT COUNT(*) AS n FROM changes c WHERE COALESCE(${START}, c.created_ms) >= ? AND COALESCE(${START}, c.created_ms) < ?
         AND c.id IN (SELECT value FROM ${sqlDialect(this.db.dialect).jsonArrayValues('?')})`,
      [Number.isFinite(fromMs) ? fromMs : -8.64e15, Number.isFinite(toMs) ? toMs : 8.64e15, JSON.stringify(changeIds)],
    );
    return row?.n ?? 0;
  }

  async periodOutcomes(fromMs: number, toMs: number): Promise<Array<{ outcome: ChangeOutcome | null; n: number }>> {
    return this.db.all(`SELECT outcome, COUNT(*) AS n FROM changes c WHERE COALESCE(${START}, c.created_ms) >= ? AND COALESCE(${START}, c.created_ms) < ? GROUP BY outcome`, [
      fromMs,
      toMs,
    ]);
  }
}
