import { Inject, Injectable, Logger, Optional, type OnModuleInit } from '@nestjs/common';
import { formatDuration } from '@vigil/proto';
import { CHANGE_RECORDS, type ChangeRecords } from '../changes/changes.ports.js';
import { CLOCK, type Clock } from '../common/clock.js';
import { CollectorEvents } from '../common/events.js';
import { DATABASE } from '../common/tokens.js';
import type { Database, Transaction } from '../database/database.js';
import { NOTIFICATION_QUEUE, type NotificationQueue } from '../notify/notify.ports.js';
import { PROBLEM_RECORDS, type ProblemRecords } from '../problems/problems.ports.js';
import { expandMaintenance } from '../sla/domain/maintenance.js';
import { recordChange, type FlapSettings } from './domain/flap.js';
import { transition, type IncidentState, type LifecycleAction } from './domain/lifecycle.js';
import { decide, type NotifySettings } from './domain/notification-policy.js';
import type { IncidentEvent } from './incident-events.js';
import { IncidentMapper } from './incident-view.js';
import type { IncidentsSettings } from './incidents.config.js';
import { IncidentsMetrics } from './incidents.metrics.js';
import { IncidentsRepository, type IncidentRow } from './incidents.repository.js';
import { MAINTENANCE_SOURCE, type MaintenanceSource } from './incidents.sources.js';
import { INCIDENTS_SETTINGS } from './incidents.tokens.js';

/** The actor of changes Vigil makes itself. */
export const SYSTEM = 'vigil';
/** "2h", "10m", "1.5s": durations in timeline texts. */
export const ago = (ms: number): string => formatDuration(ms, { largestUnit: 'd', singleUnit: true });

/** The log line of the changes operators follow (opened, acknowledged, resolved); others are quiet. */
function describeForLog({ change, incident }: IncidentEvent): string | undefined {
  const subject = `incident #${incident.id} ${incident.title} (rule ${incident.rule}, ${incident.severity}${incident.service ? `, service ${incident.service}` : ''})`;
  switch (change) {
    case 'opened':
    case 'reopened':
      return `${subject} ${change}`;
    case 'acknowledged':
      return `${subject} acknowledged by ${incident.acknowledged_by ?? SYSTEM}`;
    case 'resolved':
      return `${subject} resolved by ${incident.resolved_by ?? SYSTEM}`;
    default:
      return undefined;
  }
}

/**
 * What a committed change leaves to do once it is durable: publish its events and, when it queued
 * notifications, wake the delivery worker. Filled inside the transaction, acted on after the commit
 * (waking earlier would let the worker look before the entries are visible).
 */
export class AfterCommit {
  readonly events: IncidentEvent[] = [];
  notificationsQueued = false;
}

/**
 * The steps every incident change is made of, shared by transitions, API actions and upkeep: a
 * transaction with its after-commit work, resolving, flap tracking, links to changes and problems,
 * and queueing notifications. Each step runs inside the caller's transaction.
 */
@Injectable()
export class IncidentRecorder implements OnModuleInit {
  private readonly log = new Logger('incidents');
  readonly mapper: IncidentMapper;
  readonly flap: FlapSettings;
  private readonly notifySettings: NotifySettings;

  constructor(
    @Inject(INCIDENTS_SETTINGS) readonly settings: IncidentsSettings,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(DATABASE) private readonly db: Database,
    readonly repo: IncidentsRepository,
    readonly metrics: IncidentsMetrics,
    private readonly events: CollectorEvents,
    @Inject(CHANGE_RECORDS) private readonly changes: ChangeRecords,
    @Inject(PROBLEM_RECORDS) private readonly problems: ProblemRecords,
    @Inject(NOTIFICATION_QUEUE) readonly notifications: NotificationQueue,
    @Optional() @Inject(MAINTENANCE_SOURCE) private readonly maintenance?: MaintenanceSource,
  ) {
    this.mapper = new IncidentMapper(settings.external_url);
    this.flap = { windowMs: settings.flap_window, threshold: settings.flap_threshold, stableForMs: settings.flap_stable_for };
    this.notifySettings = { groupWaitMs: settings.group_wait, repeatIntervalMs: settings.repeat_interval };
  }

  /**
   * Delivery outcomes go on the incident's timeline: each delivery, each final failure, and the
   * first failed attempt of a delivery that will be retried (later retries only in metrics, so a
   * receiver that is down for hours does not flood the timeline).
   */
  onModuleInit(): void {
    this.notifications.onOutcome((o) => {
      if (!o.message || o.message.refresh || (o.outcome === 'retry' && o.attempts > 1)) return;
      const now = this.clock.now();
      const { event } = o.message;
      const detail =
        o.outcome === 'delivered'
          ? `${event} delivered to ${o.row.notifier} (attempt ${o.attempts})`
          : o.outcome === 'retry'
            ? `${event} to ${o.row.notifier} failed: ${o.error} (attempt ${o.attempts}; retrying in ${ago(Math.max(0, (o.nextDueMs ?? now) - now))})`
            : `${event} to ${o.row.notifier} failed: ${o.error}`;
      const message = o.message;
      void this.db
        .transaction((tx) => this.repo.addEvent(tx, message.incidentId, now, o.outcome === 'delivered' ? 'notified' : 'notification_failed', o.row.notifier, detail))
        .catch((error) => this.log.error(`timeline write failed: ${String(error)}`));
    });
  }

  /**
   * Runs `work` in one transaction, then does what it left for after the commit. Every write of
   * `work` goes through its `tx`; it must not await another transaction (that waits for this one).
   */
  async commit<T>(work: (tx: Transaction, after: AfterCommit) => Promise<T>): Promise<T> {
    const after = new AfterCommit();
    const result = await this.db.transaction((tx) => work(tx, after));
    this.afterCommit(after);
    return result;
  }

  /** Loads incident `id` and changes it in one transaction (nothing when it no longer exists). */
  update(id: number, work: (tx: Transaction, row: IncidentRow, after: AfterCommit) => Promise<void>): Promise<void> {
    return this.commit(async (tx, after) => {
      const row = await this.repo.get(id, tx);
      if (row) await work(tx, row, after);
    });
  }

  afterCommit(after: AfterCommit): void {
    if (after.notificationsQueued) this.notifications.wake();
    for (const event of after.events) {
      const line = describeForLog(event);
      if (line) this.log.log(line);
      this.events.emit('incident', event);
    }
  }

  /** Records the change for publication after the commit, as the incident is now. */
  changed(after: AfterCommit, change: IncidentEvent['change'], row: IncidentRow, now: number): void {
    after.events.push({ change, incident: this.mapper.view(row), atMs: now });
  }

  async resolve(tx: Transaction, row: IncidentRow, now: number, actor: string | null, detail: string, value: number | null, after: AfterCommit): Promise<void> {
    const wasSuppressed = row.state === 'suppressed';
    row.state = this.must(row.state, { type: 'resolve' });
    row.resolved_ms = now;
    row.resolved_by = actor;
    if (value !== null) row.value = value;
    await this.repo.update(tx, row.id, { state: row.state, resolved_ms: now, resolved_by: actor, value: row.value });
    await this.repo.addEvent(tx, row.id, now, 'resolved', actor ?? SYSTEM, detail);
    if (!wasSuppressed && row.reopen_count === 0) this.metrics.resolved(row.severity, row.service, (now - row.opened_ms) / 1000);
    this.changed(after, 'resolved', row, now);
    await this.recordFlap(tx, row, now, after);
    await this.queueNotification(tx, row, now, after);
  }

  /** An incident that was only ever suppressed opens for real now (it counts as opened from here). */
  openFromSuppression(row: IncidentRow, now: number): void {
    if (row.suppressed_by === null) return;
    row.suppressed_by = null;
    row.opened_ms = now;
  }

  async linkChange(tx: Transaction, row: IncidentRow, now: number): Promise<void> {
    if (row.service === null || this.settings.change_window <= 0) return;
    const change = await this.changes.suspectFor(row.service, now, this.settings.change_window);
    if (!change) return;
    row.change_id = change.id;
    await this.repo.update(tx, row.id, { change_id: change.id });
    await this.repo.addEvent(tx, row.id, now, 'linked_change', SYSTEM, `opened within ${ago(this.settings.change_window)} of change ${change.id} on service ${row.service}`);
  }

  /** Recurring conditions (problem_threshold openings within problem_period) get a problem record. */
  async linkProblem(tx: Transaction, row: IncidentRow, now: number): Promise<void> {
    if (this.settings.problem_threshold <= 0 || row.problem_id !== null) return;
    const since = now - this.settings.problem_period;
    let problem = await this.problems.activeFor(row.fingerprint, tx);
    if (!problem) {
      const openings = await this.repo.openingsSince(row.fingerprint, since, tx);
      if (openings < this.settings.problem_threshold) return;
      problem = await this.problems.propose(tx, { fingerprint: row.fingerprint, rule: row.rule, service: row.service, title: `Recurring: ${row.title}` }, now);
    }
    for (const id of await this.repo.linkProblem(tx, row.fingerprint, since, problem.id)) {
      await this.repo.addEvent(tx, id, now, 'linked_problem', SYSTEM, `linked to problem #${problem.id} (${problem.status})`);
    }
    row.problem_id = problem.id;
  }

  async recordFlap(tx: Transaction, row: IncidentRow, now: number, after: AfterCommit): Promise<void> {
    if (this.flap.threshold <= 0) return;
    const { state, event } = recordChange({ changes: JSON.parse(row.flap_changes) as number[], flapping: row.flapping === 1 }, now, this.flap);
    row.flap_changes = JSON.stringify(state.changes);
    row.flapping = state.flapping ? 1 : 0;
    await this.repo.update(tx, row.id, { flap_changes: row.flap_changes, flapping: row.flapping });
    if (event === 'started') {
      await this.repo.addEvent(tx, row.id, now, 'flapping_started', SYSTEM, `${state.changes.length} state changes within ${ago(this.flap.windowMs)}; notifications held until stable for ${ago(this.flap.stableForMs)}`);
      this.changed(after, 'flapping_started', row, now);
    }
  }

  /** Queues what receivers should now hear about `row`; the worker is woken after the commit. */
  async queueNotification(tx: Transaction, row: IncidentRow, now: number, after: AfterCommit, repeat = false): Promise<void> {
    const decision = repeat ? ({ notify: true, event: 'trigger', delayMs: 0 } as const) : decide({ state: row.state, flapping: row.flapping === 1, notified: row.notified }, this.notifySettings);
    if (!decision.notify) return;
    const only = decision.event === 'resolve' ? await this.notifications.prepareResolve(tx, row.id, now) : undefined;
    const seq = row.notify_seq + 1;
    const queued = await this.notifications.queue(tx, this.mapper.message(row, decision.event, repeat, false), `vigil-${row.id}-${seq}`, now + decision.delayMs, only);
    row.notified = decision.event;
    row.notify_seq = seq;
    row.last_notified_ms = now;
    await this.repo.update(tx, row.id, { notified: row.notified, notify_seq: seq, last_notified_ms: now });
    if (queued.length > 0) {
      const when = decision.delayMs > 0 ? ` after group_wait ${ago(decision.delayMs)}` : '';
      await this.repo.addEvent(tx, row.id, now, 'notification_queued', SYSTEM, `${repeat ? 'repeat ' : ''}${decision.event} for ${queued.join(', ')}${when}`);
    }
    after.notificationsQueued = true;
  }

  /** Maintenance windows of `service` in force at `now`. */
  activeMaintenance(service: string, now: number): ReadonlyArray<{ id: string }> {
    if (!this.maintenance) return [];
    try {
      return this.maintenance.list().filter((m) => m.window.services.includes(service) && expandMaintenance(m.window, now, now + 1).length > 0);
    } catch (error) {
      // Unknown maintenance state: do not suppress (a missed page is worse than an extra one).
      this.log.error(`maintenance lookup failed for ${service}: ${String(error)}`);
      return [];
    }
  }

  /** The state after `action`, which the caller has already checked is allowed. */
  must(state: IncidentState, action: LifecycleAction): IncidentState {
    const r = transition(state, action);
    if (!r.ok) throw new Error(`internal: ${r.reason}`);
    return r.state;
  }
}
