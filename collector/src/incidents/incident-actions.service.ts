import { ConflictException, HttpException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { refusableTransaction } from '../api/refusable-transaction.js';
import { CLOCK, type Clock } from '../common/clock.js';
import { DATABASE } from '../common/tokens.js';
import type { Database, Transaction } from '../database/database.js';
import { transition, type LifecycleAction } from './domain/lifecycle.js';
import { AfterCommit, IncidentRecorder } from './incident-recorder.js';
import { iso, type IncidentView, type TimelineEntry } from './incident-view.js';
import type { IncidentFilter, IncidentRow } from './incidents.repository.js';

const notFound = (id: number) => new NotFoundException({ error: 'not found', message: `incident ${id} does not exist` });

/** What people do with incidents through the API: read, acknowledge, resolve by hand, comment. */
@Injectable()
export class IncidentActions {
  constructor(
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(DATABASE) private readonly db: Database,
    private readonly recorder: IncidentRecorder,
  ) {}

  async acknowledge(id: number, by: string): Promise<IncidentView> {
    return this.act(id, { type: 'acknowledge' }, async (tx, row, now, after) => {
      const { recorder } = this;
      row.state = recorder.must(row.state, { type: 'acknowledge' });
      row.acknowledged_ms = now;
      row.acknowledged_by = by;
      await recorder.repo.update(tx, row.id, { state: row.state, acknowledged_ms: now, acknowledged_by: by });
      await recorder.repo.addEvent(tx, row.id, now, 'acknowledged', by, null);
      recorder.metrics.acknowledged(row.severity, row.service, (now - row.opened_ms) / 1000);
      recorder.changed(after, 'acknowledged', row, now);
      await recorder.queueNotification(tx, row, now, after);
    });
  }

  async resolve(id: number, by: string, note: string | undefined): Promise<IncidentView> {
    return this.act(id, { type: 'resolve' }, async (tx, row, now, after) => {
      await this.recorder.resolve(tx, row, now, by, note ? `resolved by hand: ${note}` : 'resolved by hand', null, after);
    });
  }

  async comment(id: number, by: string, text: string): Promise<IncidentView> {
    return this.act(id, null, async (tx, row, now, after) => {
      await this.recorder.repo.addEvent(tx, row.id, now, 'comment', by, text);
      this.recorder.changed(after, 'commented', row, now);
    });
  }

  async get(id: number): Promise<IncidentView & { timeline: TimelineEntry[] }> {
    const row = await this.recorder.repo.get(id);
    if (!row) throw notFound(id);
    const timeline = (await this.recorder.repo.events(id)).map((e) => ({ at: iso(e.at_ms)!, type: e.type, actor: e.actor, detail: e.detail }));
    return { ...this.recorder.mapper.view(row), timeline };
  }

  async list(filter: IncidentFilter): Promise<IncidentView[]> {
    return (await this.recorder.repo.list(filter)).map((r) => this.recorder.mapper.view(r));
  }

  /**
   * An API action in one transaction; refusals (unknown id, action not allowed in the state) are
   * decided before any write (see refusableTransaction).
   */
  private async act(id: number, action: LifecycleAction | null, work: (tx: Transaction, row: IncidentRow, now: number, after: AfterCommit) => Promise<void>): Promise<IncidentView> {
    const after = new AfterCommit();
    const row = await refusableTransaction(this.db, async (tx): Promise<IncidentRow | HttpException> => {
      const row = await this.recorder.repo.get(id, tx);
      if (!row) return notFound(id);
      if (action) {
        const allowed = transition(row.state, action);
        if (!allowed.ok) return new ConflictException({ error: 'conflict', message: `incident ${row.id}: ${allowed.reason}`, state: row.state });
      }
      await work(tx, row, this.clock.now(), after);
      return row;
    });
    this.recorder.afterCommit(after);
    return this.recorder.mapper.view(row);
  }
}
