// The SLA engine's lifecycle: restores the minute states at start (from the database, then
// re-reading from raw samples what a crash may not have flushed), flushes changed days periodically
// and at shutdown, and ticks the evaluation. The jobs themselves live in SlaRecorder (ingest),
// SlaRebuilder (re-reads from raw samples), SlaEvaluator (figures, budgets, burn rates), SlaFollower
// (a follower's copy) and SlaState (the shared memory).
// With several collectors on one database only the leader (LEADERSHIP) does that work, for samples
// stored by every collector; the others follow what it persisted. A collector that takes over
// restores exactly as at start, so what the old leader had not flushed is re-read from raw samples.
import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { parseDuration } from '@vigil/proto';
import { CLOCK, type Clock } from '../common/clock.js';
import { READ_ONLY } from '../common/tokens.js';
import { LEADERSHIP, SoleLeadership, type Leadership } from '../leadership/leadership.js';
import { DAY_MINUTES, dayOf, minuteOf } from './domain/bitmap.js';
import { SlaRepository } from './sla.repository.js';
import { ServicesService } from './services.service.js';
import { MaintenanceService } from './maintenance.service.js';
import { SlaState } from './sla-state.js';
import { SlaRebuilder } from './sla-rebuilder.js';
import { SlaEvaluator } from './sla-evaluator.js';
import { SlaRecorder } from './sla-recorder.js';
import { FOLLOWER_POLL_MS, SlaFollower } from './sla-follower.js';
import type { ServiceModel } from './sla.model.js';
import { RAW_RETENTION_MS, STALE_PROBE_MS } from './probe-metrics.js';

/** A collector that failed to take its role (the database unreachable, say) tries again this often. */
const ROLE_RETRY_MS = 5_000;

@Injectable()
export class SlaService implements OnModuleInit, OnModuleDestroy {
  private readonly log = new Logger('sla');
  // Plain unref'd intervals rather than @nestjs/schedule: two timers whose periods come from config
  // do not need a scheduler registry, and tests drive tick()/flush() directly.
  private timers: NodeJS.Timeout[] = [];
  private flushing: Promise<void> | undefined;
  /** What this collector runs now: the leader's jobs or a follower's copy (undefined before start). */
  private role: 'leader' | 'follower' | undefined;
  /** Role changes run one after another, each to the role held when it starts. */
  private roleChange: Promise<void> = Promise.resolve();
  private stopFollowingLeadership: () => void = () => undefined;
  private stopFollowingPeers: () => void = () => undefined;
  /** The newest flush stamp written: stamps only grow, whichever leader's clock wrote them. */
  private lastStamp = 0;
  /** Set once start-up took its first role: later failures to take one are retried. */
  private started = false;
  private definitionsTimer: NodeJS.Timeout | undefined;

  constructor(
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(READ_ONLY) private readonly readOnly: boolean,
    @Inject(LEADERSHIP) private readonly leadership: Leadership,
    private readonly repo: SlaRepository,
    private readonly catalogue: ServicesService,
    private readonly maintenance: MaintenanceService,
    private readonly state: SlaState,
    private readonly rebuilder: SlaRebuilder,
    private readonly evaluator: SlaEvaluator,
    private readonly recorder: SlaRecorder,
    private readonly follower: SlaFollower,
  ) {}

  private get settings() {
    return this.catalogue.settings;
  }

  async onModuleInit(): Promise<void> {
    const { state } = this;
    await this.catalogue.load();
    await this.maintenance.load();
    state.reindex();
    this.catalogue.onChange((change) => this.onCatalogueChange(change.id, change.action));
    // New or changed maintenance applies at once to burn rates, budgets and metrics.
    this.maintenance.onChange(() => (state.ready || this.role === 'follower') && !state.stopped && this.evaluator.evaluate());
    if (this.readOnly) {
      await this.restore();
      this.evaluator.evaluate();
      return;
    }
    this.stopFollowingLeadership = this.leadership.onChange(() => void this.followLeadership().catch(() => undefined)); // logged
    await this.followLeadership();
    this.started = true;
    // Services and maintenance windows other collectors' APIs changed (a sole collector's change only through its own).
    if (!(this.leadership instanceof SoleLeadership)) this.definitionsTimer = setInterval(() => void this.syncDefinitions(), FOLLOWER_POLL_MS).unref();
  }

  /** Takes up what other collectors changed in the catalogue and the maintenance windows. */
  async syncDefinitions(): Promise<void> {
    try {
      await this.catalogue.sync();
      await this.maintenance.sync();
    } catch (error) {
      this.log.warn(`reading services and maintenance windows failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  async onModuleDestroy(): Promise<void> {
    if (this.state.stopped) return;
    this.state.stopped = true;
    this.stopFollowingLeadership();
    clearInterval(this.definitionsTimer);
    this.stopTimers();
    this.stopFollowingPeers();
    await this.roleChange;
    await this.rebuilder.stop();
    if (!this.readOnly && this.role === 'leader') await this.flush();
  }

  /** Resolves once the role change in progress, if any, finished (taking over includes the re-read). */
  settled(): Promise<void> {
    return this.roleChange;
  }

  /** Takes the role leadership gives now (queued behind a role change in progress). */
  private followLeadership(): Promise<void> {
    const next = async () => {
      const role = this.leadership.isLeader() ? 'leader' : 'follower';
      if (this.state.stopped || role === this.role) return;
      try {
        if (role === 'leader') await this.takeOver();
        else await this.stepDown();
      } catch (error) {
        // Half a role is no role: the next change (or the retry) starts it again from the beginning.
        this.role = undefined;
        this.stopTimers();
        this.stopFollowingPeers();
        if (this.started) this.timers = [setTimeout(() => void this.followLeadership().catch(() => undefined), ROLE_RETRY_MS).unref()];
        throw error;
      }
    };
    const run = this.roleChange.then(next);
    this.roleChange = run.catch((error) => this.log.error(`changing SLA role failed: ${error instanceof Error ? error.message : String(error)}`));
    return run;
  }

  /** Becomes the one collector that folds samples in, re-reads, evaluates and writes. */
  private async takeOver(): Promise<void> {
    this.stopTimers();
    this.role = 'leader';
    // Peers' samples from now on; everything before is in raw storage, re-read by restore().
    this.stopFollowingPeers = this.recorder.followPeers();
    await this.restore();
    this.evaluator.evaluate();
    this.timers = [
      setInterval(() => void this.flush().catch(() => undefined), parseDuration(this.settings.flush_interval)!).unref(),
      setInterval(() => this.tick(), parseDuration(this.settings.evaluation_interval)!).unref(),
    ];
  }

  /** Leaves the leader's work to the new leader and serves a copy of what is persisted. */
  private async stepDown(): Promise<void> {
    this.stopTimers();
    this.stopFollowingPeers();
    this.role = 'follower';
    // What was not flushed is the new leader's to re-read; a flush now would be refused.
    await this.rebuilder.halt();
    await this.flushing?.catch(() => undefined);
    await this.follower.load();
    this.timers = [setInterval(() => this.refreshCopy(), FOLLOWER_POLL_MS).unref()];
  }

  /** A follower's poll, queued with role changes: it never lands in the state of a takeover begun meanwhile. */
  private refreshCopy(): void {
    this.roleChange = this.roleChange
      .then(() => (this.role === 'follower' && !this.state.stopped ? this.follower.refresh() : undefined))
      .catch((error) => this.log.warn(`reading SLA minute states failed: ${error instanceof Error ? error.message : String(error)}`));
  }

  private stopTimers(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers = [];
  }

  /**
   * The minute states from the database, then what may not have been flushed re-read from raw
   * samples: from the last flush (minus the late-data allowance) up to now; on the first start
   * only the late-data window.
   */
  private async restore(): Promise<void> {
    const { state } = this;
    state.forgetAll();
    const now = this.clock.now();
    const today = dayOf(now);
    state.cacheFromDay = today - this.settings.cache_days + 1;
    for (const d of await this.repo.loadDays(state.cacheFromDay, today + 1)) state.status.load(d);
    for (const row of await this.repo.loadProbeSeen()) state.noteSeen(row.service_id, row.probe, row.first_ms, false, row.last_ms);
    const lateMs = parseDuration(this.settings.late_data_window)!;
    const lastFlush = Number((await this.repo.getState('last_flush_ms')) ?? NaN);
    this.lastStamp = Math.max(Number.isFinite(lastFlush) ? lastFlush : 0, await this.repo.newestDayStamp());
    const from = Math.max(now - RAW_RETENTION_MS, Number.isFinite(lastFlush) ? lastFlush - lateMs : now - lateMs);
    const fromMinute = minuteOf(from);
    state.evidenceFromMinute = fromMinute;
    await this.rebuilder.restoreQueue();
    await this.rebuilder.backfillNewServices(now);
    state.ready = true;
    await this.rebuilder.rebuild(undefined, fromMinute, minuteOf(now) + 1);
    await this.rebuilder.processQueue();
  }

  private onCatalogueChange(id: string, action: 'create' | 'update' | 'delete'): void {
    this.state.reindex();
    if (action === 'delete') {
      this.state.forgetSeen(id);
      return;
    }
    if (this.role === 'follower') return; // judging minutes again is the leader's work
    // A new or changed service is judged again from raw data (probes, agents or quorum may differ).
    this.rebuilder.backfill(id, this.clock.now());
    const rules = this.state.rulesOf(id);
    if (rules) this.state.status.rederive(rules);
  }

  /**
   * Writes changed days to the database; safe to call concurrently (joins the running flush). Each
   * flush that writes something gets a newer stamp (updated_ms, last_flush_ms) than the one
   * before, so followers find what changed even when leaders' clocks disagree.
   */
  flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    const { state } = this;
    const run = async () => {
      const dirty = state.status.takeDirty();
      const seen = state.takeDirtySeen();
      const snapshotAt = Math.max(this.clock.now(), dirty.length + seen.length > 0 ? this.lastStamp + 1 : this.lastStamp);
      this.lastStamp = snapshotAt;
      try {
        await this.repo.saveDays(dirty, snapshotAt);
        await this.repo.saveProbeSeen(seen);
        await this.repo.setState('last_flush_ms', String(snapshotAt));
        state.counters.flushes++;
        state.counters.flushedDays += dirty.length;
        state.counters.lastFlushMs = snapshotAt;
      } catch (error) {
        state.counters.flushFailures++;
        for (const d of dirty) d.dirty = true;
        for (const e of seen) state.noteSeen(e.service, e.probe, e.firstMs, true, e.lastMs);
        this.log.error(`flushing SLA minute states failed: ${error instanceof Error ? error.message : String(error)}`);
        throw error;
      }
      state.status.evictBefore(state.cacheFromDay);
    };
    this.flushing = run().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  /** Periodic work: advance the evidence horizon and the cache, then evaluate. */
  tick(): void {
    const { state } = this;
    const now = this.clock.now();
    const lateMs = parseDuration(this.settings.late_data_window)!;
    state.evidenceFromMinute = Math.max(state.evidenceFromMinute, minuteOf(now - lateMs));
    state.status.dropEvidenceBefore(Math.floor(state.evidenceFromMinute / DAY_MINUTES));
    state.cacheFromDay = Math.max(state.cacheFromDay, dayOf(now) - this.settings.cache_days + 1);
    this.evaluator.evaluate();
  }

  /** Operational problems of a service, e.g. "probe shop-tcp has never reported". */
  problems(svc: ServiceModel): string[] {
    const now = this.clock.now();
    const out: string[] = [];
    for (const probe of svc.probes) {
      const lastMs = this.state.lastSeenMs(svc.id, probe);
      if (lastMs === undefined) out.push(`probe ${probe} has never reported`);
      else if (now - lastMs > STALE_PROBE_MS) out.push(`probe ${probe} has not reported since ${new Date(lastMs).toISOString()}`);
    }
    out.push(...this.state.sli.problems(svc, (role) => this.state.lastSeenMs(svc.id, `sli:${role}`), now));
    if (!svc.sla) out.push('no sla section: availability is not computed');
    return out;
  }
}
