// Conditions that are not a stored series: agents that went silent, SLA burn-rate and capacity
// signals. They feed the same RuleEngine state machine (so `for`, keep_firing_for and restore
// after a restart behave identically).
import { Logger } from '@nestjs/common';
import type { AgentDownRule, RuleSpec, SignalRule } from './incidents.config.js';
import { compileMatchers, type MatchFn } from './domain/matchers.js';
import type { RuleEngine } from './rule-engine.js';
import type { AgentDirectory, BurnRateSource, ExhaustionSource } from './incidents.sources.js';

interface AgentSeen {
  hostname: string;
  lastSeenMs: number;
  intervalMs: number | undefined;
}

/**
 * agent_down: no data or heartbeat for missed_intervals × the agent's interval. Sample arrival and
 * connects come from CollectorEvents; heartbeats via the registry's lastSeen. Right after the
 * collector starts, every agent gets the full grace period (they are reconnecting, not down).
 */
export class AgentWatch {
  private readonly seen = new Map<string, AgentSeen>();
  private readonly rules: Array<{ rule: AgentDownRule; match: MatchFn }>;

  constructor(
    rules: readonly RuleSpec[],
    private readonly engine: RuleEngine,
    private readonly directory: AgentDirectory | undefined,
    private readonly defaultIntervalMs: number,
    private readonly startedMs: number,
  ) {
    this.rules = rules.filter((r): r is AgentDownRule => r.kind === 'agent_down').map((rule) => ({ rule, match: compileMatchers(rule.match) }));
  }

  get active(): boolean {
    return this.rules.length > 0;
  }

  /** Data (or a connect) from an agent at `nowMs`. */
  touch(agentId: string, hostname: string | undefined, nowMs: number): void {
    const entry = this.seen.get(agentId);
    if (entry) {
      entry.lastSeenMs = Math.max(entry.lastSeenMs, nowMs);
      if (hostname) entry.hostname = hostname;
    } else {
      this.seen.set(agentId, { hostname: hostname ?? '', lastSeenMs: nowMs, intervalMs: undefined });
    }
  }

  evaluate(nowMs: number): void {
    if (!this.active) return;
    for (const agent of this.directory?.list() ?? []) {
      const entry = this.seen.get(agent.id);
      if (entry) {
        entry.lastSeenMs = Math.max(entry.lastSeenMs, agent.lastSeen);
        entry.hostname = agent.hostname || entry.hostname;
        entry.intervalMs = agent.intervalMs || undefined;
      } else {
        this.seen.set(agent.id, { hostname: agent.hostname, lastSeenMs: agent.lastSeen, intervalMs: agent.intervalMs || undefined });
      }
    }
    for (const [id, agent] of this.seen) {
      const labels = { agent: id, host: agent.hostname };
      const silentMs = nowMs - Math.max(agent.lastSeenMs, this.startedMs);
      const interval = agent.intervalMs ?? this.defaultIntervalMs;
      for (const { rule, match } of this.rules) {
        if (!match(labels)) continue;
        const down = silentMs > rule.missedIntervals * interval;
        this.engine.observeCondition(rule, labels, nowMs, Math.max(0, silentMs) / 1000, down, !down);
      }
    }
  }
}

/** Which SLA burn-rate alert feeds which built-in rule (the SLA engine's page/ticket rule pairs). */
const BURN_SEVERITY = { sla_fast_burn: 'page', sla_slow_burn: 'ticket' } as const;

interface SignalCondition {
  service: string;
  labels: Record<string, string>;
  value: number;
  firing: boolean;
}

/** The conditions of one SLA built-in rule, from the SLA engine's current signals. */
function slaConditions(rule: SignalRule, sla: BurnRateSource): SignalCondition[] {
  if (rule.builtin === 'error_budget_exhausted') {
    return sla.errorBudgetStates().map((b) => ({ service: b.service, labels: { service: b.service, window: b.window }, value: b.remainingRatio, firing: b.exhausted }));
  }
  const severity = BURN_SEVERITY[rule.builtin as keyof typeof BURN_SEVERITY];
  return sla
    .burnRateSignals()
    .filter((s) => s.severity === severity)
    // Both windows must exceed the factor, so the smaller rate is the one that matters.
    .map((s) => ({ service: s.service, labels: { service: s.service, window: `${s.longWindow}/${s.shortWindow}` }, value: Math.min(s.longRate, s.shortRate), firing: s.firing }));
}

/**
 * Polls the SLA and capacity engines. A condition absent from a successful poll has cleared;
 * a failed poll changes nothing (unknown is not recovered).
 */
export class SignalPoller {
  private readonly rules: SignalRule[];
  failures = 0;

  constructor(
    rules: readonly RuleSpec[],
    private readonly engine: RuleEngine,
    private readonly burnRates: BurnRateSource | undefined,
    private readonly exhaustion: ExhaustionSource | undefined,
  ) {
    this.rules = rules.filter((r): r is SignalRule => r.kind === 'signal');
  }

  get active(): boolean {
    return this.rules.some((r) => (r.builtin === 'capacity_exhaustion' ? this.exhaustion : this.burnRates) !== undefined);
  }

  async poll(nowMs: number): Promise<void> {
    if (this.burnRates) {
      for (const rule of this.rules.filter((r) => r.builtin !== 'capacity_exhaustion')) {
        const conditions = await this.guard(() => slaConditions(rule, this.burnRates!));
        if (conditions) this.apply(rule, nowMs, conditions.filter((c) => rule.services.length === 0 || rule.services.includes(c.service)));
      }
    }
    if (this.exhaustion) {
      for (const rule of this.rules.filter((r) => r.builtin === 'capacity_exhaustion')) {
        const signals = await this.guard(() => this.exhaustion!.exhaustionSignals(rule.withinDays));
        if (!signals) continue;
        const wanted = signals.filter((s) => rule.services.length === 0 || (s.service !== undefined && rule.services.includes(s.service)));
        this.apply(
          rule,
          nowMs,
          wanted.map((s) => ({
            labels: { ...s.labels, resource: s.resource, ...(s.service ? { service: s.service } : {}) },
            value: s.daysLeft,
            firing: s.daysLeft <= rule.withinDays,
          })),
        );
      }
    }
  }

  private apply(rule: SignalRule, nowMs: number, conditions: Array<{ labels: Record<string, string>; value: number; firing: boolean }>): void {
    const present = new Set<string>();
    for (const c of conditions) {
      present.add(JSON.stringify(c.labels));
      this.engine.observeCondition(rule, c.labels, nowMs, c.value, c.firing, !c.firing);
    }
    for (const labels of this.engine.trackedConditions(rule.name)) {
      if (!present.has(JSON.stringify(labels))) this.engine.observeCondition(rule, labels, nowMs, 0, false, true);
    }
  }

  private async guard<T>(load: () => T | Promise<T>): Promise<T | undefined> {
    try {
      return await load();
    } catch (error) {
      this.failures++;
      Logger.warn(`signal poll failed: ${error instanceof Error ? error.message : String(error)}`, 'incidents');
      return undefined;
    }
  }
}
