// The SLA engine's shared memory: per-minute service states (recent days in memory, older days read
// from SQLite on demand), when each probe last reported, the per-service rules derived from the
// catalogue, and the horizons that split incremental updates from re-reads of raw samples. The
// recorder, the rebuilder, the evaluator and SlaService (restore, flush) all work on this instance.
import { Injectable } from '@nestjs/common';
import type { DayStatus } from './domain/sla-math.js';
import { StatusStore, type ServiceDay, type ServiceRules } from './status-store.js';
import { SlaRepository } from './sla.repository.js';
import { ServicesService } from './services.service.js';
import type { ServiceModel } from './sla.model.js';
import { SliTracker } from './sli-tracker.js';

/** Why a sample was routed to a re-read of raw data instead of being applied to memory. */
export type DeferReason = 'late' | 'rebuilding' | 'not_ready' | 'out_of_order';

export interface SlaCounters {
  samplesApplied: number;
  /** Samples routed to a re-read of raw data, by reason. */
  samplesDeferred: Record<DeferReason, number>;
  rebuilds: number;
  rebuildFailures: number;
  flushes: number;
  flushFailures: number;
  flushedDays: number;
  lastFlushMs: number;
  lastEvaluationMs: number;
  lastEvaluationDurationMs: number;
}

export interface ProbeSeen {
  service: string;
  probe: string;
  firstMs: number;
  lastMs: number;
}

/** Bound on days older than the cache kept after a request read them from SQLite. */
const MAX_OLD_DAYS = 50_000;

const dayKey = (service: string, day: number) => `${service}\u0000${day}`;

@Injectable()
export class SlaState {
  readonly status = new StatusStore();
  /** Series feeding SLIs on metrics, their counter baselines and histogram layouts. */
  readonly sli = new SliTracker();
  readonly counters: SlaCounters = {
    samplesApplied: 0,
    samplesDeferred: { late: 0, rebuilding: 0, not_ready: 0, out_of_order: 0 },
    rebuilds: 0,
    rebuildFailures: 0,
    flushes: 0,
    flushFailures: 0,
    flushedDays: 0,
    lastFlushMs: 0,
    lastEvaluationMs: 0,
    lastEvaluationDurationMs: 0,
  };
  /** Incremental updates need per-agent evidence; minutes before this are re-read from raw data. */
  evidenceFromMinute = Number.POSITIVE_INFINITY;
  /** First day held in memory; older days live in SQLite only. */
  cacheFromDay = Number.POSITIVE_INFINITY;
  /** Set once start-up restored the state; until then samples are only noted for a re-read. */
  ready = false;
  stopped = false;
  /** Days older than the in-memory cache, read from SQLite on demand (bounded). */
  private readonly oldDays = new Map<string, ServiceDay | null>();
  private probeIndex = new Map<string, ServiceModel[]>();
  private rules = new Map<string, ServiceRules>();
  private readonly seen = new Map<string, Map<string, { firstMs: number; lastMs: number; dirty: boolean }>>();

  constructor(
    private readonly repo: SlaRepository,
    private readonly catalogue: ServicesService,
  ) {}

  /**
   * Forgets everything learnt from samples and storage (minute states, last-seen times, counter
   * baselines, horizons), keeping the catalogue's index: a replica that takes over or steps down
   * starts again from what the leader persisted.
   */
  forgetAll(): void {
    this.status.clear();
    this.sli.forgetBaselines();
    this.seen.clear();
    this.oldDays.clear();
    this.evidenceFromMinute = Number.POSITIVE_INFINITY;
    this.ready = false;
  }

  /** Rebuilds the probe -> services index and each service's rules from the catalogue. */
  reindex(): void {
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
    this.sli.reindex(this.catalogue.list());
  }

  servicesOf(probe: string): readonly ServiceModel[] | undefined {
    return this.probeIndex.get(probe);
  }

  rulesOf(service: string): ServiceRules | undefined {
    return this.rules.get(service);
  }

  // ---- when each probe reported ---------------------------------------------------------------

  noteSeen(service: string, probe: string, firstMs: number, dirty: boolean, lastMs = firstMs): void {
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

  lastSeenMs(service: string, probe: string): number | undefined {
    return this.seen.get(service)?.get(probe)?.lastMs;
  }

  forgetSeen(service: string): void {
    this.seen.delete(service);
  }

  /** Entries changed since the last call, marked clean (noteSeen them again if writing fails). */
  takeDirtySeen(): ProbeSeen[] {
    const out: ProbeSeen[] = [];
    for (const [service, probes] of this.seen)
      for (const [probe, e] of probes)
        if (e.dirty) {
          e.dirty = false;
          out.push({ service, probe, firstMs: e.firstMs, lastMs: e.lastMs });
        }
    return out;
  }

  // ---- day lookups ------------------------------------------------------------------------------

  /** Day lookup for [fromDay, toDay]: memory first, then SQLite (older days, cached with a bound). */
  async days(service: string, fromDay: number, toDay: number): Promise<(day: number) => DayStatus | undefined> {
    if (fromDay < this.cacheFromDay) {
      const missing: number[] = [];
      for (let d = fromDay; d <= Math.min(toDay, this.cacheFromDay - 1); d++) if (!this.status.get(service, d) && !this.oldDays.has(dayKey(service, d))) missing.push(d);
      if (missing.length) {
        const loaded = new Map((await this.repo.loadDays(missing[0]!, missing[missing.length - 1]!, service)).map((d) => [d.day, d]));
        if (this.oldDays.size + missing.length > MAX_OLD_DAYS) this.oldDays.clear();
        for (const d of missing) this.oldDays.set(dayKey(service, d), loaded.get(d) ?? null);
      }
    }
    return this.memoryDays(service);
  }

  /** Synchronous lookup for ranges inside the in-memory cache (evaluation). */
  memoryDays(service: string): (day: number) => DayStatus | undefined {
    return (day) => this.status.get(service, day) ?? this.oldDays.get(dayKey(service, day)) ?? undefined;
  }

  /** A day older than the cache is loaded before being modified, so its other minutes survive. */
  async ensureInMemory(service: string, day: number): Promise<void> {
    if (day >= this.cacheFromDay || this.status.get(service, day)) return;
    const [loaded] = await this.repo.loadDays(day, day, service);
    if (loaded && !this.status.get(service, day)) this.status.load(loaded);
  }

  /** Drops the read-only copy of an old day once the day itself was rewritten in memory. */
  forgetOldDay(service: string, day: number): void {
    this.oldDays.delete(dayKey(service, day));
  }
}
