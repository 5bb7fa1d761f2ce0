// Evaluates rules as samples arrive. Rules are indexed by metric name and each series' matching
// rules are resolved once (first sample) and cached. A condition (rule × series) that is inactive
// has no object at all: a sample costs one comparison per watching rule against the rule's shared
// threshold, and state (with its fingerprint) is created only when a breach starts. That keeps
// 1,000 rules over 10,000 series cache-friendly. Conditions that are not series (agents, SLA and
// capacity signals) use the same state machine through observeCondition. Transitions are handed to
// a callback; no I/O here.
import type { StoredSeriesSamples } from '../storage/storage.types.js';
import { fingerprint } from './domain/fingerprint.js';
import { compileMatchers, type MatchFn } from './domain/matchers.js';
import { advance, compare, firingState, isBreach, isClear, needsTimer, newAlertState, observe, type AlertState, type Comparison, type Step, type Timing } from './domain/rule-state.js';
import type { RuleSpec, ThresholdRule } from './incidents.config.js';

export interface ConditionTransition {
  kind: 'fire' | 'resolve';
  rule: RuleSpec;
  fingerprint: string;
  /** Identifying labels of the condition (series labels, or agent/service labels). */
  labels: Record<string, string>;
  value: number;
  /** Start of the breach (fire only; for resolve, the time it cleared). */
  startedMs: number;
  atMs: number;
}

interface Condition {
  rule: RuleSpec;
  timing: Timing;
  fingerprint: string;
  labels: Record<string, string>;
  state: AlertState;
}

interface CompiledThreshold {
  rule: ThresholdRule;
  match: MatchFn;
  timing: Timing;
}

/** The rules watching one series, and the conditions among them that are not inactive. */
interface SeriesBinding {
  rules: readonly CompiledThreshold[];
  /** The rules' comparisons and thresholds side by side (the per-sample work reads only these). */
  ops: Uint8Array;
  thresholds: Float64Array;
  labels: Record<string, string>;
  /** Parallel to `rules`; undefined while a condition is inactive (the common case). */
  active: Array<Condition | undefined> | undefined;
  /** Newest sample seen: older ones (replays, out-of-order batches) are ignored. */
  lastTs: number;
}

const NO_RULES: readonly CompiledThreshold[] = [];
const NO_OPS = new Uint8Array(0);
const NO_THRESHOLDS = new Float64Array(0);
const OPS: readonly Comparison[] = ['>', '>=', '<', '<=', '==', '!='];

/** At most this many series bound between two adopt() rounds are checked against adopted incidents. */
const MAX_BOUND_SINCE_WATCH = 100_000;

/** Series whose conditions are all inactive and that sent nothing for this long are forgotten. */
const IDLE_FORGET_MS = 3_600_000;

export function timingOf(rule: RuleSpec): Timing {
  return { forMs: rule.forMs, keepFiringForMs: rule.keepFiringForMs, staleMs: rule.kind === 'threshold' ? rule.staleMs : Infinity };
}

export class RuleEngine {
  private readonly byMetric = new Map<string, CompiledThreshold[]>();
  private readonly bySeries = new Map<number, SeriesBinding>();
  /** Non-series conditions (agent_down, signals) by fingerprint. */
  private readonly others = new Map<string, Condition>();
  /** Conditions whose state can change with time alone (pending, or firing and clearing). */
  private readonly timed = new Set<Condition>();
  /** Firing conditions restored from open incidents, consumed when the condition shows up again. */
  private readonly restored = new Map<string, { startedMs: number; atMs: number }>();
  /** Conditions that fired or resolved since watchChanges(); undefined while nobody watches. */
  private changedSinceWatch: Set<string> | undefined;
  /**
   * Series bound since the last watchChanges(), once adopt() is in use, and those bound before it
   * since the previous one: each is checked by an adopt() whose incidents were read after it was bound.
   */
  private boundSinceWatch: SeriesBinding[] | undefined;
  private boundBeforeWatch: SeriesBinding[] = [];
  /** Rule-sample evaluations so far (vigil_rule_evaluations_total). */
  evaluations = 0;

  constructor(
    rules: readonly RuleSpec[],
    private readonly onTransition: (transition: ConditionTransition) => void,
  ) {
    for (const rule of rules) {
      if (rule.kind !== 'threshold') continue;
      const list = this.byMetric.get(rule.metric) ?? [];
      list.push({ rule, match: compileMatchers(rule.match), timing: timingOf(rule) });
      this.byMetric.set(rule.metric, list);
    }
  }

  /**
   * Starts noting which conditions fire or resolve until the next adopt(): incidents read after
   * this call may not show those changes yet.
   */
  watchChanges(): void {
    this.changedSinceWatch = new Set();
    if (this.boundSinceWatch === undefined) return;
    this.boundBeforeWatch = this.boundSinceWatch;
    this.boundSinceWatch = [];
  }

  /**
   * The active incidents of the database (at start, then periodically, read after watchChanges()):
   * those whose condition this engine does not track are restored, treated as firing when their
   * series or signal shows up here, so recovery resolves them, after a restart or when another
   * collector sharing the database opened them. Replaces what the previous call restored and is
   * still unused, so an incident resolved elsewhere is forgotten. Conditions that changed since
   * watchChanges() keep their state.
   */
  adopt(active: Iterable<{ fingerprint: string; startedMs: number }>, nowMs: number): void {
    const changed = this.changedSinceWatch ?? new Set<string>();
    this.changedSinceWatch = undefined;
    const tracked = new Set(this.others.keys());
    for (const binding of this.bySeries.values()) for (const c of binding.active ?? []) if (c !== undefined && c.state.phase !== 'inactive') tracked.add(c.fingerprint);
    const previous = new Map(this.restored);
    this.restored.clear();
    for (const c of active) {
      if (tracked.has(c.fingerprint) || changed.has(c.fingerprint)) continue;
      this.restored.set(c.fingerprint, { startedMs: c.startedMs, atMs: previous.get(c.fingerprint)?.atMs ?? nowMs });
    }
    // A series that moved here before the incident was read is bound already: restore into it.
    if (this.restored.size > 0) for (const binding of [...this.boundBeforeWatch, ...(this.boundSinceWatch ?? [])]) this.applyRestored(binding);
    this.boundBeforeWatch = [];
    this.boundSinceWatch ??= [];
  }

  /** The ingest hot path. */
  ingest(batch: readonly StoredSeriesSamples[]): void {
    let evaluations = 0;
    for (const item of batch) {
      const rules = this.byMetric.get(item.series.metric);
      if (rules === undefined) continue;
      let binding = this.bySeries.get(item.series.id);
      if (binding === undefined) {
        binding = this.bind(item, rules);
        this.bySeries.set(item.series.id, binding);
      }
      const watching = binding.rules;
      const { timestamps, values } = item;
      if (watching.length === 0) {
        binding.lastTs = Math.max(binding.lastTs, timestamps[timestamps.length - 1] ?? -Infinity); // for sweep
        continue;
      }
      const { ops, thresholds } = binding;
      for (let i = 0; i < values.length; i++) {
        const ts = timestamps[i]!;
        const v = values[i]!;
        if (!(ts > binding.lastTs) || Number.isNaN(v)) continue;
        binding.lastTs = ts;
        for (let r = 0; r < watching.length; r++) {
          let c = binding.active?.[r];
          if (c === undefined) {
            if (!compare(OPS[ops[r]!]!, v, thresholds[r]!)) continue; // inactive and no breach: nothing to do
            const rule = watching[r]!.rule;
            c = this.condition(rule, binding.labels, fingerprint(rule.name, binding.labels));
            (binding.active ??= new Array<Condition | undefined>(watching.length))[r] = c;
          }
          const rule = c.rule as ThresholdRule;
          const step = observe(c.state, ts, v, isBreach(rule, v), isClear(rule, v), c.timing);
          if (step.kind !== 'none') this.emit(c, step);
          this.updateTimed(c);
          if (c.state.phase === 'inactive') binding.active![r] = undefined;
        }
        evaluations += watching.length;
      }
    }
    this.evaluations += evaluations;
  }

  /** Feeds a non-series condition (agents, signals). */
  observeCondition(rule: RuleSpec, labels: Record<string, string>, tsMs: number, value: number, breach: boolean, clear: boolean): void {
    const fp = fingerprint(rule.name, labels);
    let c = this.others.get(fp);
    if (!c) {
      if (!breach && !this.restored.has(fp)) return; // nothing to track
      c = this.condition(rule, labels, fp);
      this.others.set(fp, c);
    }
    const step = observe(c.state, tsMs, value, breach, clear, c.timing);
    this.evaluations++;
    if (step.kind !== 'none') this.emit(c, step);
    this.updateTimed(c);
    if (c.state.phase === 'inactive') this.others.delete(fp);
  }

  /** Label sets of the non-series conditions of a rule currently tracked (pending or firing). */
  trackedConditions(ruleName: string): Array<Record<string, string>> {
    const out: Array<Record<string, string>> = [];
    for (const c of this.others.values()) if (c.rule.name === ruleName) out.push(c.labels);
    return out;
  }

  /** Advances time: `for` expiry, keep_firing_for. */
  tick(nowMs: number): void {
    for (const c of this.timed) {
      const step = advance(c.state, nowMs, c.timing);
      if (step.kind !== 'none') this.emit(c, step);
      this.updateTimed(c);
      // An inactive condition object is dropped by the next sample of its series (or by sweep).
    }
  }

  /** Drops cached bindings of series that went quiet with nothing active (bounded memory). */
  sweep(nowMs: number): number {
    let removed = 0;
    for (const [id, binding] of this.bySeries) {
      if (nowMs - binding.lastTs > IDLE_FORGET_MS && (binding.active ?? []).every((c) => c === undefined || c.state.phase === 'inactive')) {
        this.bySeries.delete(id);
        removed++;
      }
    }
    return removed;
  }

  private bind(item: StoredSeriesSamples, rules: readonly CompiledThreshold[]): SeriesBinding {
    const watching = rules.filter((r) => r.match(item.series.labels));
    if (watching.length === 0) return { rules: NO_RULES, ops: NO_OPS, thresholds: NO_THRESHOLDS, labels: item.series.labels, active: undefined, lastTs: -Infinity };
    const binding: SeriesBinding = {
      rules: watching,
      ops: Uint8Array.from(watching, (r) => OPS.indexOf(r.rule.op)),
      thresholds: Float64Array.from(watching, (r) => r.rule.threshold),
      labels: item.series.labels,
      active: undefined,
      lastTs: -Infinity,
    };
    if (this.restored.size > 0) this.applyRestored(binding);
    if (watching.length > 0 && this.boundSinceWatch && this.boundSinceWatch.length < MAX_BOUND_SINCE_WATCH) this.boundSinceWatch.push(binding);
    return binding;
  }

  /** Conditions firing before a restart (or on another collector) continue where they were, so recovery resolves them. */
  private applyRestored(binding: SeriesBinding): void {
    binding.rules.forEach((r, i) => {
      if (binding.active?.[i] !== undefined) return;
      const fp = fingerprint(r.rule.name, binding.labels);
      if (this.restored.has(fp)) (binding.active ??= new Array<Condition | undefined>(binding.rules.length))[i] = this.condition(r.rule, binding.labels, fp);
    });
  }

  private condition(rule: RuleSpec, labels: Record<string, string>, fp: string): Condition {
    const restored = this.restored.get(fp);
    let state = newAlertState();
    if (restored) {
      this.restored.delete(fp);
      state = firingState(restored.startedMs, restored.atMs);
    }
    return { rule, timing: timingOf(rule), fingerprint: fp, labels, state };
  }

  private updateTimed(c: Condition): void {
    if (needsTimer(c.state)) this.timed.add(c);
    else this.timed.delete(c);
  }

  private emit(c: Condition, step: Exclude<Step, { kind: 'none' }>): void {
    this.changedSinceWatch?.add(c.fingerprint);
    this.onTransition({
      kind: step.kind,
      rule: c.rule,
      fingerprint: c.fingerprint,
      labels: c.labels,
      value: step.value,
      startedMs: step.kind === 'fire' ? step.startedMs : step.atMs,
      atMs: step.atMs,
    });
  }
}
