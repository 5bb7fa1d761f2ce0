// Keeps every service's current state (up, degraded, down, no data, maintenance) and announces each
// change on the collector event bus ('service', relayed by the live feed) the moment the collector
// sees it: after every committed batch of probe results or SLI counters (debounced) and on a short
// tick for changes that come with time alone.
import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { CLOCK, type Clock } from '../common/clock.js';
import { CollectorEvents } from '../common/events.js';
import { MINUTE_MS } from '../sla/domain/bitmap.js';
import { MaintenanceService } from '../sla/maintenance.service.js';
import { ServicesService } from '../sla/services.service.js';
import { SlaEvaluator } from '../sla/sla-evaluator.js';
import { serviceState, type ServiceState } from './domain/service-state.js';
import type { ServiceStateEvent } from './service-state-events.js';

export interface CurrentState {
  state: ServiceState;
  sinceMs: number;
}

/** Batches arriving within this time are judged together (bounded work under heavy ingest). */
const DEBOUNCE_MS = 100;
/** Time alone changes states (no data, maintenance start/end, degraded expiring). */
const TICK_MS = 5_000;

@Injectable()
export class ServiceStatesService implements OnModuleInit, OnModuleDestroy {
  private readonly states = new Map<string, CurrentState>();
  private readonly unsubscribe: Array<() => void> = [];
  private debounce: NodeJS.Timeout | undefined;
  private ticker: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly sla: SlaEvaluator,
    private readonly catalogue: ServicesService,
    private readonly maintenance: MaintenanceService,
    private readonly events: CollectorEvents,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  onModuleInit(): void {
    // Registered after the SLA engine's own listener, so its minute states already include the batch.
    this.unsubscribe.push(
      this.events.on('samples', (batch) => {
        if (batch.some((s) => this.sla.judgesMinutes(s.series))) this.schedule();
      }),
      this.catalogue.onChange(() => this.schedule()),
      this.maintenance.onChange(() => this.schedule()),
    );
    this.ticker = setInterval(() => this.evaluate(), TICK_MS).unref();
  }

  onModuleDestroy(): void {
    this.stopped = true;
    for (const off of this.unsubscribe.splice(0)) off();
    clearTimeout(this.debounce);
    clearInterval(this.ticker);
  }

  /** Current state of every service (judged now if never judged). */
  all(): ReadonlyMap<string, CurrentState> {
    if (this.states.size !== this.catalogue.list().length) this.evaluate();
    return this.states;
  }

  get(id: string): CurrentState | undefined {
    return this.all().get(id);
  }

  private schedule(): void {
    if (this.debounce || this.stopped) return;
    this.debounce = setTimeout(() => {
      this.debounce = undefined;
      this.evaluate();
    }, DEBOUNCE_MS).unref();
  }

  /** Judges every service; publishes those whose state changed. */
  evaluate(): void {
    const now = this.clock.now();
    const nowMinute = Math.floor(now / MINUTE_MS);
    const burning = new Set(this.sla.burnRateSignals().filter((s) => s.firing).map((s) => s.service));
    const seen = new Set<string>();
    for (const svc of this.catalogue.list()) {
      seen.add(svc.id);
      const state = serviceState({
        nowMinute,
        verdict: (m) => this.sla.minuteVerdict(svc.id, m),
        // Whole-minute range: the maintenance service caches expansions per range.
        inMaintenance: this.maintenance.intervalsFor(svc.id, nowMinute * MINUTE_MS, (nowMinute + 1) * MINUTE_MS).some(([a, b]) => a <= now && now < b),
        burning: burning.has(svc.id),
      });
      const before = this.states.get(svc.id);
      if (before?.state === state) continue;
      this.states.set(svc.id, { state, sinceMs: now });
      // The first judgement after start is not a change anyone needs to be told about.
      if (!before) continue;
      const change: ServiceStateEvent = { id: svc.id, name: svc.definition.name, state, previous: before.state, atMs: now };
      this.events.emit('service', change);
    }
    for (const id of this.states.keys()) if (!seen.has(id)) this.states.delete(id);
  }
}
