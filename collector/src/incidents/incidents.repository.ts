import { Inject, Injectable } from '@nestjs/common';
import { DATABASE } from '../common/tokens.js';
import type { Database, SqlReader, SqlValue, Transaction } from '../database/database.js';
import { sqlDialect } from '../database/dialect.js';
import type { IncidentState } from './domain/lifecycle.js';
import type { NotifyEvent } from '../notify/notify.types.js';

export interface IncidentRow {
  id: number;
  fingerprint: string;
  rule: string;
  severity: string;
  service: string | null;
  title: string;
  description: string;
  labels: string;
  state: IncidentState;
  value: number | null;
  started_ms: number;
  opened_ms: number;
  acknowledged_ms: number | null;
  acknowledged_by: string | null;
  resolved_ms: number | null;
  resolved_by: string | null;
  closed_ms: number | null;
  reopen_count: number;
  suppressed_by: string | null;
  flapping: number;
  flap_changes: string;
  notified: NotifyEvent | null;
  notify_seq: number;
  last_notified_ms: number | null;
  change_id: string | null;
  problem_id: number | null;
}

export type NewIncident = Omit<IncidentRow, 'id'>;

/** A row for an incident that opens (or starts suppressed) now: no history yet. */
export function newIncident(
  fields: Pick<NewIncident, 'fingerprint' | 'rule' | 'severity' | 'service' | 'title' | 'description' | 'labels' | 'state' | 'value' | 'started_ms' | 'opened_ms' | 'suppressed_by'>,
): NewIncident {
  return {
    ...fields,
    acknowledged_ms: null,
    acknowledged_by: null,
    resolved_ms: null,
    resolved_by: null,
    closed_ms: null,
    reopen_count: 0,
    flapping: 0,
    flap_changes: '[]',
    notified: null,
    notify_seq: 0,
    last_notified_ms: null,
    change_id: null,
    problem_id: null,
  };
}
export type IncidentUpdate = Partial<Omit<IncidentRow, 'id' | 'fingerprint' | 'rule'>>;

export interface IncidentEventRow {
  id: number;
  incident_id: number;
  at_ms: number;
  type: string;
  actor: string | null;
  detail: string | null;
}

export interface IncidentFilter {
  states?: IncidentState[];
  severities?: string[];
  rules?: string[];
  service?: string;
  sinceMs?: number;
  untilMs?: number;
  limit: number;
  beforeId?: number;
}

const ACTIVE = `('open', 'acknowledged', 'suppressed')`;
const UPDATABLE = new Set([
  'severity', 'service', 'title', 'description', 'labels', 'state', 'value', 'started_ms', 'opened_ms', 'acknowledged_ms', 'acknowledged_by',
  'resolved_ms', 'resolved_by', 'closed_ms', 'reopen_count', 'suppressed_by', 'flapping', 'flap_changes', 'notified', 'notify_seq',
  'last_notified_ms', 'change_id', 'problem_id',
]);

/** SQL of incidents and their timelines, nothing else. */
@Injectable()
export class IncidentsRepository {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  /**
   * The active incident of a condition. Inside `tx` it reads what the transaction sees and, on
   * PostgreSQL, locks the row until the transaction ends (another collector changing the same
   * incident waits).
   */
  findActive(fingerprint: string, tx?: Transaction): Promise<IncidentRow | undefined> {
    return this.reader(tx).get<IncidentRow>(`SELECT * FROM incidents WHERE fingerprint = ? AND state IN ${ACTIVE}${this.lock(tx)}`, [fingerprint]);
  }

  /** The most recent incident of a condition, if it is resolved (not closed). */
  async findLatestResolved(fingerprint: string, reader: SqlReader = this.db): Promise<IncidentRow | undefined> {
    const row = await reader.get<IncidentRow>(`SELECT * FROM incidents WHERE fingerprint = ? ORDER BY id DESC LIMIT 1`, [fingerprint]);
    return row?.state === 'resolved' ? row : undefined;
  }

  /**
   * Inserts an active incident and returns its id, or undefined when the condition already has an
   * active one (incidents_one_active): another collector opened it first, re-read it.
   */
  async insertActive(tx: Transaction, row: NewIncident): Promise<number | undefined> {
    const columns = Object.keys(row);
    const inserted = await tx.get<{ id: number }>(
      `INSERT INTO incidents (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})
       ON CONFLICT (fingerprint) WHERE state IN ${ACTIVE} DO NOTHING RETURNING id`,
      columns.map((c) => (row as unknown as Record<string, SqlValue>)[c] ?? null),
    );
    return inserted?.id;
  }

  /**
   * Changes incident `id`; with `ifState`, only while it is still in that state (a compare-and-set
   * against another collector changing it meanwhile). Returns whether the row changed.
   */
  async update(tx: Transaction, id: number, fields: IncidentUpdate, ifState?: IncidentState): Promise<boolean> {
    const columns = Object.keys(fields).filter((c) => UPDATABLE.has(c));
    if (columns.length === 0) return false;
    const result = await tx.run(`UPDATE incidents SET ${columns.map((c) => `${c} = ?`).join(', ')} WHERE id = ?${ifState ? ' AND state = ?' : ''}`, [
      ...columns.map((c) => (fields as Record<string, SqlValue>)[c] ?? null),
      id,
      ...(ifState ? [ifState] : []),
    ]);
    return result.changes === 1;
  }

  async addEvent(tx: Transaction, incidentId: number, atMs: number, type: string, actor: string | null, detail: string | null): Promise<void> {
    await tx.run('INSERT INTO incident_events (incident_id, at_ms, type, actor, detail) VALUES (?, ?, ?, ?, ?)', [incidentId, atMs, type, actor, detail]);
  }

  /** Incident `id`; inside `tx` locked as findActive does. */
  get(id: number, tx?: Transaction): Promise<IncidentRow | undefined> {
    return this.reader(tx).get<IncidentRow>(`SELECT * FROM incidents WHERE id = ?${this.lock(tx)}`, [id]);
  }

  private reader(tx: Transaction | undefined): SqlReader {
    return tx ?? this.db;
  }

  private lock(tx: Transaction | undefined): string {
    return tx ? sqlDialect(tx.dialect).forUpdate : '';
  }

  events(incidentId: number): Promise<IncidentEventRow[]> {
    return this.db.all<IncidentEventRow>('SELECT * FROM incident_events WHERE incident_id = ? ORDER BY id', [incidentId]);
  }

  list(filter: IncidentFilter): Promise<IncidentRow[]> {
    const where: string[] = [];
    const params: SqlValue[] = [];
    const inList = (column: string, values: readonly string[]) => {
      where.push(`${column} IN (${values.map(() => '?').join(', ')})`);
      params.push(...values);
    };
    if (filter.states?.length) inList('state', filter.states);
    if (filter.severities?.length) inList('severity', filter.severities);
    if (filter.rules?.length) inList('rule', filter.rules);
    if (filter.service !== undefined) {
      where.push('service = ?');
      params.push(filter.service);
    }
    if (filter.sinceMs !== undefined) {
      // Incidents still active, or resolved since then, or opened since then.
      where.push(`(opened_ms >= ? OR resolved_ms >= ? OR state IN ${ACTIVE})`);
      params.push(filter.sinceMs, filter.sinceMs);
    }
    if (filter.untilMs !== undefined) {
      where.push('opened_ms < ?');
      params.push(filter.untilMs);
    }
    if (filter.beforeId !== undefined) {
      where.push('id < ?');
      params.push(filter.beforeId);
    }
    params.push(filter.limit);
    return this.db.all<IncidentRow>(`SELECT * FROM incidents ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`, params);
  }

  /** Incidents of a service that overlap [fromMs, toMs) (for SLA reports). */
  overlapping(service: string, fromMs: number, toMs: number): Promise<IncidentRow[]> {
    return this.db.all<IncidentRow>(
      `SELECT * FROM incidents WHERE service = ? AND state <> 'suppressed' AND started_ms < ? AND (resolved_ms IS NULL OR resolved_ms >= ?) ORDER BY started_ms`,
      [service, toMs, fromMs],
    );
  }

  byState(states: readonly IncidentState[]): Promise<IncidentRow[]> {
    return this.db.all<IncidentRow>(`SELECT * FROM incidents WHERE state IN (${states.map(() => '?').join(', ')}) ORDER BY id`, [...states]);
  }

  resolvedBefore(resolvedBeforeMs: number, limit: number): Promise<IncidentRow[]> {
    return this.db.all<IncidentRow>(`SELECT * FROM incidents WHERE state = 'resolved' AND resolved_ms <= ? ORDER BY resolved_ms LIMIT ?`, [resolvedBeforeMs, limit]);
  }

  flapping(): Promise<IncidentRow[]> {
    return this.db.all<IncidentRow>(`SELECT * FROM incidents WHERE flapping = 1 AND state <> 'closed'`);
  }

  repeatDue(lastNotifiedBeforeMs: number): Promise<IncidentRow[]> {
    return this.db.all<IncidentRow>(
      `SELECT * FROM incidents WHERE state = 'open' AND flapping = 0 AND notified = 'trigger' AND last_notified_ms <= ?`,
      [lastNotifiedBeforeMs],
    );
  }

  /** Times a condition opened or reopened since `sinceMs` (problem detection). */
  async openingsSince(fingerprint: string, sinceMs: number, reader: SqlReader = this.db): Promise<number> {
    const row = await reader.get<{ n: number }>(
      `SELECT COUNT(*) AS n FROM incident_events e JOIN incidents i ON i.id = e.incident_id
        WHERE i.fingerprint = ? AND e.type IN ('opened', 'reopened') AND e.at_ms >= ?`,
      [fingerprint, sinceMs],
    );
    return row?.n ?? 0;
  }

  async linkProblem(tx: Transaction, fingerprint: string, sinceMs: number, problemId: number): Promise<number[]> {
    const rows = await tx.all<{ id: number }>(
      `SELECT id FROM incidents WHERE fingerprint = ? AND problem_id IS NULL AND (opened_ms >= ? OR resolved_ms >= ? OR state IN ${ACTIVE})`,
      [fingerprint, sinceMs, sinceMs],
    );
    for (const r of rows) await tx.run('UPDATE incidents SET problem_id = ? WHERE id = ?', [problemId, r.id]);
    return rows.map((r) => r.id);
  }

  /** (change, incident) pairs of the given changes, incidents ascending; the ids travel as one JSON parameter. */
  linkedToChanges(changeIds: readonly string[]): Promise<Array<{ change_id: string; id: number }>> {
    const ids = sqlDialect(this.db.dialect).jsonArrayValues('?');
    return this.db.all(`SELECT change_id, id FROM incidents WHERE change_id IN (SELECT value FROM ${ids}) ORDER BY id`, [JSON.stringify(changeIds)]);
  }

  async changesWithIncidents(): Promise<string[]> {
    const rows = await this.db.all<{ change_id: string }>('SELECT DISTINCT change_id FROM incidents WHERE change_id IS NOT NULL');
    return rows.map((r) => r.change_id);
  }

  byProblem(problemId: number): Promise<IncidentRow[]> {
    return this.db.all<IncidentRow>('SELECT * FROM incidents WHERE problem_id = ? ORDER BY id', [problemId]);
  }

  openCounts(): Promise<Array<{ severity: string; service: string | null; n: number }>> {
    return this.db.all(`SELECT severity, service, COUNT(*) AS n FROM incidents WHERE state IN ('open', 'acknowledged') GROUP BY severity, service`);
  }

  openedCounts(): Promise<Array<{ severity: string; service: string | null; n: number }>> {
    return this.db.all(`SELECT severity, service, COUNT(*) AS n FROM incidents WHERE suppressed_by IS NULL GROUP BY severity, service`);
  }

  /** Figures of incidents opened in [fromMs, toMs). */
  async periodFigures(fromMs: number, toMs: number) {
    const totals = await this.db.get<{
      opened: number;
      suppressed: number;
      reopened: number;
      resolved: number;
      acknowledged: number;
      tta_sum: number | null;
      ttr_sum: number | null;
      ttr_n: number;
      linked_changes: number;
      linked_problems: number;
    }>(
      // COUNT(column) counts the rows where it is set (PostgreSQL cannot SUM booleans).
      `SELECT COUNT(*) - COUNT(suppressed_by) AS opened,
              COUNT(suppressed_by) AS suppressed,
              COALESCE(SUM(reopen_count), 0) AS reopened,
              COUNT(resolved_ms) AS resolved,
              COUNT(acknowledged_ms) AS acknowledged,
              SUM(acknowledged_ms - opened_ms) AS tta_sum,
              SUM(CASE WHEN resolved_ms IS NOT NULL THEN resolved_ms - opened_ms END) AS ttr_sum,
              COUNT(resolved_ms) AS ttr_n,
              COUNT(change_id) AS linked_changes,
              COUNT(problem_id) AS linked_problems
         FROM incidents WHERE opened_ms >= ? AND opened_ms < ?`,
      [fromMs, toMs],
    );
    const bySeverity = await this.db.all<{ severity: string; n: number }>(
      `SELECT severity, COUNT(*) AS n FROM incidents WHERE opened_ms >= ? AND opened_ms < ? AND suppressed_by IS NULL GROUP BY severity ORDER BY severity`,
      [fromMs, toMs],
    );
    return { totals: totals!, bySeverity };
  }
}
