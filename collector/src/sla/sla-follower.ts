// A follower's SLA figures. With several collectors on one database only the leader folds samples
// into minute states, re-reads raw samples and writes; every other collector keeps a copy of what the
// leader persisted and reads it again when the leader's flush stamp (sla_state.last_flush_ms) moved.
// Its API, console and metrics then show the leader's figures as of the leader's last flush: at most
// sla.flush_interval plus FOLLOWER_POLL_MS behind the leader's memory.
import { Inject, Injectable } from '@nestjs/common';
import { parseDuration } from '@vigil/proto';
import { CLOCK, type Clock } from '../common/clock.js';
import { dayOf } from './domain/bitmap.js';
import { SlaRepository } from './sla.repository.js';
import { ServicesService } from './services.service.js';
import { SlaState } from './sla-state.js';
import { SlaEvaluator } from './sla-evaluator.js';

/** How often a follower checks whether the leader flushed (one read of one row when it did not). */
export const FOLLOWER_POLL_MS = 2_000;

@Injectable()
export class SlaFollower {
  /** The leader's flush stamp when the copy was last read: days stamped at or after it are read again. */
  private stamp = 0;
  private lastEvaluationMs = Number.NEGATIVE_INFINITY;
  /** Whether the copy was loaded whole since it was last started over. */
  private loaded = false;

  constructor(
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly repo: SlaRepository,
    private readonly catalogue: ServicesService,
    private readonly state: SlaState,
    private readonly evaluator: SlaEvaluator,
  ) {}

  /** Starts the copy over: the days of the in-memory cache and the last-seen times, then evaluates. */
  async load(): Promise<void> {
    const { state } = this;
    this.loaded = false;
    state.forgetAll();
    // Read the stamp first: a flush committed meanwhile is read again by the next refresh.
    this.stamp = await this.flushStamp();
    const today = dayOf(this.clock.now());
    state.cacheFromDay = today - this.catalogue.settings.cache_days + 1;
    for (const d of await this.repo.loadDays(state.cacheFromDay, today + 1)) state.status.replace(d);
    await this.loadSeen();
    this.loaded = true;
    this.evaluate();
  }

  /** Reads what the leader flushed since the last read, if it flushed; evaluates when due. */
  async refresh(): Promise<void> {
    if (!this.loaded) return this.load();
    const { state } = this;
    const stamp = await this.flushStamp();
    state.cacheFromDay = Math.max(state.cacheFromDay, dayOf(this.clock.now()) - this.catalogue.settings.cache_days + 1);
    state.status.evictBefore(state.cacheFromDay);
    const changed = stamp !== this.stamp;
    if (changed) {
      for (const d of await this.repo.loadDaysStampedSince(this.stamp)) {
        if (d.day >= state.cacheFromDay) state.status.replace(d);
        else state.forgetOldDay(d.service, d.day); // read again from the database on request
      }
      await this.loadSeen();
      this.stamp = stamp;
    }
    if (changed || this.clock.now() - this.lastEvaluationMs >= parseDuration(this.catalogue.settings.evaluation_interval)!) this.evaluate();
  }

  private async flushStamp(): Promise<number> {
    return Number((await this.repo.getState('last_flush_ms')) ?? 0);
  }

  private async loadSeen(): Promise<void> {
    for (const row of await this.repo.loadProbeSeen()) this.state.noteSeen(row.service_id, row.probe, row.first_ms, false, row.last_ms);
  }

  /** Figures of the copy for metrics, the console and burn-rate reads (transitions are the leader's to act on). */
  private evaluate(): void {
    this.lastEvaluationMs = this.clock.now();
    this.evaluator.evaluate();
  }
}
