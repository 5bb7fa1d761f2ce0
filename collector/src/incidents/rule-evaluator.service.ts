import { Inject, Injectable, Logger, Optional, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { CLOCK, type Clock } from '../common/clock.js';
import { CollectorEvents } from '../common/events.js';
import { CONFIG } from '../common/tokens.js';
import type { StoredSeriesSamples } from '../storage/storage.types.js';
import { AgentWatch, SignalPoller } from './condition-sources.js';
import type { IncidentsSettings, RuleSpec } from './incidents.config.js';
import { IncidentsMetrics } from './incidents.metrics.js';
import { IncidentTransitions } from './incident-transitions.service.js';
import { IncidentUpkeep } from './incident-upkeep.service.js';
import { AGENT_DIRECTORY, BURN_RATE_SOURCE, EXHAUSTION_SOURCE, type AgentDirectory, type BurnRateSource, type ExhaustionSource } from './incidents.sources.js';
import { INCIDENTS_SETTINGS } from './incidents.tokens.js';
import { RuleEngine } from './rule-engine.js';
import { LEADERSHIP, NotLeaderError, type Leadership } from '../leadership/leadership.js';

const SWEEP_EVERY_MS = 60_000;
/** How often the engine adopts the active incidents of the database (other collectors open some). */
const ADOPT_EVERY_MS = 10_000;

/**
 * Drives the rule engine: every stored batch is evaluated as it is committed, and a timer
 * (evaluation_interval, 1 s by default) handles `for` expiry, keep_firing_for, silent agents and
 * incident upkeep. Transitions go to IncidentTransitions, which applies them off the ingest path.
 * Per-sample rules run on every collector (the one that stored the sample); silent agents, SLA and
 * capacity signals and upkeep look across all agents, so only the leader runs them.
 */
@Injectable()
export class RuleEvaluator implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly log = new Logger('rules');
  readonly engine: RuleEngine;
  private readonly agents: AgentWatch;
  private readonly signals: SignalPoller;
  private readonly unsubscribe: Array<() => void> = [];
  private timer: NodeJS.Timeout | undefined;
  private signalTimer: NodeJS.Timeout | undefined;
  private lastSweepMs: number;
  private lastAdoptMs: number;
  private adopting: Promise<void> | undefined;
  private stopped = false;

  constructor(
    @Inject(CONFIG) config: { rules: readonly RuleSpec[] },
    @Inject(INCIDENTS_SETTINGS) private readonly settings: IncidentsSettings,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly events: CollectorEvents,
    private readonly transitions: IncidentTransitions,
    private readonly upkeep: IncidentUpkeep,
    private readonly metrics: IncidentsMetrics,
    @Inject(LEADERSHIP) private readonly leadership: Leadership,
    @Optional() @Inject(AGENT_DIRECTORY) directory?: AgentDirectory,
    @Optional() @Inject(BURN_RATE_SOURCE) burnRates?: BurnRateSource,
    @Optional() @Inject(EXHAUSTION_SOURCE) exhaustion?: ExhaustionSource,
  ) {
    this.engine = new RuleEngine(config.rules, (t) => transitions.handleTransition(t));
    const now = clock.now();
    this.agents = new AgentWatch(config.rules, this.engine, directory, settings.default_agent_interval, now);
    this.signals = new SignalPoller(config.rules, this.engine, burnRates, exhaustion);
    this.lastSweepMs = now;
    this.lastAdoptMs = now;
    metrics.bindEvaluations(() => this.engine.evaluations);
    for (const rule of config.rules) {
      if (rule.kind === 'agent_down' && !directory) this.log.warn(`rule "${rule.name}": no agent registry bound; agents are tracked from their data and connections only`);
      if (rule.kind === 'signal' && !(rule.builtin === 'capacity_exhaustion' ? exhaustion : burnRates)) {
        this.log.warn(`rule "${rule.name}": no ${rule.builtin === 'capacity_exhaustion' ? 'capacity' : 'SLA'} signal source bound; the rule cannot fire`);
      }
    }
  }

  async onApplicationBootstrap(): Promise<void> {
    this.engine.adopt(await this.transitions.restoreActive(), this.clock.now());
    this.unsubscribe.push(
      this.events.on('samples', (batch) => this.onSamples(batch)),
      this.events.on('agent', (e) => this.agents.touch(e.agentId, e.hostname, this.clock.now())),
      this.leadership.onChange((leader) => {
        // A new leader adopts the incidents the previous one opened for silent agents and signals,
        // so that their recovery resolves them here.
        if (leader) void this.adoptIncidents().catch((e) => this.log.error(`taking over the leader's rules failed: ${String(e)}`));
      }),
    );
    this.timer = setInterval(() => this.tick(), this.settings.evaluation_interval);
    this.timer.unref();
    if (this.signals.active) {
      const poll = () => {
        if (this.leadership.isLeader()) void this.signals.poll(this.clock.now()).catch((e) => this.log.error(`signal poll failed: ${String(e)}`));
      };
      poll();
      this.signalTimer = setInterval(poll, this.settings.signal_interval);
      this.signalTimer.unref();
    }
  }

  async onModuleDestroy(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.signalTimer) clearInterval(this.signalTimer);
    for (const off of this.unsubscribe.splice(0)) off();
    await this.adopting?.catch(() => undefined);
    await this.transitions.whenIdle();
  }

  /** Listener of CollectorEvents 'samples': must be fast and must not throw. */
  onSamples(batch: readonly StoredSeriesSamples[]): void {
    const started = performance.now();
    this.engine.ingest(batch);
    if (this.agents.active) this.touchAgents(batch);
    this.metrics.evaluated((performance.now() - started) / 1000);
  }

  private touchAgents(batch: readonly StoredSeriesSamples[]): void {
    const now = this.clock.now();
    let previous: string | undefined;
    for (const item of batch) {
      const agent = item.series.labels.agent;
      if (agent === undefined || agent === previous) continue;
      previous = agent;
      this.agents.touch(agent, item.series.labels.host, now);
    }
  }

  /** One timer step (public for tests driving a manual clock). */
  tick(): Promise<void> {
    const now = this.clock.now();
    this.engine.tick(now);
    if (now - this.lastSweepMs >= SWEEP_EVERY_MS) {
      this.lastSweepMs = now;
      this.engine.sweep(now);
    }
    if (now - this.lastAdoptMs >= ADOPT_EVERY_MS) {
      this.lastAdoptMs = now;
      void this.adoptIncidents().catch((e) => this.log.error(`adopting active incidents failed: ${String(e)}`));
    }
    if (!this.leadership.isLeader()) return Promise.resolve();
    this.agents.evaluate(now);
    return this.upkeep.upkeep().catch((e) => {
      // Deposed mid-round: the fenced write rolled back and the new leader carries on.
      if (!(e instanceof NotLeaderError)) this.log.error(`incident upkeep failed: ${String(e)}`);
    });
  }

  /**
   * Hands the engine the incidents active in the database once every transition it emitted so far
   * is applied (RuleEngine.adopt): an incident another collector opened resolves here when its
   * agent moved to this collector and the condition recovers. Never overlaps itself.
   */
  adoptIncidents(): Promise<void> {
    this.adopting ??= (async () => {
      this.engine.watchChanges();
      await this.transitions.whenIdle();
      this.engine.adopt(await this.transitions.activeConditions(), this.clock.now());
    })().finally(() => (this.adopting = undefined));
    return this.adopting;
  }

  /** Polls SLA and capacity signals now (tests). */
  pollSignals(): Promise<void> {
    return this.signals.poll(this.clock.now());
  }
}
