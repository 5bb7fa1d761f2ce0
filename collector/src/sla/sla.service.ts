// The SLA engine: keeps per-minute service states up to date from ingest, persists them, rebuilds
// what a crash lost from raw samples, and computes availability, error budgets and burn rates.
import { BadRequestException, Inject, Injectable, Logger, Optional, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { parseDuration } from '@vigil/proto';
import { CLOCK, type Clock } from '../common/clock.js';
import { SAMPLE_STORE } from '../common/tokens.js';
import { CollectorEvents } from '../common/events.js';
import type { SampleStore, StoredSeriesSamples } from '../storage/storage.types.js';
import { DAY_MINUTES, DAY_MS, MINUTE_MS, dayOf, minuteOf } from './domain/bitmap.js';
import { AGENT_FAILED, AGENT_OK } from './domain/minute-state.js';
import { burnRate, countMinutes, evaluateBurnRules, type BurnRule, type DayStatus, type MinuteMasks } from './domain/sla-math.js';
import { minuteMasks, ScheduleMaskCache } from './domain/masks.js';
import { PERIOD_KINDS, parsePeriod, parseRollingWindow, periodContaining, rollingRange, type PeriodKind, type SlaRange } from './domain/periods.js';
import { slaFigures, type SlaFigures } from './domain/figures.js';
import { StatusStore, type Evidence, type ServiceDay, type ServiceRules } from './status-store.js';
import { SlaRepository, type RebuildEntry } from './sla.repository.js';
import { ServicesService } from './services.service.js';
import { MaintenanceService } from './maintenance.service.js';
import type { ServiceModel } from './sla.model.js';

export const PROBE_SUCCESS = 'vigil_probe_success';
export const PROBE_DURATION = 'vigil_probe_duration_seconds';
/** Raw samples are kept at least this long (storage contract); older minutes cannot be rebuilt. */
export const RAW_RETENTION_MS = 7 * DAY_MS;
/** A probe silent for longer than this is reported as a problem. */
export const STALE_PROBE_MS = 10 * MINUTE_MS;
/**
 * Provided as `true` by SlaModule.forReport(): compute from what is stored (and re-read recent raw
 * samples in memory) but write nothing, so a report next to a running collector leaves its state alone.
 */
export const SLA_READ_ONLY = Symbol('SlaReadOnly');

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

export interface SlaCounters {
  samplesApplied: number;
  /** Samples routed to a re-read of raw data, by reason. */
  samplesDeferred: Record<'late' | 'rebuilding' | 'not_ready', number>;
  rebuilds: number;
  rebuildFailures: number;
  flushes: number;
  flushFailures: number;
  flushedDays: number;
  lastFlushMs: number;
  lastEvaluationMs: number;
  lastEvaluationDurationMs: number;
}

const fmtWindow = (minutes: number): string =>
  minutes % 1440 === 0 ? `${minutes / 1440}d` : minutes % 60 === 0 ? `${minutes / 60}h` : `${minutes}m`;

@Injectable()
export class SlaService implements OnModuleInit, OnModuleDestroy {
  private readonly log = new Logger('sla');
  private readonly status = new StatusStore();
  private readonly hoursCache = new ScheduleMaskCache();
  /** Days older than the in-memory cache, read from SQLite on demand (bounded). */
  private readonly oldDays = new Map<string, ServiceDay | null>();
  private probeIndex = new Map<string, ServiceModel[]>();
  private rules = new Map<string, ServiceRules>();
  private readonly seen = new Map<string, Map<string, { firstMs: number; lastMs: number; dirty: boolean }>>();
  /** Incremental updates need per-agent evidence; minutes before this are re-read from raw data. */
  private evidenceFromMinute = Number.POSITIVE_INFINITY;
  /** First day held in memory; older days live in SQLite only. */
  private cacheFromDay = Number.POSITIVE_INFINITY;
  private readonly activeRebuilds: { services: ReadonlySet<string> | undefined; from: number; to: number }[] = [];
  private readonly rebuildQueue = new Map<string, RebuildEntry>();
  private rebuildChain: Promise<void> = Promise.resolve();
  private rebuildTimer: NodeJS.Timeout | undefined;
  private flushTimer: NodeJS.Timeout | undefined;
  private evalTimer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private unsubscribe: (() => void) | undefined;
  private stopped = false;
  private ready = false;
  private snapshot: EvaluationSnapshot = { atMs: 0, windows: new Map(), burnRates: new Map() };
  private signals: BurnSignal[] = [];
  private budgets: BudgetState[] = [];
  private readonly burnListeners = new Set<(signal: BurnSignal) => void>();
  private readonly budgetListeners = new Set<(state: BudgetState) => void>();
  private readonly burnRules: (BurnRule & { long: string; short: string })[];
  readonly counters: SlaCounters = {
    samplesApplied: 0,
    samplesDeferred: { late: 0, rebuilding: 0, not_ready: 0 },
    rebuilds: 0,
    rebuildFailures: 0,
    flushes: 0,
    flushFailures: 0,
    flushedDays: 0,
    lastFlushMs: 0,
    lastEvaluationMs: 0,
    lastEvaluationDurationMs: 0,
  };

  constructor(
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(SAMPLE_STORE) private readonly store: SampleStore,
    private readonly events: CollectorEvents,
    private readonly repo: SlaRepository,
    readonly catalogue: ServicesService,
    readonly maintenance: MaintenanceService,
    @Optional() @Inject(SLA_READ_ONLY) private readonly readOnly: boolean = false,
  ) {
    this.burnRules = catalogue.settings.burn_alerts.map((a) => ({
      severity: a.severity,
      long: a.long,
      short: a.short,
      longMinutes: parseRollingWindow(a.long)!,
      shortMinutes: parseRollingWindow(a.short)!,
      factor: a.factor,
    }));
    // Subscribe at once so nothing committed during start-up is missed; until ready, samples
    // are only noted for a re-read from raw storage.
    this.unsubscribe = this.events.on('samples', (samples) => this.onSamples(samples));
  }

  private get settings() {
    return this.catalogue.settings;
  }

  async onModuleInit(): Promise<void> {
    await this.catalogue.load();
    await this.maintenance.load();
    this.reindex();
    this.catalogue.onChange((change) => this.onCatalogueChange(change.id, change.action));
    // New or changed maintenance applies at once to burn rates, budgets and metrics.
    this.maintenance.onChange(() => this.ready && !this.stopped && this.evaluate());
    const now = this.clock.now();
    const today = dayOf(now);
    this.cacheFromDay = today - this.settings.cache_days + 1;
    for (const d of await this.repo.loadDays(this.cacheFromDay, today + 1)) this.status.load(d);
    for (const row of await this.repo.loadProbeSeen()) this.noteSeen(row.service_id, row.probe, row.first_ms, false, row.last_ms);
    const lateMs = parseDuration(this.settings.late_data_window)!;
    const lastFlush = Number((await this.repo.getState('last_flush_ms')) ?? NaN);
    // Re-read what may not have been flushed: from the last flush (minus the late-data allowance)
    // up to now; on the first start only the late-data window.
    const from = Math.max(now - RAW_RETENTION_MS, Number.isFinite(lastFlush) ? lastFlush - lateMs : now - lateMs);
    const fromMinute = minuteOf(from);
    this.evidenceFromMinute = fromMinute;
    for (const e of await this.repo.loadRebuildQueue()) this.enqueue(e, false);
    await this.backfillNewServices(now);
    this.ready = true;
    await this.rebuild(undefined, fromMinute, minuteOf(now) + 1);
    await this.processRebuildQueue();
    this.evaluate();
    if (this.readOnly) return;
    const flushMs = parseDuration(this.settings.flush_interval)!;
    const evalMs = parseDuration(this.settings.evaluation_interval)!;
    this.flushTimer = setInterval(() => void this.flush().catch(() => undefined), flushMs).unref();
    this.evalTimer = setInterval(() => this.tick(), evalMs).unref();
  }

  async onModuleDestroy(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.unsubscribe?.();
    for (const t of [this.flushTimer, this.evalTimer, this.rebuildTimer]) if (t) clearInterval(t);
    await this.rebuildChain.catch(() => undefined);
    if (!this.readOnly) await this.flush();
  }

  // ---- ingest -------------------------------------------------------------------------------

  private onSamples(batch: StoredSeriesSamples[]): void {
    for (const s of batch) {
      const metric = s.series.metric;
      if (metric !== PROBE_SUCCESS && metric !== PROBE_DURATION) continue;
      const probe = s.series.labels.probe;
      if (probe === undefined) continue;
      const services = this.probeIndex.get(probe);
      if (!services) continue;
      const agent = s.series.labels.agent ?? '';
      const host = s.series.labels.host ?? '';
      for (const svc of services) {
        if ((svc.agents && !svc.agents.has(agent)) || (svc.hosts && !svc.hosts.has(host))) continue;
        const rules = this.rules.get(svc.id)!;
        let first = Number.POSITIVE_INFINITY;
        let last = Number.NEGATIVE_INFINITY;
        for (let i = 0; i < s.timestamps.length; i++) {
          const ts = s.timestamps[i]!;
          const minute = Math.floor(ts / MINUTE_MS);
          if (ts < first) first = ts;
          if (ts > last) last = ts;
          const deferred = !this.ready ? 'not_ready' : minute < this.evidenceFromMinute ? 'late' : this.rebuildCovers(svc.id, minute) ? 'rebuilding' : undefined;
          if (deferred) {
            this.counters.samplesDeferred[deferred]++;
            this.enqueue({ service_id: svc.id, day: Math.floor(minute / DAY_MINUTES), from_minute: minute, to_minute: minute + 1 }, true);
            continue;
          }
          if (metric === PROBE_SUCCESS) this.status.applySuccess(rules, probe, agent, ts, s.values[i]!);
          else this.status.applyDuration(rules, ts, s.values[i]!);
          this.counters.samplesApplied++;
        }
        if (metric === PROBE_SUCCESS && s.timestamps.length > 0) this.noteSeen(svc.id, probe, first, true, last);
      }
    }
  }

  private noteSeen(service: string, probe: string, firstMs: number, dirty: boolean, lastMs = firstMs): void {
    let probes = this.seen.get(service);
    if (!probes) this.seen.set(service, (probes = new Map()));
    const e = probes.get(probe);
    if (!e) probes.set(probe, { firstMs, lastMs, dirty });
    else {
      if (firstMs < e.firstMs) e.firstMs = firstMs;
      if (lastMs > e.lastMs) e.lastMs = lastMs;
      e.dirty ||= dirty;
    }
  }

  private rebuildCovers(service: string, minute: number): boolean {
    for (const r of this.activeRebuilds) if (minute >= r.from && minute < r.to && (!r.services || r.services.has(service))) return true;
    return false;
  }

  // ---- catalogue ----------------------------------------------------------------------------

  private reindex(): void {
    const index = new Map<string, ServiceModel[]>();
    const rules = new Map<string, ServiceRules>();
    for (const svc of this.catalogue.list()) {
      for (const probe of svc.probes) {
        let list = index.get(probe);
        if (!list) index.set(probe, (list = []));
        list.push(svc);
      }
      const r: ServiceRules = {
        id: svc.id,
        probes: svc.probes,
        quorum: svc.sla?.quorum ?? 'majority',
        requireAllProbes: svc.sla?.requireAllProbes ?? false,
      };
      if (svc.sla?.latency) r.latencyThresholdSeconds = svc.sla.latency.thresholdSeconds;
      rules.set(svc.id, r);
    }
    this.probeIndex = index;
    this.rules = rules;
  }

  private onCatalogueChange(id: string, action: 'create' | 'update' | 'delete'): void {
    this.reindex();
    if (action === 'delete') {
      this.seen.delete(id);
      return;
    }
    // A new or changed service is judged again from raw data (probes, agents or quorum may differ).
    const now = this.clock.now();
    this.backfill(id, now);
    const rules = this.rules.get(id);
    if (rules) this.status.rederive(rules);
  }

  /** Services never seen before (new in collector.yaml) get their history re-read from raw data. */
  private async backfillNewServices(now: number): Promise<void> {
    const known = new Set(JSON.parse((await this.repo.getState('known_services')) ?? '[]') as string[]);
    const first = known.size === 0 && (await this.repo.getState('last_flush_ms')) === undefined;
    const ids = this.catalogue.list().map((s) => s.id);
    if (!first) for (const id of ids) if (!known.has(id)) this.backfill(id, now);
    if (!this.readOnly) await this.repo.setState('known_services', JSON.stringify(ids));
  }

  private backfill(service: string, now: number): void {
    const from = minuteOf(now - RAW_RETENTION_MS);
    const to = minuteOf(now) + 1;
    for (let day = Math.floor(from / DAY_MINUTES); day <= Math.floor((to - 1) / DAY_MINUTES); day++) {
      const base = day * DAY_MINUTES;
      this.enqueue({ service_id: service, day, from_minute: Math.max(from, base), to_minute: Math.min(to, base + DAY_MINUTES) }, true);
    }
  }

  // ---- rebuild from raw samples ---------------------------------------------------------------

  /** Notes minutes to re-read from raw data; persisted so a restart still does it. */
  private enqueue(e: RebuildEntry, persist: boolean): void {
    const key = `${e.service_id}\u0000${e.day}`;
    const cur = this.rebuildQueue.get(key);
    if (cur) {
      cur.from_minute = Math.min(cur.from_minute, e.from_minute);
      cur.to_minute = Math.max(cur.to_minute, e.to_minute);
    } else this.rebuildQueue.set(key, { ...e });
    if (persist && !this.readOnly) void this.repo.queueRebuild([e]).catch((error) => this.log.warn(`could not persist rebuild request: ${String(error)}`));
    if (!this.rebuildTimer && this.ready && !this.stopped) {
      // Coalesce a burst of late samples (an agent replaying its spool) into one re-read.
      this.rebuildTimer = setTimeout(() => {
        this.rebuildTimer = undefined;
        void this.processRebuildQueue();
      }, 1000).unref();
    }
  }

  /** Re-reads every queued range from raw samples; resolves when the queue is empty. */
  processRebuildQueue(): Promise<void> {
    const run = async (): Promise<void> => {
      while (this.rebuildQueue.size > 0 && !this.stopped) {
        const entries = [...this.rebuildQueue.values()];
        this.rebuildQueue.clear();
        for (const e of entries) {
          await this.rebuild(new Set([e.service_id]), e.from_minute, e.to_minute);
          if (!this.readOnly) await this.repo.dequeueRebuild(e).catch(() => undefined);
        }
      }
    };
    this.rebuildChain = this.rebuildChain.then(run, run);
    return this.rebuildChain;
  }

  /**
   * Replaces minutes [fromMinute, toMinute) of the given services (all when undefined) with what
   * raw samples say. Samples committed meanwhile for those minutes are re-queued, not applied
   * twice: the re-read after this one includes them.
   */
  async rebuild(services: ReadonlySet<string> | undefined, fromMinute: number, toMinute: number): Promise<void> {
    const now = this.clock.now();
    const from = Math.max(fromMinute, minuteOf(now - RAW_RETENTION_MS));
    if (toMinute <= from) return;
    const active = { services, from, to: toMinute };
    this.activeRebuilds.push(active);
    try {
      const targets = this.catalogue.list().filter((s) => !services || services.has(s.id));
      for (const svc of targets) await this.rebuildService(svc, from, toMinute);
      this.counters.rebuilds++;
    } catch (error) {
      this.counters.rebuildFailures++;
      this.log.warn(`re-reading minutes from raw samples failed: ${error instanceof Error ? error.message : String(error)}`);
      // Try again later rather than lose the range.
      for (const svc of this.catalogue.list().filter((s) => !services || services.has(s.id)))
        for (let day = Math.floor(from / DAY_MINUTES); day <= Math.floor((toMinute - 1) / DAY_MINUTES); day++)
          this.rebuildQueue.set(`${svc.id}\u0000${day}`, { service_id: svc.id, day, from_minute: Math.max(from, day * DAY_MINUTES), to_minute: Math.min(toMinute, (day + 1) * DAY_MINUTES) });
    } finally {
      this.activeRebuilds.splice(this.activeRebuilds.indexOf(active), 1);
    }
  }

  private async rebuildService(svc: ServiceModel, from: number, to: number): Promise<void> {
    const rules = this.rules.get(svc.id);
    if (!rules) return;
    const length = to - from;
    const evidence: Evidence = new Map();
    let latency: { good: Uint16Array; total: Uint16Array } | undefined;
    for (const probe of svc.probes) {
      const agents = new Map<string, Uint8Array>();
      evidence.set(probe, agents);
      for (const series of await this.store.findSeries({ metric: PROBE_SUCCESS, labels: { probe } })) {
        const agent = series.labels.agent ?? '';
        if ((svc.agents && !svc.agents.has(agent)) || (svc.hosts && !svc.hosts.has(series.labels.host ?? ''))) continue;
        const points = await this.store.queryRange(series.id, from * MINUTE_MS, to * MINUTE_MS - 1);
        if (points.length === 0) continue;
        let flags = agents.get(agent);
        if (!flags) agents.set(agent, (flags = new Uint8Array(length)));
        for (const [ts, value] of points) flags[Math.floor(ts / MINUTE_MS) - from]! |= value >= 1 ? AGENT_OK : AGENT_FAILED;
        this.noteSeen(svc.id, probe, points[0]![0], true, points[points.length - 1]![0]);
      }
      if (rules.latencyThresholdSeconds !== undefined) {
        for (const series of await this.store.findSeries({ metric: PROBE_DURATION, labels: { probe } })) {
          const agent = series.labels.agent ?? '';
          if ((svc.agents && !svc.agents.has(agent)) || (svc.hosts && !svc.hosts.has(series.labels.host ?? ''))) continue;
          latency ??= { good: new Uint16Array(length), total: new Uint16Array(length) };
          for (const [ts, seconds] of await this.store.queryRange(series.id, from * MINUTE_MS, to * MINUTE_MS - 1)) {
            const i = Math.floor(ts / MINUTE_MS) - from;
            if (latency.total[i]! === 0xffff) continue;
            latency.total[i]!++;
            if (seconds <= rules.latencyThresholdSeconds) latency.good[i]!++;
          }
        }
      }
    }
    for (let day = Math.floor(from / DAY_MINUTES); day <= Math.floor((to - 1) / DAY_MINUTES); day++) {
      const base = day * DAY_MINUTES;
      const a = Math.max(from, base);
      const b = Math.min(to, base + DAY_MINUTES);
      await this.ensureInMemory(svc.id, day);
      const slice: Evidence = new Map();
      for (const [probe, agents] of evidence) {
        const m = new Map<string, Uint8Array>();
        for (const [agent, flags] of agents) m.set(agent, flags.subarray(a - from, b - from));
        slice.set(probe, m);
      }
      const lat = latency ? { good: latency.good.subarray(a - from, b - from), total: latency.total.subarray(a - from, b - from) } : undefined;
      this.status.replaceRange(rules, day, a - base, b - base, slice, lat, b > this.evidenceFromMinute);
      this.oldDays.delete(`${svc.id}\u0000${day}`);
    }
  }

  /** A day older than the cache is loaded before being modified, so its other minutes survive. */
  private async ensureInMemory(service: string, day: number): Promise<void> {
    if (day >= this.cacheFromDay || this.status.get(service, day)) return;
    const [loaded] = await this.repo.loadDays(day, day, service);
    if (loaded && !this.status.get(service, day)) this.status.load(loaded);
  }

  // ---- persistence ----------------------------------------------------------------------------

  /** Writes changed days to SQLite; safe to call concurrently (joins the running flush). */
  flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    const run = async () => {
      const snapshotAt = this.clock.now();
      const dirty = this.status.takeDirty();
      const seen: { service: string; probe: string; firstMs: number; lastMs: number }[] = [];
      for (const [service, probes] of this.seen)
        for (const [probe, e] of probes)
          if (e.dirty) {
            e.dirty = false;
            seen.push({ service, probe, firstMs: e.firstMs, lastMs: e.lastMs });
          }
      try {
        await this.repo.saveDays(dirty, snapshotAt);
        await this.repo.saveProbeSeen(seen);
        await this.repo.setState('last_flush_ms', String(snapshotAt));
        this.counters.flushes++;
        this.counters.flushedDays += dirty.length;
        this.counters.lastFlushMs = snapshotAt;
      } catch (error) {
        this.counters.flushFailures++;
        for (const d of dirty) d.dirty = true;
        for (const e of seen) this.noteSeen(e.service, e.probe, e.firstMs, true, e.lastMs);
        this.log.error(`flushing SLA minute states failed: ${error instanceof Error ? error.message : String(error)}`);
        throw error;
      }
      this.status.evictBefore(this.cacheFromDay);
    };
    this.flushing = run().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  /** Periodic work: advance the evidence horizon and the cache, then evaluate. */
  tick(): void {
    const now = this.clock.now();
    const lateMs = parseDuration(this.settings.late_data_window)!;
    this.evidenceFromMinute = Math.max(this.evidenceFromMinute, minuteOf(now - lateMs));
    this.status.dropEvidenceBefore(Math.floor(this.evidenceFromMinute / DAY_MINUTES));
    this.cacheFromDay = Math.max(this.cacheFromDay, dayOf(now) - this.settings.cache_days + 1);
    this.evaluate();
  }

  // ---- computation ----------------------------------------------------------------------------

  /** Day lookup for [fromDay, toDay]: memory first, then SQLite (older days, cached with a bound). */
  async days(service: string, fromDay: number, toDay: number): Promise<(day: number) => DayStatus | undefined> {
    if (fromDay < this.cacheFromDay) {
      const missing: number[] = [];
      for (let d = fromDay; d <= Math.min(toDay, this.cacheFromDay - 1); d++)
        if (!this.status.get(service, d) && !this.oldDays.has(`${service}\u0000${d}`)) missing.push(d);
      if (missing.length) {
        const loaded = new Map((await this.repo.loadDays(missing[0]!, missing[missing.length - 1]!, service)).map((d) => [d.day, d]));
        if (this.oldDays.size + missing.length > 50_000) this.oldDays.clear();
        for (const d of missing) this.oldDays.set(`${service}\u0000${d}`, loaded.get(d) ?? null);
      }
    }
    return (day) => this.status.get(service, day) ?? this.oldDays.get(`${service}\u0000${day}`) ?? undefined;
  }

  /** Synchronous lookup for ranges inside the in-memory cache (evaluation, benchmarks). */
  private memoryDays(service: string): (day: number) => DayStatus | undefined {
    return (day) => this.status.get(service, day) ?? this.oldDays.get(`${service}\u0000${day}`) ?? undefined;
  }

  masksFor(svc: ServiceModel, range: { startMs: number; endMs: number }): MinuteMasks {
    const sla = svc.sla!;
    return minuteMasks(
      (day) => this.hoursCache.get(sla.hours, sla.zone, day),
      this.maintenance.intervalsFor(svc.id, range.startMs, range.endMs),
      dayOf(range.startMs),
      dayOf(range.endMs),
    );
  }

  /** Resolves `window=30d` or `period=2026-11` for a service; 400 when neither parses. */
  resolveRange(svc: ServiceModel, query: { window?: string | undefined; period?: string | undefined }): SlaRange {
    const sla = this.requireSla(svc);
    const now = this.clock.now();
    if (query.window !== undefined && query.period !== undefined) throw badRequest('window', 'give either window or period, not both');
    if (query.period !== undefined) {
      const range = parsePeriod(query.period, sla.zone, now);
      if (!range) throw badRequest('period', `invalid period ${JSON.stringify(query.period)} (use e.g. 2026-11, 2026-Q4, 2026-W45, 2026-11-03 or 2026)`);
      return range;
    }
    const text = query.window ?? sla.windows[0]?.label ?? '30d';
    if ((PERIOD_KINDS as readonly string[]).includes(text)) return periodContaining(text as PeriodKind, sla.zone, now, text);
    const minutes = parseRollingWindow(text);
    if (minutes === undefined || minutes > 400 * 1440) throw badRequest('window', `invalid window ${JSON.stringify(text)} (use e.g. 7d, 30d, 1h, or month)`);
    return rollingRange(text, minutes, now);
  }

  requireSla(svc: ServiceModel): NonNullable<ServiceModel['sla']> {
    if (!svc.sla) throw badRequest('service', `service ${JSON.stringify(svc.id)} has no sla section`);
    return svc.sla;
  }

  /** Figures of a service over a range (reads SQLite for days older than the cache). */
  async figures(svc: ServiceModel, range: SlaRange, options: { outages?: boolean; daily?: boolean } = {}): Promise<SlaFigures> {
    const sla = this.requireSla(svc);
    const days = await this.days(svc.id, dayOf(range.startMs), dayOf(Math.max(range.startMs, range.evaluatedToMs - 1)));
    return slaFigures(range, { objective: sla.objective, ...(sla.latency ? { latency: sla.latency } : {}), zone: sla.zone }, days, this.masksFor(svc, range), options);
  }

  /** Availability figures of every service with an SLA over the last `minutes` (in-memory data). */
  computeAll(minutes: number): SlaFigures[] {
    const now = this.clock.now();
    const out: SlaFigures[] = [];
    for (const svc of this.catalogue.list()) {
      if (!svc.sla) continue;
      const range = rollingRange(fmtWindow(minutes), minutes, now);
      const sla = svc.sla;
      out.push(slaFigures(range, { objective: sla.objective, ...(sla.latency ? { latency: sla.latency } : {}), zone: sla.zone }, this.memoryDays(svc.id), this.masksFor(svc, range)));
    }
    return out;
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
      const days = this.memoryDays(svc.id);
      const objectives = { objective: sla.objective, ...(sla.latency ? { latency: sla.latency } : {}), zone: sla.zone };
      const perWindow = new Map<string, SlaFigures>();
      const ranges: SlaRange[] = sla.windows.map((w) => rollingRange(w.label, w.minutes, now));
      ranges.push(periodContaining(sla.period, sla.zone, now, sla.period));
      for (const range of ranges) {
        if (dayOf(range.startMs) < this.cacheFromDay) continue; // longer than the cache: computed on request only
        perWindow.set(range.label, slaFigures(range, objectives, days, this.masksFor(svc, range)));
      }
      windows.set(svc.id, perWindow);
      // Burn rates over the last N complete minutes.
      const longest = Math.max(...burnWindows);
      const end = minuteOf(now);
      const masks = this.masksFor(svc, { startMs: (end - longest) * MINUTE_MS, endMs: end * MINUTE_MS });
      const rates = new Map<number, number>();
      for (const m of burnWindows) rates.set(m, burnRate(countMinutes(end - m, end, days, masks), sla.objective));
      burnRates.set(svc.id, new Map([...rates].map(([m, r]) => [fmtWindow(m), r])));
      for (const e of evaluateBurnRules(this.burnRules, (m) => rates.get(m)!)) {
        const rule = e.rule as BurnRule & { long: string; short: string };
        const key = `${svc.id}\u0000${rule.severity}\u0000${rule.long}`;
        const prev = previous.get(key);
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
    this.counters.lastEvaluationMs = now;
    this.counters.lastEvaluationDurationMs = performance.now() - started;
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

  /** Budgets currently exhausted. */
  errorBudgetExhausted(): BudgetState[] {
    return this.budgets.filter((b) => b.exhausted).map((b) => ({ ...b }));
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

  /** Operational problems of a service, e.g. "probe shop-tcp has never reported". */
  problems(svc: ServiceModel): string[] {
    const now = this.clock.now();
    const out: string[] = [];
    const probes = this.seen.get(svc.id);
    for (const probe of svc.probes) {
      const e = probes?.get(probe);
      if (!e) out.push(`probe ${probe} has never reported`);
      else if (now - e.lastMs > STALE_PROBE_MS) out.push(`probe ${probe} has not reported since ${new Date(e.lastMs).toISOString()}`);
    }
    if (!svc.sla) out.push('no sla section: availability is not computed');
    return out;
  }

  memoryStats(): { days: number; evidenceDays: number; queuedRebuilds: number } {
    return { ...this.status.stats(), queuedRebuilds: this.rebuildQueue.size };
  }

  /** Test and benchmark hook: the in-memory status store. */
  get statusStore(): StatusStore {
    return this.status;
  }

  get serviceRules(): ReadonlyMap<string, ServiceRules> {
    return this.rules;
  }
}

function badRequest(field: string, message: string): BadRequestException {
  return new BadRequestException({ error: 'invalid request', issues: [`${field}: ${message}`] });
}
