import { ConflictException, Inject, Injectable, NotFoundException, Optional } from '@nestjs/common';
import type { z } from 'zod';
import { CLOCK, type Clock } from '../common/clock.js';
import { DATABASE } from '../common/tokens.js';
import type { Database, Transaction } from '../database/database.js';
import type { patchProblemBody } from './problems.dto.js';
import { PROBLEM_INCIDENTS, type ProblemIncidents, type ProblemRecords, type ProblemRef } from './problems.ports.js';
import { ProblemsRepository, type ProblemRow, type ProblemStatus } from './problems.repository.js';
import { refusableTransaction } from '../api/refusable-transaction.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function problemView(p: ProblemRow) {
  return {
    id: p.id,
    fingerprint: p.fingerprint,
    rule: p.rule,
    service: p.service,
    title: p.title,
    status: p.status,
    known_error: p.known_error === 1,
    workaround: p.workaround,
    root_cause: p.root_cause,
    created_at: iso(p.created_ms),
    updated_at: iso(p.updated_ms),
    resolved_at: iso(p.resolved_ms),
  };
}

const ACTIVE: readonly ProblemStatus[] = ['proposed', 'open'];

/**
 * Problem records (ISO/IEC 20000 problem management), proposed automatically from recurring
 * incidents. Offered to the incidents module as the ProblemRecords port.
 */
@Injectable()
export class ProblemsService implements ProblemRecords {
  constructor(
    private readonly repo: ProblemsRepository,
    @Inject(DATABASE) private readonly db: Database,
    @Inject(CLOCK) private readonly clock: Clock,
    @Optional() @Inject(PROBLEM_INCIDENTS) private readonly incidents?: ProblemIncidents,
  ) {}

  async activeFor(fingerprint: string, tx?: Transaction): Promise<ProblemRef | undefined> {
    const p = await this.repo.findActive(fingerprint, tx);
    return p && { id: p.id, status: p.status };
  }

  async propose(tx: Transaction, condition: { fingerprint: string; rule: string; service: string | null; title: string }, nowMs: number): Promise<ProblemRef> {
    const id = await this.repo.insertActive(tx, {
      ...condition,
      status: 'proposed',
      known_error: 0,
      workaround: null,
      root_cause: null,
      created_ms: nowMs,
      updated_ms: nowMs,
      resolved_ms: null,
    });
    // Undefined: another collector proposed one for this condition since we looked; that one it is.
    const p = id === undefined ? await this.repo.findActive(condition.fingerprint, tx) : await this.repo.get(id, tx);
    if (!p) throw new Error(`problem of condition ${condition.fingerprint} vanished while proposing it`);
    return { id: p.id, status: p.status };
  }

  periodFigures(fromMs: number, toMs: number): Promise<{ created: number; known_errors: number; resolved: number }> {
    return this.repo.periodFigures(fromMs, toMs);
  }

  async list(filter: Parameters<ProblemsRepository['list']>[0]) {
    return (await this.repo.list(filter)).map(problemView);
  }

  async get(id: number) {
    const p = await this.repo.get(id);
    if (!p) throw new NotFoundException({ error: 'not found', message: `problem ${id} does not exist` });
    const linked = this.incidents ? await this.incidents.incidentsOfProblem(id) : [];
    const incidents = linked.map((i) => ({ id: i.id, state: i.state, title: i.title, opened_at: iso(i.openedMs), resolved_at: iso(i.resolvedMs) }));
    return { ...problemView(p), incidents };
  }

  async update(id: number, patch: z.infer<typeof patchProblemBody>) {
    const now = this.clock.now();
    await refusableTransaction(this.db, async (tx) => {
      const p = await this.repo.get(id, tx);
      if (!p) return new NotFoundException({ error: 'not found', message: `problem ${id} does not exist` });
      if (p.status === 'closed' && patch.status !== undefined && patch.status !== 'closed') {
        return new ConflictException({ error: 'conflict', message: `problem ${id} is closed and cannot be reopened; a recurrence proposes a new problem` });
      }
      if (patch.status !== undefined && ACTIVE.includes(patch.status) && !ACTIVE.includes(p.status)) {
        const other = await this.repo.findActive(p.fingerprint, tx);
        if (other && other.id !== id) return new ConflictException({ error: 'conflict', message: `problem ${other.id} is already active for this condition` });
      }
      const fields: Parameters<ProblemsRepository['update']>[2] = {};
      if (patch.title !== undefined) fields.title = patch.title;
      if (patch.known_error !== undefined) fields.known_error = patch.known_error ? 1 : 0;
      if (patch.workaround !== undefined) fields.workaround = patch.workaround;
      if (patch.root_cause !== undefined) fields.root_cause = patch.root_cause;
      if (patch.status !== undefined && patch.status !== p.status) {
        fields.status = patch.status;
        if (patch.status === 'resolved' || patch.status === 'closed') fields.resolved_ms = p.resolved_ms ?? now;
        else fields.resolved_ms = null;
      }
      await this.repo.update(tx, id, fields, now);
      return undefined;
    });
    return this.get(id);
  }
}
