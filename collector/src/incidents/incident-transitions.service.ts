import { Inject, Injectable, Logger } from '@nestjs/common';
import { CLOCK, type Clock } from '../common/clock.js';
import { CONFIG } from '../common/tokens.js';
import type { Transaction } from '../database/database.js';
import { shouldReopen, type IncidentState } from './domain/lifecycle.js';
import { compileTemplate, formatNumber, type Template } from './domain/template.js';
import { ago, IncidentRecorder, SYSTEM } from './incident-recorder.js';
import type { RuleSpec } from './incidents.config.js';
import { newIncident, type IncidentRow } from './incidents.repository.js';
import type { ConditionTransition } from './rule-engine.js';

const ACTIVE_STATES: readonly IncidentState[] = ['open', 'acknowledged', 'suppressed'];

/** Transitions waiting to be applied; beyond this they are dropped and counted (a stalled database). */
const MAX_QUEUED_TRANSITIONS = 100_000;

/**
 * Applies the rule engine's transitions to incidents, in order and off the ingest path: a firing
 * condition opens an incident, or is deduplicated into the active one, or reopens a recently
 * resolved one, or is suppressed by maintenance; a recovered condition resolves it. Each change is
 * one transaction (links to changes and problems, flap tracking and notifications included).
 */
@Injectable()
export class IncidentTransitions {
  private readonly log = new Logger('incidents');
  private readonly rules = new Map<string, RuleSpec>();
  private readonly templates = new Map<string, { title: Template; description: Template }>();
  private queue: ConditionTransition[] = [];
  private draining: Promise<void> | undefined;

  constructor(
    @Inject(CONFIG) config: { rules: readonly RuleSpec[] },
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly recorder: IncidentRecorder,
  ) {
    for (const rule of config.rules) {
      this.rules.set(rule.name, rule);
      this.templates.set(rule.name, { title: compileTemplate(rule.title), description: compileTemplate(rule.description) });
    }
  }

  /** Called synchronously by the rule engine; applied in order, off the ingest path. */
  handleTransition(t: ConditionTransition): void {
    if (this.queue.length >= MAX_QUEUED_TRANSITIONS) {
      this.recorder.metrics.transitionDropped('queue_full');
      return;
    }
    this.queue.push(t);
    this.draining ??= this.drain();
  }

  /** Resolves when every queued transition has been applied (tests, benchmarks, shutdown). */
  async whenIdle(): Promise<void> {
    while (this.draining) await this.draining;
  }

  /**
   * Active incidents whose rule still exists (the engine treats them as firing), after resolving
   * those whose rule was removed from the configuration.
   */
  async restoreActive(): Promise<Array<{ fingerprint: string; startedMs: number; rule: string }>> {
    for (const row of await this.recorder.repo.byState(ACTIVE_STATES)) {
      if (this.rules.has(row.rule)) continue;
      await this.recorder.update(row.id, async (tx, r, after) => {
        if (r.state === 'open' || r.state === 'acknowledged' || r.state === 'suppressed') {
          await this.recorder.resolve(tx, r, this.clock.now(), null, `rule "${r.rule}" is no longer configured`, null, after);
        }
      });
    }
    return this.activeConditions();
  }

  /** The conditions of active incidents whose rule is configured (whichever collector opened them). */
  async activeConditions(): Promise<Array<{ fingerprint: string; startedMs: number; rule: string }>> {
    const rows = await this.recorder.repo.byState(ACTIVE_STATES);
    return rows.filter((row) => this.rules.has(row.rule)).map((row) => ({ fingerprint: row.fingerprint, startedMs: row.started_ms, rule: row.rule }));
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
            this.recorder.metrics.transitionDropped('apply_failed');
            this.log.error(`applying ${t.kind} of rule ${t.rule.name} failed: ${error instanceof Error ? error.message : String(error)}`);
          }
        }
      }
    } finally {
      this.draining = undefined;
    }
  }

  private async applyFire(t: ConditionTransition): Promise<void> {
    const { recorder } = this;
    const repo = recorder.repo;
    const now = this.clock.now();
    const rule = t.rule;
    const service = rule.service ?? t.labels.service ?? null;
    const windows = service !== null ? recorder.activeMaintenance(service, now) : [];
    const suppressedBy = windows[0]?.id ?? null;
    const labels = { ...t.labels, ...rule.labels };
    const text = this.render(rule, labels, t.value, service);
    await recorder.commit(async (tx, after) => {
      const active = await repo.findActive(t.fingerprint, tx);
      if (active) {
        // Same condition, already tracked: never a second incident.
        await repo.update(tx, active.id, { value: t.value });
        return;
      }
      const previous = await repo.findLatestResolved(t.fingerprint, tx);
      let row: IncidentRow;
      if (previous && previous.resolved_ms !== null && shouldReopen(previous.resolved_ms, now, recorder.settings.reopen_within)) {
        const next = recorder.must(previous.state, { type: 'reopen', suppressed: suppressedBy !== null });
        row = { ...previous, state: next, value: t.value, title: text.title, description: text.description, resolved_ms: null, resolved_by: null, reopen_count: previous.reopen_count + 1 };
        if (next === 'open') recorder.openFromSuppression(row, now);
        const reopened = await repo.update(
          tx,
          row.id,
          {
            state: row.state,
            value: row.value,
            title: row.title,
            description: row.description,
            resolved_ms: null,
            resolved_by: null,
            reopen_count: row.reopen_count,
            suppressed_by: row.suppressed_by,
            opened_ms: row.opened_ms,
          },
          'resolved', // another collector may have reopened it since this transaction looked
        );
        if (!reopened) return this.openedElsewhere(tx, t);
        await repo.addEvent(tx, row.id, now, 'reopened', SYSTEM, `condition returned ${ago(now - previous.resolved_ms)} after resolution (value ${formatNumber(t.value)})`);
        if (suppressedBy !== null) await repo.addEvent(tx, row.id, now, 'suppressed', SYSTEM, `maintenance window ${suppressedBy} is active for service ${service}`);
        recorder.changed(after, suppressedBy !== null ? 'suppressed' : 'reopened', row, now);
      } else {
        const fresh = newIncident({
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
          suppressed_by: suppressedBy,
        });
        const id = await repo.insertActive(tx, fresh);
        if (id === undefined) return this.openedElsewhere(tx, t);
        row = { ...fresh, id };
        if (suppressedBy !== null) {
          await repo.addEvent(tx, row.id, now, 'suppressed', SYSTEM, `condition began during maintenance window ${suppressedBy} of service ${service}; not notified`);
        } else {
          await repo.addEvent(tx, row.id, now, 'opened', SYSTEM, `${rule.name}: ${text.title} (value ${formatNumber(t.value)})`);
          await recorder.linkChange(tx, row, now);
        }
        recorder.changed(after, suppressedBy !== null ? 'suppressed' : 'opened', row, now);
      }
      if (row.state === 'open') await recorder.linkProblem(tx, row, now);
      await recorder.recordFlap(tx, row, now, after);
      await recorder.queueNotification(tx, row, now, after);
    });
  }

  private async applyResolve(t: ConditionTransition): Promise<void> {
    const now = this.clock.now();
    await this.recorder.commit(async (tx, after) => {
      const active = await this.recorder.repo.findActive(t.fingerprint, tx);
      if (!active) return; // resolved by hand meanwhile
      await this.recorder.resolve(tx, active, now, null, `condition recovered (value ${formatNumber(t.value)})`, t.value, after);
    });
  }

  /**
   * Another collector opened or reopened the condition's incident after this transaction looked
   * (the unique index of active incidents refused a second one): deduplicate into that one.
   */
  private async openedElsewhere(tx: Transaction, t: ConditionTransition): Promise<void> {
    const active = await this.recorder.repo.findActive(t.fingerprint, tx);
    if (active) await this.recorder.repo.update(tx, active.id, { value: t.value });
  }

  private render(rule: RuleSpec, labels: Record<string, string>, value: number, service: string | null): { title: string; description: string } {
    const t = this.templates.get(rule.name) ?? { title: compileTemplate(rule.title), description: compileTemplate(rule.description) };
    const context = { rule: rule.name, severity: rule.severity, service: service ?? undefined, labels, value, threshold: rule.kind === 'threshold' ? rule.threshold : undefined };
    return { title: t.title.render(context).trim() || rule.name, description: t.description.render(context) };
  }
}
