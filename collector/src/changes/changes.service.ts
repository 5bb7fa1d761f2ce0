import { BadRequestException, ConflictException, Inject, Injectable, NotFoundException, Optional } from '@nestjs/common';
import { CLOCK, type Clock } from '../common/clock.js';
import { DATABASE } from '../common/tokens.js';
import type { Database } from '../database/database.js';
import type { z } from 'zod';
import { ChangesRepository, type ChangeOutcome, type ChangeRecord } from './changes.repository.js';
import { CHANGE_INCIDENTS, type ChangeIncidents, type ChangeRecords } from './changes.ports.js';
import type { createChangeBody, patchChangeBody } from './changes.dto.js';
import { refusableTransaction } from '../api/refusable-transaction.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** A change as the API shows it, with the incidents linked to it. */
export function changeView(c: ChangeRecord, incidentIds: readonly number[]) {
  return {
    id: c.id,
    services: c.services,
    description: c.description,
    planned_start: iso(c.plannedStartMs),
    planned_end: iso(c.plannedEndMs),
    actual_start: iso(c.actualStartMs),
    actual_end: iso(c.actualEndMs),
    outcome: c.outcome,
    created_at: iso(c.createdMs),
    updated_at: iso(c.updatedMs),
    incidents: [...incidentIds],
  };
}
export type ChangeView = ReturnType<typeof changeView>;

/**
 * Change records (ISO/IEC 20000 change management); incidents link to them by service and time.
 * Offered to the incidents module as the ChangeRecords port.
 */
@Injectable()
export class ChangesService implements ChangeRecords {
  constructor(
    private readonly repo: ChangesRepository,
    @Inject(DATABASE) private readonly db: Database,
    @Inject(CLOCK) private readonly clock: Clock,
    @Optional() @Inject(CHANGE_INCIDENTS) private readonly incidents?: ChangeIncidents,
  ) {}

  async create(input: z.infer<typeof createChangeBody>): Promise<ChangeView> {
    const now = this.clock.now();
    const record: ChangeRecord = {
      id: input.id,
      services: [...new Set(input.services)].sort(),
      description: input.description,
      plannedStartMs: input.planned_start ?? null,
      plannedEndMs: input.planned_end ?? null,
      actualStartMs: input.actual_start ?? null,
      actualEndMs: input.actual_end ?? null,
      outcome: input.outcome ?? null,
      createdMs: now,
      updatedMs: now,
    };
    await refusableTransaction(this.db, async (tx) => {
      if (await this.repo.insert(tx, record)) return undefined;
      return new ConflictException({ error: 'conflict', message: `change ${record.id} already exists` });
    });
    return changeView(record, []);
  }

  async update(id: string, patch: z.infer<typeof patchChangeBody>): Promise<ChangeView> {
    const now = this.clock.now();
    return refusableTransaction(this.db, async (tx) => {
      const current = await this.repo.get(id, tx);
      if (!current) return new NotFoundException({ error: 'not found', message: `change ${id} does not exist` });
      const fields: Parameters<ChangesRepository['update']>[2] = {};
      if (patch.description !== undefined) fields.description = patch.description;
      if (patch.actual_start !== undefined) fields.actualStartMs = patch.actual_start;
      if (patch.actual_end !== undefined) fields.actualEndMs = patch.actual_end;
      if (patch.outcome !== undefined) fields.outcome = patch.outcome;
      const start = fields.actualStartMs !== undefined ? fields.actualStartMs : current.actualStartMs;
      const end = fields.actualEndMs !== undefined ? fields.actualEndMs : current.actualEndMs;
      if (start !== null && end !== null && end < start) return new BadRequestException({ error: 'invalid request', issues: ['actual_end: is before actual_start'] });
      await this.repo.update(tx, id, fields, now);
      return (await this.views([(await this.repo.get(id, tx))!]))[0]!;
    });
  }

  async get(id: string): Promise<ChangeView> {
    const c = await this.repo.get(id);
    if (!c) throw new NotFoundException({ error: 'not found', message: `change ${id} does not exist` });
    return (await this.views([c]))[0]!;
  }

  async list(filter: Parameters<ChangesRepository['list']>[0]): Promise<ChangeView[]> {
    return this.views(await this.repo.list(filter));
  }

  async suspectFor(service: string, atMs: number, windowMs: number): Promise<{ id: string } | undefined> {
    const change = await this.repo.suspectFor(service, atMs, windowMs);
    return change && { id: change.id };
  }

  periodOutcomes(fromMs: number, toMs: number): Promise<Array<{ outcome: ChangeOutcome | null; n: number }>> {
    return this.repo.periodOutcomes(fromMs, toMs);
  }

  countTakingEffect(changeIds: readonly string[], fromMs?: number, toMs?: number): Promise<number> {
    return this.repo.countTakingEffect(changeIds, fromMs, toMs);
  }

  private async views(records: readonly ChangeRecord[]): Promise<ChangeView[]> {
    const linked = this.incidents && records.length ? await this.incidents.incidentIdsByChange(records.map((c) => c.id)) : new Map<string, number[]>();
    return records.map((c) => changeView(c, linked.get(c.id) ?? []));
  }
}
