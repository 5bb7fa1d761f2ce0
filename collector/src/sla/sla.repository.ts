import { Inject, Injectable } from '@nestjs/common';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { DATABASE } from '../common/tokens.js';
import type { Database, Transaction } from '../database/database.js';
import { sqlDialect } from '../database/dialect.js';
import { DAY_MINUTES, DAY_WORDS } from './domain/bitmap.js';
import { ServiceDay } from './status-store.js';
import type { AuditEntry, AuditRecord } from './audit.js';
import { LEADERSHIP, SoleLeadership, type Leadership } from '../leadership/leadership.js';

interface DayRow {
  service_id: string;
  day: number;
  good: Buffer;
  bad: Buffer;
  latency: Buffer | null;
  events: Buffer | null;
}

export interface StoredDefinition {
  id: string;
  definition: string;
  created_ms: number;
  updated_ms: number;
  created_by: string | null;
  retroactive?: number;
}

export interface RebuildEntry {
  service_id: string;
  day: number;
  from_minute: number;
  to_minute: number;
}

/**
 * SQL only. Each write method is one transaction of its own. The minute states, probe last-seen
 * times, engine state and rebuild queue are written by the leader only: those transactions start
 * with the fencing check (catalogue and maintenance definitions are written by any replica).
 */
@Injectable()
export class SlaRepository {
  constructor(
    @Inject(DATABASE) private readonly db: Database,
    // Constructed without one (specs of the SQL alone): a sole collector, nothing to fence.
    @Inject(LEADERSHIP) private readonly leadership: Leadership = new SoleLeadership('sla-repository'),
  ) {}

  /** A transaction only the leader may run: a deposed leader's write throws NotLeaderError and rolls back. */
  private leaderTransaction<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
    return this.db.transaction(async (tx) => {
      await this.leadership.assertLeader(tx);
      return work(tx);
    });
  }

  async saveDays(days: readonly ServiceDay[], nowMs: number): Promise<void> {
    if (days.length === 0) return;
    await this.leaderTransaction(async (tx) => {
      const stmt = tx.prepare(
        'INSERT INTO sla_service_days (service_id, day, good, bad, latency, events, updated_ms) VALUES (?, ?, ?, ?, ?, ?, ?) ' +
          'ON CONFLICT (service_id, day) DO UPDATE SET good = excluded.good, bad = excluded.bad, latency = excluded.latency, events = excluded.events, updated_ms = excluded.updated_ms',
      );
      try {
        for (const d of days) await tx.run(stmt, [d.service, d.day, encodeBits(d.good), encodeBits(d.bad), encodeLatency(d), encodeEvents(d), nowMs]);
      } finally {
        await stmt.finalize();
      }
    });
  }

  async loadDays(fromDay: number, toDay: number, service?: string): Promise<ServiceDay[]> {
    const rows = service
      ? await this.db.all<DayRow>('SELECT * FROM sla_service_days WHERE service_id = ? AND day BETWEEN ? AND ?', [service, fromDay, toDay])
      : await this.db.all<DayRow>('SELECT * FROM sla_service_days WHERE day BETWEEN ? AND ?', [fromDay, toDay]);
    return rows.map(decodeDay);
  }

  /** Days written with a flush stamp at or after `stampMs` (what a follower has not read yet). */
  async loadDaysStampedSince(stampMs: number): Promise<ServiceDay[]> {
    return (await this.db.all<DayRow>('SELECT * FROM sla_service_days WHERE updated_ms >= ?', [stampMs])).map(decodeDay);
  }

  /** The newest flush stamp on any day (0 when none). */
  async newestDayStamp(): Promise<number> {
    return (await this.db.get<{ stamp: number | null }>('SELECT MAX(updated_ms) AS stamp FROM sla_service_days'))?.stamp ?? 0;
  }

  async deleteServiceDays(service: string): Promise<void> {
    await this.db.transaction((tx) => tx.run('DELETE FROM sla_service_days WHERE service_id = ?', [service]));
  }

  async getState(key: string): Promise<string | undefined> {
    return (await this.db.get<{ value: string }>('SELECT value FROM sla_state WHERE key = ?', [key]))?.value;
  }

  async setState(key: string, value: string): Promise<void> {
    await this.leaderTransaction((tx) =>
      tx.run('INSERT INTO sla_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [key, value]),
    );
  }

  private get sql() {
    return sqlDialect(this.db.dialect);
  }

  async saveProbeSeen(entries: readonly { service: string; probe: string; firstMs: number; lastMs: number }[]): Promise<void> {
    if (entries.length === 0) return;
    await this.leaderTransaction(async (tx) => {
      for (const e of entries)
        await tx.run(
          'INSERT INTO sla_probe_seen (service_id, probe, first_ms, last_ms) VALUES (?, ?, ?, ?) ' +
            `ON CONFLICT (service_id, probe) DO UPDATE SET first_ms = ${this.sql.least('sla_probe_seen.first_ms', 'excluded.first_ms')}, ` +
            `last_ms = ${this.sql.greatest('sla_probe_seen.last_ms', 'excluded.last_ms')}`,
          [e.service, e.probe, e.firstMs, e.lastMs],
        );
    });
  }

  loadProbeSeen(): Promise<{ service_id: string; probe: string; first_ms: number; last_ms: number }[]> {
    return this.db.all('SELECT service_id, probe, first_ms, last_ms FROM sla_probe_seen');
  }

  async queueRebuild(entries: readonly RebuildEntry[]): Promise<void> {
    if (entries.length === 0) return;
    await this.leaderTransaction(async (tx) => {
      for (const e of entries)
        await tx.run(
          'INSERT INTO sla_rebuild_queue (service_id, day, from_minute, to_minute) VALUES (?, ?, ?, ?) ' +
            `ON CONFLICT (service_id, day) DO UPDATE SET from_minute = ${this.sql.least('sla_rebuild_queue.from_minute', 'excluded.from_minute')}, ` +
            `to_minute = ${this.sql.greatest('sla_rebuild_queue.to_minute', 'excluded.to_minute')}`,
          [e.service_id, e.day, e.from_minute, e.to_minute],
        );
    });
  }

  loadRebuildQueue(): Promise<RebuildEntry[]> {
    return this.db.all<RebuildEntry>('SELECT service_id, day, from_minute, to_minute FROM sla_rebuild_queue ORDER BY day');
  }

  /** Removes a queue entry only if it still covers no more than what was rebuilt. */
  async dequeueRebuild(e: RebuildEntry): Promise<void> {
    await this.leaderTransaction((tx) =>
      tx.run('DELETE FROM sla_rebuild_queue WHERE service_id = ? AND day = ? AND from_minute >= ? AND to_minute <= ?', [
        e.service_id,
        e.day,
        e.from_minute,
        e.to_minute,
      ]),
    );
  }

  listDefinitions(table: 'sla_services' | 'sla_maintenance'): Promise<StoredDefinition[]> {
    return this.db.all<StoredDefinition>(`SELECT * FROM ${table} ORDER BY id`);
  }

  /** Inserts or replaces a definition and appends the audit entry, atomically. */
  async saveDefinition(
    table: 'sla_services' | 'sla_maintenance',
    row: { id: string; definition: string; nowMs: number; createdBy: string | null; retroactive?: boolean },
    audit: AuditRecord,
  ): Promise<void> {
    await this.db.transaction(async (tx) => {
      if (table === 'sla_services')
        await tx.run(
          'INSERT INTO sla_services (id, definition, created_ms, updated_ms, created_by) VALUES (?, ?, ?, ?, ?) ' +
            'ON CONFLICT (id) DO UPDATE SET definition = excluded.definition, updated_ms = excluded.updated_ms',
          [row.id, row.definition, row.nowMs, row.nowMs, row.createdBy],
        );
      else
        await tx.run(
          'INSERT INTO sla_maintenance (id, definition, retroactive, created_ms, updated_ms, created_by) VALUES (?, ?, ?, ?, ?, ?) ' +
            `ON CONFLICT (id) DO UPDATE SET definition = excluded.definition, retroactive = ${this.sql.greatest('sla_maintenance.retroactive', 'excluded.retroactive')}, ` +
            'updated_ms = excluded.updated_ms',
          [row.id, row.definition, row.retroactive ? 1 : 0, row.nowMs, row.nowMs, row.createdBy],
        );
      await this.insertAudit(tx, { ...audit, entity_id: row.id, at_ms: row.nowMs, definition: row.definition });
    });
  }

  async deleteDefinition(table: 'sla_services' | 'sla_maintenance', id: string, atMs: number, audit: AuditRecord): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.run(`DELETE FROM ${table} WHERE id = ?`, [id]);
      await this.insertAudit(tx, { ...audit, entity_id: id, at_ms: atMs, definition: null });
    });
  }

  listAudit(entity: 'service' | 'maintenance', id: string): Promise<AuditEntry[]> {
    return this.db.all<AuditEntry>('SELECT * FROM sla_audit WHERE entity = ? AND entity_id = ? ORDER BY seq', [entity, id]);
  }

  private async insertAudit(tx: Transaction, a: Omit<AuditEntry, 'seq'>): Promise<void> {
    await tx.run(
      'INSERT INTO sla_audit (entity, entity_id, action, actor, token, at_ms, reason, retroactive, definition) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      [a.entity, a.entity_id, a.action, a.actor, a.token, a.at_ms, a.reason, a.retroactive, a.definition],
    );
  }
}

// Explicit little-endian encoding: the files stay portable between machines.
export function encodeBits(bits: Uint32Array): Buffer {
  const buf = Buffer.alloc(DAY_WORDS * 4);
  for (let w = 0; w < DAY_WORDS; w++) buf.writeUInt32LE(bits[w]! >>> 0, w * 4);
  return buf;
}

export function decodeBits(buf: Buffer): Uint32Array {
  const bits = new Uint32Array(DAY_WORDS);
  for (let w = 0; w < DAY_WORDS && w * 4 + 4 <= buf.length; w++) bits[w] = buf.readUInt32LE(w * 4);
  return bits;
}

function encodeLatency(d: ServiceDay): Buffer | null {
  if (!d.latencyGood || !d.latencyTotal) return null;
  const buf = Buffer.alloc(DAY_MINUTES * 4);
  for (let m = 0; m < DAY_MINUTES; m++) {
    buf.writeUInt16LE(d.latencyGood[m]!, m * 2);
    buf.writeUInt16LE(d.latencyTotal[m]!, DAY_MINUTES * 2 + m * 2);
  }
  return deflateRawSync(buf);
}

function encodeEvents(d: ServiceDay): Buffer | null {
  if (!d.eventGood || !d.eventTotal) return null;
  const buf = Buffer.alloc(DAY_MINUTES * 16);
  for (let m = 0; m < DAY_MINUTES; m++) {
    buf.writeDoubleLE(d.eventGood[m]!, m * 8);
    buf.writeDoubleLE(d.eventTotal[m]!, DAY_MINUTES * 8 + m * 8);
  }
  return deflateRawSync(buf);
}

function decodeDay(row: DayRow): ServiceDay {
  const d = new ServiceDay(row.service_id, row.day);
  d.good = decodeBits(row.good);
  d.bad = decodeBits(row.bad);
  if (row.latency) {
    const buf = inflateRawSync(row.latency);
    const lat = d.ensureLatency();
    for (let m = 0; m < DAY_MINUTES; m++) {
      lat.good[m] = buf.readUInt16LE(m * 2);
      lat.total[m] = buf.readUInt16LE(DAY_MINUTES * 2 + m * 2);
    }
  }
  if (row.events) {
    const buf = inflateRawSync(row.events);
    const events = d.ensureEvents();
    for (let m = 0; m < DAY_MINUTES; m++) {
      events.good[m] = buf.readDoubleLE(m * 8);
      events.total[m] = buf.readDoubleLE(DAY_MINUTES * 8 + m * 8);
    }
  }
  return d;
}
