import { ConflictException, HttpException, Inject, Injectable, Logger, NotFoundException, Optional, type OnModuleInit } from '@nestjs/common';
import { CLOCK, type Clock } from '../common/clock.js';
import { CONFIG, DATABASE } from '../common/tokens.js';
import type { Database } from '../database/database.js';
import { ChangesRepository } from '../changes/changes.repository.js';
import { ProblemsRepository } from '../problems/problems.repository.js';
import { NotifyService } from '../notify/notify.service.js';
import type { NotificationMessage } from '../notify/notify.types.js';
import { OutboxRepository } from '../notify/outbox.repository.js';
import { checkStable, recordChange, type FlapSettings } from './domain/flap.js';
import { isDueForClose, shouldReopen, transition, type IncidentState, type LifecycleAction } from './domain/lifecycle.js';
import { decide, type NotifyEvent, type NotifySettings } from './domain/notification-policy.js';
import { compileTemplate, formatNumber, type Template } from './domain/template.js';
import type { IncidentsSettings, RuleSpec } from './incidents.config.js';
import { IncidentsMetrics } from './incidents.metrics.js';
import { IncidentsRepository, type IncidentEventRow, type IncidentFilter, type IncidentRow } from './incidents.repository.js';
import { MAINTENANCE_SOURCE, type MaintenanceSource } from './incidents.sources.js';
import { expandMaintenance } from '../sla/domain/maintenance.js';
import { INCIDENTS_SETTINGS } from './incidents.tokens.js';
import { refusableTransaction } from '../api/refusable-transaction.js';
import type { ConditionTransition } from './rule-engine.js';

export interface IncidentView {
  id: number;
  fingerprint: string;
  rule: string;
  severity: string;
  service: string | null;
  title: string;
  description: string;
  labels: Record<string, string>;
  state: IncidentState;
  value: number | null;
  flapping: boolean;
  started_at: string;
  opened_at: string;
  acknowledged_at: string | null;
  acknowledged_by: string | null;
  resolved_at: string | null;
  resolved_by: string | null;
  closed_at: string | null;
  reopen_count: number;
  suppressed_by: string | null;
  change_id: string | null;
  problem_id: number | null;
  url: string;
}

export interface TimelineEntry {
  at: string;
  type: string;
  actor: string | null;
  detail: string | null;
}

export type IncidentChange =
  | 'opened'
  | 'reopened'
  | 'suppressed'
  | 'unsuppressed'
  | 'acknowledged'
  | 'resolved'
  | 'closed'
  | 'commented'
  | 'flapping_started'
  | 'flapping_stopped';

export interface IncidentEvent {
  change: IncidentChange;
  incident: IncidentView;
  atMs: number;
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
/** Transitions waiting to be applied; beyond this they are dropped and counted (a stalled database). */
const MAX_QUEUED_TRANSITIONS = 100_000;
const SYSTEM = 'vigil';

/**
 * Incident management: applies rule transitions (open, dedupe, reopen, suppress, link changes and
 * problems, detect flapping, queue notifications — all in one transaction per change), serves the
 * API's lifecycle actions, and keeps incidents moving with time (close, end of maintenance, end of
 * flapping, repeats, Alertmanager refreshes).
 */
@Injectable()
export class IncidentsService implements OnModuleInit {
  private readonly log = new Logger('incidents');
  private readonly rules = new Map<string, RuleSpec>();
  private readonly templates = new Map<string, { title: Template; description: Template }>();
  private readonly listeners = new Set<(event: IncidentEvent) => void>();
  private readonly flap: FlapSettings;
  private readonly notifySettings: NotifySettings;
  private readonly baseUrl: string;
  private queue: ConditionTransition[] = [];
  private draining: Promise<void> | undefined;
  private upkeeping: Promise<void> | undefined;
  private readonly refreshed = new Map<string, number>();
  private lastPruneMs = 0;

  constructor(
    @Inject(CONFIG) config: { rules: readonly RuleSpec[] },
    @Inject(INCIDENTS_SETTINGS) private readonly settings: IncidentsSettings,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(DATABASE) private readonly db: Database,
    private readonly repo: IncidentsRepository,
    private readonly changes: ChangesRepository,
    private readonly problems: ProblemsRepository,
    private readonly notify: NotifyService,
    private readonly outbox: OutboxRepository,
    private readonly metrics: IncidentsMetrics,
    @Optional() @Inject(MAINTENANCE_SOURCE) private readonly maintenance?: MaintenanceSource,
  ) {
    for (const rule of config.rules) {
      this.rules.set(rule.name, rule);
      this.templates.set(rule.name, { title: compileTemplate(rule.title), description: compileTemplate(rule.description) });
    }
    this.flap = { windowMs: settings.flap_window, threshold: settings.flap_threshold, stableForMs: settings.flap_stable_for };
    this.notifySettings = { groupWaitMs: settings.group_wait, repeatIntervalMs: settings.repeat_interval };
    this.baseUrl = settings.external_url.replace(/\/+$/, '');
  }

  onModuleInit(): void {
    this.notify.onOutcome((o) => {
      if (!o.message || o.message.refresh || o.outcome === 'retry') return;
      const detail = o.outcome === 'delivered' ? `${o.message.event} delivered to ${o.row.notifier} (attempt ${o.attempts})` : `${o.message.event} to ${o.row.notifier} failed: ${o.error}`;
      const message = o.message;
      // Its own transaction: on the one connection a bare write could join (and die with) another flow's.
      void this.db
        .transaction(() => this.repo.addEvent(message.incidentId, this.clock.now(), o.outcome === 'delivered' ? 'notified' : 'notification_failed', o.row.notifier, detail))
        .catch((error) => this.log.error(`timeline write failed: ${String(error)}`));
    });
  }

  /** Live feed and other in-process observers; called after the change is committed. */
  onEvent(listener: (event: IncidentEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // ---- rule transitions ------------------------------------------------------------------

  /** Called synchronously by the rule engine; applied in order, off the ingest path. */
  handleTransition(t: ConditionTransition): void {
    if (this.queue.length >= MAX_QUEUED_TRANSITIONS) {
      this.metrics.transitionDropped('queue_full');
      return;
    }
    this.queue.push(t);
    this.draining ??= this.drain();
  }

  /** Resolves when every queued transition has been applied (tests, benchmarks, shutdown). */
  async whenIdle(): Promise<void> {
    while (this.draining) await this.draining;
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue;
        this.queue = [];
        for (const t of batch) {
          try {
            if (t.kind === 'fire') await this.applyFire(t);
            else await this.applyResolve(t);
          } catch (error) {
            this.metrics.transitionDropped('apply_failed');
            this.log.error(`applying ${t.kind} of rule ${t.rule.name} failed: ${error instanceof Error ? error.message : String(error)}`);
          }
        }
      }
    } finally {
      this.draining = undefined;
    }
  }

  private async applyFire(t: ConditionTransition): Promise<void> {
    const now = this.clock.now();
    const rule = t.rule;
    const service = rule.service ?? t.labels.service ?? null;
    const windows = service !== null ? this.activeMaintenance(service, now) : [];
    const suppressedBy = windows[0]?.id ?? null;
    const labels = { ...t.labels, ...rule.labels };
    const text = this.render(rule, labels, t.value, service);
    const events: IncidentEvent[] = [];
    await this.db.transaction(async () => {
      const active = await this.repo.findActive(t.fingerprint);
      if (active) {
        // Same condition, already tracked: never a second incident.
        await this.repo.update(active.id, { value: t.value });
        return;
      }
      const previous = await this.repo.findLatestResolved(t.fingerprint);
      let row: IncidentRow;
      if (previous && previous.resolved_ms !== null && shouldReopen(previous.resolved_ms, now, this.settings.reopen_within)) {
        const next = this.must(previous.state, { type: 'reopen', suppressed: suppressedBy !== null });
        row = { ...previous, state: next, value: t.value, title: text.title, description: text.description, resolved_ms: null, resolved_by: null, reopen_count: previous.reopen_count + 1 };
        if (next === 'open') this.openFromSuppression(row, now);
        await this.repo.update(row.id, {
          state: row.state,
          value: row.value,
          title: row.title,
          description: row.description,
          resolved_ms: null,
          resolved_by: null,
          reopen_count: row.reopen_count,
          suppressed_by: row.suppressed_by,
          opened_ms: row.opened_ms,
        });
        await this.repo.addEvent(row.id, now, 'reopened', SYSTEM, `condition returned ${this.ago(now - previous.resolved_ms)} after resolution (value ${formatNumber(t.value)})`);
        if (suppressedBy !== null) await this.repo.addEvent(row.id, now, 'suppressed', SYSTEM, `maintenance window ${suppressedBy} is active for service ${service}`);
        events.push({ change: suppressedBy !== null ? 'suppressed' : 'reopened', incident: this.view(row), atMs: now });
      } else {
        const fresh: Omit<IncidentRow, 'id'> = {
          fingerprint: t.fingerprint,
          rule: rule.name,
          severity: rule.severity,
          service,
          title: text.title,
          description: text.description,
          labels: JSON.stringify(labels),
          state: suppressedBy !== null ? 'suppressed' : 'open',
          value: t.value,
          started_ms: t.startedMs,
          opened_ms: now,
          acknowledged_ms: null,
          acknowledged_by: null,
          resolved_ms: null,
          resolved_by: null,
          closed_ms: null,
          reopen_count: 0,
          suppressed_by: suppressedBy,
          flapping: 0,
          flap_changes: '[]',
          notified: null,
          notify_seq: 0,
          last_notified_ms: null,
          change_id: null,
          problem_id: null,
        };
        row = { ...fresh, id: await this.repo.insert(fresh) };
        if (suppressedBy !== null) {
          await this.repo.addEvent(row.id, now, 'suppressed', SYSTEM, `condition began during maintenance window ${suppressedBy} of service ${service}; not notified`);
        } else {
          await this.repo.addEvent(row.id, now, 'opened', SYSTEM, `${rule.name}: ${text.title} (value ${formatNumber(t.value)})`);
          await this.linkChange(row, now);
        }
        events.push({ change: suppressedBy !== null ? 'suppressed' : 'opened', incident: this.view(row), atMs: now });
      }
      if (row.state === 'open') await this.linkProblem(row, now);
      await this.recordFlap(row, now, events);
      await this.queueNotification(row, now);
    });
    this.emit(events);
  }

  private async applyResolve(t: ConditionTransition): Promise<void> {
    const now = this.clock.now();
    const events: IncidentEvent[] = [];
    await this.db.transaction(async () => {
      const active = await this.repo.findActive(t.fingerprint);
      if (!active) return; // resolved by hand meanwhile
      await this.resolveRow(active, now, null, `condition recovered (value ${formatNumber(t.value)})`, t.value, events);
    });
    this.emit(events);
  }

  private async resolveRow(row: IncidentRow, now: number, actor: string | null, detail: string, value: number | null, events: IncidentEvent[]): Promise<void> {
    const wasSuppressed = row.state === 'suppressed';
    row.state = this.must(row.state, { type: 'resolve' });
    row.resolved_ms = now;
    row.resolved_by = actor;
    if (value !== null) row.value = value;
    await this.repo.update(row.id, { state: row.state, resolved_ms: now, resolved_by: actor, value: row.value });
    await this.repo.addEvent(row.id, now, 'resolved', actor ?? SYSTEM, detail);
    if (!wasSuppressed && row.reopen_count === 0) this.metrics.resolved(row.severity, row.service, (now - row.opened_ms) / 1000);
    events.push({ change: 'resolved', incident: this.view(row), atMs: now });
    await this.recordFlap(row, now, events);
    await this.queueNotification(row, now);
  }

  // ---- links --------------------------------------------------------------------------------

  private async linkChange(row: IncidentRow, now: number): Promise<void> {
    if (row.service === null || this.settings.change_window <= 0) return;
    const change = await this.changes.suspectFor(row.service, now, this.settings.change_window);
    if (!change) return;
    row.change_id = change.id;
    await this.repo.update(row.id, { change_id: change.id });
    await this.repo.addEvent(row.id, now, 'linked_change', SYSTEM, `opened within ${this.ago(this.settings.change_window)} of change ${change.id} on service ${row.service}`);
  }

  /** Recurring conditions (problem_threshold openings within problem_period) get a problem record. */
  private async linkProblem(row: IncidentRow, now: number): Promise<void> {
    if (this.settings.problem_threshold <= 0 || row.problem_id !== null) return;
    const since = now - this.settings.problem_period;
    let problem = await this.problems.findActive(row.fingerprint);
    if (!problem) {
      const openings = await this.repo.openingsSince(row.fingerprint, since);
      if (openings < this.settings.problem_threshold) return;
      const id = await this.problems.insert({
        fingerprint: row.fingerprint,
        rule: row.rule,
        service: row.service,
        title: `Recurring: ${row.title}`,
        status: 'proposed',
        known_error: 0,
        workaround: null,
        root_cause: null,
        created_ms: now,
        updated_ms: now,
        resolved_ms: null,
      });
      problem = (await this.problems.get(id))!;
    }
    for (const id of await this.repo.linkProblem(row.fingerprint, since, problem.id)) {
      await this.repo.addEvent(id, now, 'linked_problem', SYSTEM, `linked to problem #${problem.id} (${problem.status})`);
    }
    row.problem_id = problem.id;
  }

  // ---- flapping and notifications --------------------------------------------------------

  private async recordFlap(row: IncidentRow, now: number, events: IncidentEvent[]): Promise<void> {
    if (this.flap.threshold <= 0) return;
    const { state, event } = recordChange({ changes: JSON.parse(row.flap_changes) as number[], flapping: row.flapping === 1 }, now, this.flap);
    row.flap_changes = JSON.stringify(state.changes);
    row.flapping = state.flapping ? 1 : 0;
    await this.repo.update(row.id, { flap_changes: row.flap_changes, flapping: row.flapping });
    if (event === 'started') {
      await this.repo.addEvent(row.id, now, 'flapping_started', SYSTEM, `${state.changes.length} state changes within ${this.ago(this.flap.windowMs)}; notifications held until stable for ${this.ago(this.flap.stableForMs)}`);
      events.push({ change: 'flapping_started', incident: this.view(row), atMs: now });
    }
  }

  /** Queues what receivers should now hear about `row` (inside the caller's transaction). */
  private async queueNotification(row: IncidentRow, now: number, repeat = false): Promise<void> {
    const decision = repeat ? ({ notify: true, event: 'trigger', delayMs: 0 } as const) : decide({ state: row.state, flapping: row.flapping === 1, notified: row.notified }, this.notifySettings);
    if (!decision.notify) return;
    const only = decision.event === 'resolve' ? await this.resolveTargets(row.id, now) : undefined;
    const seq = row.notify_seq + 1;
    const entries = this.notify.entriesFor(this.message(row, decision.event, repeat, false), `vigil-${row.id}-${seq}`, now + decision.delayMs, only);
    await this.notify.enqueue(entries);
    row.notified = decision.event;
    row.notify_seq = seq;
    row.last_notified_ms = now;
    await this.repo.update(row.id, { notified: row.notified, notify_seq: seq, last_notified_ms: now });
    if (entries.length > 0) {
      const when = decision.delayMs > 0 ? ` after group_wait ${this.ago(decision.delayMs)}` : '';
      await this.repo.addEvent(row.id, now, 'notification_queued', SYSTEM, `${repeat ? 'repeat ' : ''}${decision.event} for ${entries.map((e) => e.notifier).join(', ')}${when}`);
    }
    this.wakeAfterCommit = true;
  }
  private wakeAfterCommit = false;

  /**
   * Before a resolve: entries not yet attempted are pointless now (superseded). Receivers that never
   * got a trigger (resolved within group_wait) are not told about the resolution either.
   */
  private async resolveTargets(incidentId: number, now: number): Promise<string[]> {
    const history = await this.outbox.history(`incident:${incidentId}`);
    const targets: string[] = [];
    for (const name of this.notify.notifiers.keys()) {
      const rows = history.filter((r) => r.notifier === name);
      let start = 0;
      rows.forEach((r, i) => {
        if (r.event === 'resolve' && r.state !== 'superseded') start = i + 1;
      });
      const since = rows.slice(start);
      const unattempted = since.filter((r) => r.state === 'pending' && r.attempts === 0).map((r) => r.id);
      await this.outbox.supersede(unattempted, now);
      if (unattempted.length) this.metrics.notification(name, 'superseded', unattempted.length);
      if (since.some((r) => r.state === 'delivered' || r.attempts > 0)) targets.push(name);
    }
    return targets;
  }

  private message(row: IncidentRow, event: NotifyEvent, repeat: boolean, refresh: boolean): NotificationMessage {
    return {
      incidentId: row.id,
      fingerprint: row.fingerprint,
      event,
      repeat,
      refresh,
      state: row.state,
      rule: row.rule,
      severity: row.severity,
      service: row.service,
      title: row.title,
      description: row.description,
      labels: JSON.parse(row.labels) as Record<string, string>,
      value: row.value,
      startedMs: row.started_ms,
      openedMs: row.opened_ms,
      acknowledgedMs: row.acknowledged_ms,
      acknowledgedBy: row.acknowledged_by,
      resolvedMs: row.resolved_ms,
      url: `${this.baseUrl}/api/incidents/${row.id}`,
    };
  }

  // ---- API actions -------------------------------------------------------------------------

  async acknowledge(id: number, by: string): Promise<IncidentView> {
    return this.act(id, { type: 'acknowledge' }, async (row, now, events) => {
      row.state = this.must(row.state, { type: 'acknowledge' });
      row.acknowledged_ms = now;
      row.acknowledged_by = by;
      await this.repo.update(row.id, { state: row.state, acknowledged_ms: now, acknowledged_by: by });
      await this.repo.addEvent(row.id, now, 'acknowledged', by, null);
      this.metrics.acknowledged(row.severity, row.service, (now - row.opened_ms) / 1000);
      events.push({ change: 'acknowledged', incident: this.view(row), atMs: now });
      await this.queueNotification(row, now);
    });
  }

  async resolve(id: number, by: string, note: string | undefined): Promise<IncidentView> {
    return this.act(id, { type: 'resolve' }, async (row, now, events) => {
      await this.resolveRow(row, now, by, note ? `resolved by hand: ${note}` : 'resolved by hand', null, events);
    });
  }

  async comment(id: number, by: string, text: string): Promise<IncidentView> {
    return this.act(id, null, async (row, now, events) => {
      await this.repo.addEvent(row.id, now, 'comment', by, text);
      events.push({ change: 'commented', incident: this.view(row), atMs: now });
    });
  }

  /**
   * An API action in one transaction; refusals (unknown id, action not allowed in the state) are
   * decided before any write (see refusableTransaction).
   */
  private async act(
    id: number,
    action: LifecycleAction | null,
    work: (row: IncidentRow, now: number, events: IncidentEvent[]) => Promise<void>,
  ): Promise<IncidentView> {
    const events: IncidentEvent[] = [];
    const row = await refusableTransaction(this.db, async (): Promise<IncidentRow | HttpException> => {
      const row = await this.repo.get(id);
      if (!row) return new NotFoundException({ error: 'not found', message: `incident ${id} does not exist` });
      if (action) {
        const allowed = transition(row.state, action);
        if (!allowed.ok) return new ConflictException({ error: 'conflict', message: `incident ${row.id}: ${allowed.reason}`, state: row.state });
      }
      await work(row, this.clock.now(), events);
      return row;
    });
    this.emit(events);
    return this.view(row);
  }

  async get(id: number): Promise<IncidentView & { timeline: TimelineEntry[] }> {
    const row = await this.repo.get(id);
    if (!row) throw new NotFoundException({ error: 'not found', message: `incident ${id} does not exist` });
    const timeline = (await this.repo.events(id)).map((e: IncidentEventRow) => ({ at: iso(e.at_ms)!, type: e.type, actor: e.actor, detail: e.detail }));
    return { ...this.view(row), timeline };
  }

  async list(filter: IncidentFilter): Promise<IncidentView[]> {
    return (await this.repo.list(filter)).map((r) => this.view(r));
  }

  /** Incidents of a service overlapping [fromMs, toMs): the SLA report's incident section. */
  async incidentsForService(serviceId: string, fromMs: number, toMs: number): Promise<IncidentView[]> {
    return (await this.repo.overlapping(serviceId, fromMs, toMs)).map((r) => this.view(r));
  }

  // ---- time-driven upkeep --------------------------------------------------------------------

  /** Closes, unsuppresses, ends flapping, repeats and refreshes; never overlaps itself. */
  upkeep(): Promise<void> {
    this.upkeeping ??= this.runUpkeep().finally(() => (this.upkeeping = undefined));
    return this.upkeeping;
  }

  private async runUpkeep(): Promise<void> {
    const now = this.clock.now();
    for (const row of await this.repo.resolvedBefore(now - this.settings.close_after, 500)) {
      await this.update(row.id, async (r, events) => {
        if (r.state !== 'resolved' || r.resolved_ms === null || !isDueForClose(r.resolved_ms, now, this.settings.close_after)) return;
        r.state = this.must(r.state, { type: 'close' });
        r.closed_ms = now;
        await this.repo.update(r.id, { state: r.state, closed_ms: now });
        await this.repo.addEvent(r.id, now, 'closed', SYSTEM, `resolved for ${this.ago(this.settings.close_after)}`);
        events.push({ change: 'closed', incident: this.view(r), atMs: now });
      });
    }
    for (const row of await this.repo.byState(['suppressed'])) {
      if (row.service !== null && this.activeMaintenance(row.service, now).length > 0) continue;
      await this.update(row.id, async (r, events) => {
        if (r.state !== 'suppressed') return;
        r.state = this.must(r.state, { type: 'unsuppress' });
        this.openFromSuppression(r, now);
        await this.repo.update(r.id, { state: r.state, suppressed_by: r.suppressed_by, opened_ms: r.opened_ms });
        await this.repo.addEvent(r.id, now, 'unsuppressed', SYSTEM, 'maintenance ended and the condition is still active');
        await this.linkChange(r, now);
        await this.linkProblem(r, now);
        events.push({ change: 'unsuppressed', incident: this.view(r), atMs: now });
        await this.queueNotification(r, now);
      });
    }
    for (const row of await this.repo.flapping()) {
      const { event } = checkStable({ changes: JSON.parse(row.flap_changes) as number[], flapping: true }, now, this.flap);
      if (event !== 'stopped') continue;
      await this.update(row.id, async (r, events) => {
        r.flapping = 0;
        await this.repo.update(r.id, { flapping: 0 });
        await this.repo.addEvent(r.id, now, 'flapping_stopped', SYSTEM, `stable for ${this.ago(this.flap.stableForMs)}`);
        events.push({ change: 'flapping_stopped', incident: this.view(r), atMs: now });
        await this.queueNotification(r, now);
      });
    }
    if (this.settings.repeat_interval > 0) {
      for (const row of await this.repo.repeatDue(now - this.settings.repeat_interval)) {
        await this.update(row.id, async (r) => {
          if (r.state === 'open' && r.notified === 'trigger' && r.flapping === 0) await this.queueNotification(r, now, true);
        });
      }
    }
    await this.refreshAlertmanagers(now);
    if (now - this.lastPruneMs >= 3_600_000) {
      this.lastPruneMs = now;
      await this.outbox.prune(now - this.settings.delivery.retention);
    }
    if (this.wakeAfterCommit) {
      this.wakeAfterCommit = false;
      this.notify.wake();
    }
  }

  /** Re-sends firing incidents to Alertmanager before their endsAt passes. */
  private async refreshAlertmanagers(now: number): Promise<void> {
    const targets = this.notify.refreshingNotifiers();
    if (targets.length === 0) return;
    const live = new Set<string>();
    const entries = [];
    for (const row of await this.repo.byState(['open', 'acknowledged'])) {
      if (row.notified !== 'trigger' && row.notified !== 'acknowledge') continue;
      for (const t of targets) {
        const key = `${row.id}:${t.name}`;
        live.add(key);
        const last = this.refreshed.get(key);
        if (last === undefined) this.refreshed.set(key, row.last_notified_ms ?? now);
        else if (now - last >= t.intervalMs) {
          entries.push(...this.notify.entriesFor(this.message(row, 'trigger', false, true), `vigil-${row.id}-refresh-${now}`, now, [t.name]));
          this.refreshed.set(key, now);
        }
      }
    }
    for (const key of this.refreshed.keys()) if (!live.has(key)) this.refreshed.delete(key);
    if (entries.length) {
      await this.notify.enqueue(entries);
      this.notify.wake();
    }
  }

  /** An incident that was only ever suppressed opens for real now (it counts as opened from here). */
  private openFromSuppression(row: IncidentRow, now: number): void {
    if (row.suppressed_by === null) return;
    row.suppressed_by = null;
    row.opened_ms = now;
  }

  private async update(id: number, work: (row: IncidentRow, events: IncidentEvent[]) => Promise<void>): Promise<void> {
    const events: IncidentEvent[] = [];
    await this.db.transaction(async () => {
      const row = await this.repo.get(id);
      if (row) await work(row, events);
    });
    this.emit(events);
  }

  // ---- restart -----------------------------------------------------------------------------

  /**
   * Active incidents whose rule still exists (the engine treats them as firing), after resolving
   * those whose rule was removed from the configuration.
   */
  async restoreActive(): Promise<Array<{ fingerprint: string; startedMs: number }>> {
    const out: Array<{ fingerprint: string; startedMs: number }> = [];
    for (const row of await this.repo.byState(['open', 'acknowledged', 'suppressed'])) {
      if (this.rules.has(row.rule)) {
        out.push({ fingerprint: row.fingerprint, startedMs: row.started_ms });
        continue;
      }
      await this.update(row.id, async (r, events) => {
        if (r.state === 'open' || r.state === 'acknowledged' || r.state === 'suppressed') {
          await this.resolveRow(r, this.clock.now(), null, `rule "${r.rule}" is no longer configured`, null, events);
        }
      });
    }
    return out;
  }

  // ---- helpers -----------------------------------------------------------------------------

  /** Maintenance windows of `service` in force at `now`. */
  private activeMaintenance(service: string, now: number): ReadonlyArray<{ id: string }> {
    if (!this.maintenance) return [];
    try {
      return this.maintenance.list().filter((m) => m.window.services.includes(service) && expandMaintenance(m.window, now, now + 1).length > 0);
    } catch (error) {
      // Unknown maintenance state: do not suppress (a missed page is worse than an extra one).
      this.log.error(`maintenance lookup failed for ${service}: ${String(error)}`);
      return [];
    }
  }

  private render(rule: RuleSpec, labels: Record<string, string>, value: number, service: string | null): { title: string; description: string } {
    const t = this.templates.get(rule.name) ?? { title: compileTemplate(rule.title), description: compileTemplate(rule.description) };
    const context = { rule: rule.name, severity: rule.severity, service: service ?? undefined, labels, value, threshold: rule.kind === 'threshold' ? rule.threshold : undefined };
    return { title: t.title.render(context).trim() || rule.name, description: t.description.render(context) };
  }

  private must(state: IncidentState, action: LifecycleAction): IncidentState {
    const r = transition(state, action);
    if (!r.ok) throw new Error(`internal: ${r.reason}`);
    return r.state;
  }

  private ago(ms: number): string {
    if (ms % 86_400_000 === 0 && ms > 0) return `${ms / 86_400_000}d`;
    if (ms % 3_600_000 === 0 && ms > 0) return `${ms / 3_600_000}h`;
    if (ms % 60_000 === 0 && ms > 0) return `${ms / 60_000}m`;
    return `${Math.round(ms / 100) / 10}s`;
  }

  private emit(events: IncidentEvent[]): void {
    if (this.wakeAfterCommit) {
      this.wakeAfterCommit = false;
      this.notify.wake();
    }
    for (const event of events) {
      for (const listener of this.listeners) {
        try {
          listener(event);
        } catch (error) {
          this.log.error(`incident listener failed: ${String(error)}`);
        }
      }
    }
  }

  view(row: IncidentRow): IncidentView {
    return {
      id: row.id,
      fingerprint: row.fingerprint,
      rule: row.rule,
      severity: row.severity,
      service: row.service,
      title: row.title,
      description: row.description,
      labels: JSON.parse(row.labels) as Record<string, string>,
      state: row.state,
      value: row.value,
      flapping: row.flapping === 1,
      started_at: iso(row.started_ms)!,
      opened_at: iso(row.opened_ms)!,
      acknowledged_at: iso(row.acknowledged_ms),
      acknowledged_by: row.acknowledged_by,
      resolved_at: iso(row.resolved_ms),
      resolved_by: row.resolved_by,
      closed_at: iso(row.closed_ms),
      reopen_count: row.reopen_count,
      suppressed_by: row.suppressed_by,
      change_id: row.change_id,
      problem_id: row.problem_id,
      url: `${this.baseUrl}/api/incidents/${row.id}`,
    };
  }
}
