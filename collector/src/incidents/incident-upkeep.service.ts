import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, type Clock } from '../common/clock.js';
import { checkStable } from './domain/flap.js';
import { isDueForClose } from './domain/lifecycle.js';
import { ago, IncidentRecorder, SYSTEM, type AfterCommit } from './incident-recorder.js';
import type { IncidentRow } from './incidents.repository.js';
import type { Transaction } from '../database/database.js';
import { LEADERSHIP, type Leadership } from '../leadership/leadership.js';

/**
 * Keeps incidents moving with time (run by the rule evaluator's timer): closes resolved incidents,
 * opens suppressed ones whose maintenance ended, ends flapping, repeats unacknowledged triggers and
 * re-sends firing incidents to receivers that expire alerts (Alertmanager). Only the leader runs
 * it, and each of its transactions is fenced (a deposed leader's change rolls back).
 */
@Injectable()
export class IncidentUpkeep {
  private upkeeping: Promise<void> | undefined;
  /** Last refresh per incident and notifier ("id:name"). */
  private readonly refreshed = new Map<string, number>();

  constructor(
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly recorder: IncidentRecorder,
    @Inject(LEADERSHIP) private readonly leadership: Leadership,
  ) {}

  /** recorder.update, fenced: the leader's check runs in the same transaction before any write. */
  private update(id: number, work: (tx: Transaction, row: IncidentRow, after: AfterCommit) => Promise<void>): Promise<void> {
    return this.recorder.update(id, async (tx, row, after) => {
      await this.leadership.assertLeader(tx);
      await work(tx, row, after);
    });
  }

  /** One round of every job; never overlaps itself. */
  upkeep(): Promise<void> {
    this.upkeeping ??= this.run().finally(() => (this.upkeeping = undefined));
    return this.upkeeping;
  }

  private async run(): Promise<void> {
    const now = this.clock.now();
    await this.close(now);
    await this.unsuppress(now);
    await this.endFlapping(now);
    await this.repeat(now);
    await this.refreshAlertmanagers(now);
  }

  private async close(now: number): Promise<void> {
    const { recorder } = this;
    const closeAfter = recorder.settings.close_after;
    for (const row of await recorder.repo.resolvedBefore(now - closeAfter, 500)) {
      await this.update(row.id, async (tx, r, after) => {
        if (r.state !== 'resolved' || r.resolved_ms === null || !isDueForClose(r.resolved_ms, now, closeAfter)) return;
        r.state = recorder.must(r.state, { type: 'close' });
        r.closed_ms = now;
        await recorder.repo.update(tx, r.id, { state: r.state, closed_ms: now });
        await recorder.repo.addEvent(tx, r.id, now, 'closed', SYSTEM, `resolved for ${ago(closeAfter)}`);
        recorder.changed(after, 'closed', r, now);
      });
    }
  }

  private async unsuppress(now: number): Promise<void> {
    const { recorder } = this;
    for (const row of await recorder.repo.byState(['suppressed'])) {
      if (row.service !== null && recorder.activeMaintenance(row.service, now).length > 0) continue;
      await this.update(row.id, async (tx, r, after) => {
        if (r.state !== 'suppressed') return;
        r.state = recorder.must(r.state, { type: 'unsuppress' });
        recorder.openFromSuppression(r, now);
        await recorder.repo.update(tx, r.id, { state: r.state, suppressed_by: r.suppressed_by, opened_ms: r.opened_ms });
        await recorder.repo.addEvent(tx, r.id, now, 'unsuppressed', SYSTEM, 'maintenance ended and the condition is still active');
        await recorder.linkChange(tx, r, now);
        await recorder.linkProblem(tx, r, now);
        recorder.changed(after, 'unsuppressed', r, now);
        await recorder.queueNotification(tx, r, now, after);
      });
    }
  }

  private async endFlapping(now: number): Promise<void> {
    const { recorder } = this;
    for (const row of await recorder.repo.flapping()) {
      const { event } = checkStable({ changes: JSON.parse(row.flap_changes) as number[], flapping: true }, now, recorder.flap);
      if (event !== 'stopped') continue;
      await this.update(row.id, async (tx, r, after) => {
        r.flapping = 0;
        await recorder.repo.update(tx, r.id, { flapping: 0 });
        await recorder.repo.addEvent(tx, r.id, now, 'flapping_stopped', SYSTEM, `stable for ${ago(recorder.flap.stableForMs)}`);
        recorder.changed(after, 'flapping_stopped', r, now);
        await recorder.queueNotification(tx, r, now, after);
      });
    }
  }

  private async repeat(now: number): Promise<void> {
    const { recorder } = this;
    const interval = recorder.settings.repeat_interval;
    if (interval <= 0) return;
    for (const row of await recorder.repo.repeatDue(now - interval)) {
      await this.update(row.id, async (tx, r, after) => {
        // Re-checked on the locked row: a collector that just took over may run the same round.
        const stillDue = r.state === 'open' && r.notified === 'trigger' && r.flapping === 0 && r.last_notified_ms !== null && r.last_notified_ms <= now - interval;
        if (stillDue) await recorder.queueNotification(tx, r, now, after, true);
      });
    }
  }

  /** Re-sends firing incidents to Alertmanager before their endsAt passes. */
  private async refreshAlertmanagers(now: number): Promise<void> {
    const { recorder } = this;
    const targets = recorder.notifications.refreshingNotifiers();
    if (targets.length === 0) return;
    const live = new Set<string>();
    const due: Array<{ row: IncidentRow; notifier: string }> = [];
    for (const row of await recorder.repo.byState(['open', 'acknowledged'])) {
      if (row.notified !== 'trigger' && row.notified !== 'acknowledge') continue;
      for (const t of targets) {
        const key = `${row.id}:${t.name}`;
        live.add(key);
        const last = this.refreshed.get(key);
        if (last === undefined) this.refreshed.set(key, row.last_notified_ms ?? now);
        else if (now - last >= t.intervalMs) {
          due.push({ row, notifier: t.name });
          this.refreshed.set(key, now);
        }
      }
    }
    for (const key of this.refreshed.keys()) if (!live.has(key)) this.refreshed.delete(key);
    if (due.length === 0) return;
    await recorder.commit(async (tx, after) => {
      await this.leadership.assertLeader(tx);
      for (const { row, notifier } of due) await recorder.notifications.queue(tx, recorder.mapper.message(row, 'trigger', false, true), `vigil-${row.id}-refresh-${now}`, now, [notifier]);
      after.notificationsQueued = true;
    });
  }
}
