// SLA evaluation: availability figures per window, error budgets and multi-window burn rates of
// every service, recomputed from the in-memory minute states on each tick. Burn-rate alert signals and
// budget exhaustion are offered to other features (the incidents engine) and to metrics, with
// listeners told of every transition. Figures over any other range are computed on request.
import { Inject, Injectable, Logger } from '@nestjs/common';
import { formatDuration } from '@vigil/proto';
import { CLOCK, type Clock } from '../common/clock.js';
import type { SeriesRef } from '../common/samples.js';
import { DAY_MINUTES, MINUTE_MS, dayOf, getBit, minuteOf } from './domain/bitmap.js';
import { burnRate, evaluateBurnRules, type BurnRule, type MinuteMasks } from './domain/sla-math.js';
import { minuteMasks, ScheduleMaskCache } from './domain/masks.js';
import { parseRollingWindow, periodContaining, rollingRange, type SlaRange } from './domain/periods.js';
import { measuredTerms, slaFigures, type SlaFigures } from './domain/figures.js';
import { ServicesService } from './services.service.js';
import { MaintenanceService } from './maintenance.service.js';
import { PROBE_SUCCESS } from './probe-metrics.js';
import { SlaState } from './sla-state.js';
import { objectivesOf, type ServiceModel } from './sla.model.js';

/** A multi-window burn-rate alert condition of one service (Google SRE workbook). */
export interface BurnSignal {
  service: string;
  severity: 'page' | 'ticket';
  longWindow: string;
  shortWindow: string;
  longRate: number;
  shortRate: number;
  /** Burn-rate factor both windows must reach. */
  factor: number;
  objective: number;
  firing: boolean;
  /** When the signal started firing (ms), while it fires. */
  firingSinceMs?: number;
  evaluatedAtMs: number;
}

/** Error budget state of one service and window (configured rolling windows and the current period). */
export interface BudgetState {
  service: string;
  window: string;
  objective: number;
  remainingRatio: number;
  remainingMinutes: number;
  exhausted: boolean;
  evaluatedAtMs: number;
}

/** What the last evaluation computed; metrics read it at scrape time. */
export interface EvaluationSnapshot {
  atMs: number;
  windows: Map<string, Map<string, SlaFigures>>;
  burnRates: Map<string, Map<string, number>>;
}

type NamedBurnRule = BurnRule & { long: string; short: string };

/** A burn window's label: its length in the one largest unit up to days that divides it ("90m", "6h", "3d"). */
const windowLabel = (minutes: number): string => formatDuration(minutes * MINUTE_MS, { largestUnit: 'd', singleUnit: true });


@Injectable()
export class SlaEvaluator {
  private readonly log = new Logger('sla');
  private readonly hoursCache = new ScheduleMaskCache();
  private readonly burnRules: NamedBurnRule[];
  private snapshot: EvaluationSnapshot = { atMs: 0, windows: new Map(), burnRates: new Map() };
  private signals: BurnSignal[] = [];
  private budgets: BudgetState[] = [];
  private readonly burnListeners = new Set<(signal: BurnSignal) => void>();
  private readonly budgetListeners = new Set<(state: BudgetState) => void>();

  constructor(
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly catalogue: ServicesService,
    private readonly maintenance: MaintenanceService,
    private readonly state: SlaState,
  ) {
    this.burnRules = catalogue.settings.burn_alerts.map((a) => ({
      severity: a.severity,
      long: a.long,
      short: a.short,
      longMinutes: parseRollingWindow(a.long)!,
      shortMinutes: parseRollingWindow(a.short)!,
      factor: a.factor,
    }));
  }

  /** Which minutes of a range are in service hours and which are in maintenance, for one service. */
  masksFor(svc: ServiceModel, range: { startMs: number; endMs: number }): MinuteMasks {
    const sla = svc.sla!;
    return minuteMasks(
      (day) => this.hoursCache.get(sla.hours, sla.zone, day),
      this.maintenance.intervalsFor(svc.id, range.startMs, range.endMs),
      dayOf(range.startMs),
      dayOf(range.endMs),
    );
  }

  /** Figures of a service with an SLA over a range (reads SQLite for days older than the cache). */
  async figures(svc: ServiceModel, range: SlaRange, options: { outages?: boolean; daily?: boolean } = {}): Promise<SlaFigures> {
    const days = await this.state.days(svc.id, dayOf(range.startMs), dayOf(Math.max(range.startMs, range.evaluatedToMs - 1)));
    return slaFigures(range, objectivesOf(svc.sla!), days, this.masksFor(svc, range), options);
  }

  /** Recomputes windows, burn rates, signals and budgets of every service; emits transitions. */
  evaluate(): void {
    const started = performance.now();
    const now = this.clock.now();
    const windows = new Map<string, Map<string, SlaFigures>>();
    const burnRates = new Map<string, Map<string, number>>();
    const signals: BurnSignal[] = [];
    const budgets: BudgetState[] = [];
    const previous = new Map(this.signals.map((s) => [`${s.service}\u0000${s.severity}\u0000${s.longWindow}`, s]));
    const previousBudgets = new Map(this.budgets.map((b) => [`${b.service}\u0000${b.window}`, b]));
    const burnWindows = [...new Set(this.burnRules.flatMap((r) => [r.longMinutes, r.shortMinutes]))];
    for (const svc of this.catalogue.list()) {
      const sla = svc.sla;
      if (!sla) continue;
      const days = this.state.memoryDays(svc.id);
      const perWindow = new Map<string, SlaFigures>();
      const ranges: SlaRange[] = sla.windows.map((w) => rollingRange(w.label, w.minutes, now));
      ranges.push(periodContaining(sla.period, sla.zone, now, sla.period));
      for (const range of ranges) {
        if (dayOf(range.startMs) < this.state.cacheFromDay) continue; // longer than the cache: computed on request only
        perWindow.set(range.label, slaFigures(range, objectivesOf(sla), days, this.masksFor(svc, range)));
      }
      windows.set(svc.id, perWindow);
      // Burn rates over the last N complete minutes.
      const longest = Math.max(...burnWindows);
      const end = minuteOf(now);
      const masks = this.masksFor(svc, { startMs: (end - longest) * MINUTE_MS, endMs: end * MINUTE_MS });
      const rates = new Map<number, number>();
      const objectives = objectivesOf(sla);
      for (const m of burnWindows) rates.set(m, burnRate(measuredTerms(objectives, end - m, end, days, masks), sla.objective));
      burnRates.set(svc.id, new Map([...rates].map(([m, r]) => [windowLabel(m), r])));
      for (const e of evaluateBurnRules(this.burnRules, (m) => rates.get(m)!)) {
        const rule = e.rule as NamedBurnRule;
        const prev = previous.get(`${svc.id}\u0000${rule.severity}\u0000${rule.long}`);
        const signal: BurnSignal = {
          service: svc.id,
          severity: rule.severity,
          longWindow: rule.long,
          shortWindow: rule.short,
          longRate: e.longRate,
          shortRate: e.shortRate,
          factor: rule.factor,
          objective: sla.objective,
          firing: e.firing,
          evaluatedAtMs: now,
        };
        if (e.firing) signal.firingSinceMs = prev?.firing ? (prev.firingSinceMs ?? now) : now;
        signals.push(signal);
        if ((prev?.firing ?? false) !== e.firing) this.emit(this.burnListeners, signal);
      }
      for (const [label, f] of perWindow) {
        const state: BudgetState = {
          service: svc.id,
          window: label,
          objective: sla.objective,
          remainingRatio: f.errorBudget.remainingRatio,
          remainingMinutes: f.errorBudget.remainingMinutes,
          exhausted: f.errorBudget.totalMinutes > 0 && f.errorBudget.remainingMinutes <= 0,
          evaluatedAtMs: now,
        };
        budgets.push(state);
        if ((previousBudgets.get(`${svc.id}\u0000${label}`)?.exhausted ?? false) !== state.exhausted) this.emit(this.budgetListeners, state);
      }
    }
    this.snapshot = { atMs: now, windows, burnRates };
    this.signals = signals;
    this.budgets = budgets;
    this.state.counters.lastEvaluationMs = now;
    this.state.counters.lastEvaluationDurationMs = performance.now() - started;
  }

  private emit<T>(listeners: Set<(v: T) => void>, value: T): void {
    for (const l of listeners) {
      try {
        l(value);
      } catch (error) {
        this.log.error(`SLA listener failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }

  // ---- what other features use ------------------------------------------------------------------

  /** Current multi-window burn-rate signals (one per service and rule), from the last evaluation. */
  burnRateSignals(): BurnSignal[] {
    return this.signals.map((s) => ({ ...s }));
  }

  /** Error budget state per service and window; `exhausted` when nothing remains. */
  errorBudgetStates(): BudgetState[] {
    return this.budgets.map((b) => ({ ...b }));
  }

  /** Called when a burn signal starts or stops firing. Returns an unsubscribe function. */
  onBurnSignal(listener: (signal: BurnSignal) => void): () => void {
    this.burnListeners.add(listener);
    return () => this.burnListeners.delete(listener);
  }

  /** Called when an error budget becomes exhausted or recovers. */
  onErrorBudgetExhausted(listener: (state: BudgetState) => void): () => void {
    this.budgetListeners.add(listener);
    return () => this.budgetListeners.delete(listener);
  }

  lastSnapshot(): EvaluationSnapshot {
    return this.snapshot;
  }

  /** Whether samples of a series judge some service's minutes: a probe result or a counter of an SLI on metrics. */
  judgesMinutes(series: SeriesRef): boolean {
    return series.metric === PROBE_SUCCESS || this.state.sli.matchesOf(series).length > 0;
  }

  /** How a recent minute (minutes since the epoch) of a service was judged; days not in memory are unknown. */
  minuteVerdict(service: string, minute: number): 'good' | 'bad' | 'unknown' {
    const day = Math.floor(minute / DAY_MINUTES);
    const status = this.state.status.get(service, day);
    if (!status) return 'unknown';
    const m = minute - day * DAY_MINUTES;
    return getBit(status.bad, m) ? 'bad' : getBit(status.good, m) ? 'good' : 'unknown';
  }
}
