import { availableParallelism } from 'node:os';
import { Inject, Injectable, Logger, NotFoundException, Optional, type OnApplicationBootstrap, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { CLOCK, type Clock } from '../common/clock.js';
import { describeError } from '../common/errors.js';
import { READ_ONLY } from '../common/tokens.js';
import { LEADERSHIP, NotLeaderError, SoleLeadership, defaultReplicaId, type Leadership } from '../leadership/leadership.js';
import type { Point } from '../storage/storage.types.js';
import { CAPACITY_SETTINGS, type CapacityConfig } from './capacity.config.js';
import { CapacityRepository } from './capacity.repository.js';
import { CapacityInputs, currentOf } from './capacity-inputs.js';
import { MODEL_NAMES, type ForecastOptions, type ForecastPoint } from './domain/forecast.js';
import { ForecastPool, runForecastJob, type ForecastJob } from './forecast-pool.js';
import { compactPath, expandPath, type CompactPath } from './forecast-path.js';
import { unpackPoints } from './domain/series.js';
import { rankEntries, resourceLabel, type CapacityEntry, type ResourceGroup, type SortKey } from './domain/resources.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** Spacing of the forecast path kept for charts. */
const PATH_STEP_MS = 6 * HOUR_MS;
/** Groups forecast per slice of work: one worker message, or between two yields to the event loop. */
const GROUPS_PER_SLICE = 25;
/** Groups whose hourly rollups are read together (a few queries instead of one per series). */
const GROUPS_PER_READ = 500;
/** Stored snapshots are refreshed at most this often (they only serve restarts and the CLI). */
const PERSIST_EVERY_MS = HOUR_MS;

interface Stored {
  entry: CapacityEntry;
  path?: CompactPath;
}

/**
 * A resource forecast to reach its threshold soon. The incidents engine's built-in capacity rule reads
 * these (its ExhaustionSource port fits this shape): `resource` is the human title ("filesystem /var on
 * db-1"), the labels say which resource it is.
 */
export interface CapacitySignal {
  resource: string;
  labels: Record<string, string>;
  daysLeft: number;
  host: string;
  agent: string;
  /** filesystem | memory | swap | cpu | network_rx | network_tx | custom:<name> */
  kind: string;
  mountpoint: string;
  secondsLeft: number;
}

export interface CapacityHostView {
  host: string;
  computedAt: number | null;
  resources: Array<CapacityEntry & { history: Point[]; forecast: ForecastPoint[] }>;
}

export interface CapacityFilter {
  sort?: SortKey;
  limit?: number;
  /** Only resources forecast to reach their threshold within this many days (or over it already). */
  withinDays?: number;
  host?: string;
  /** A `resource` label: filesystem, memory, …, custom:<name>. */
  resource?: string;
}

export interface CapacityRunInfo {
  startedMs: number;
  durationMs: number;
  resources: number;
  forecasts: number;
  insufficient: number;
  failures: number;
}

/**
 * Capacity forecasts of every host resource (filesystems, memory, swap, CPU, network) and of any
 * configured series, from the hourly rollups. Recomputed on a timer and on demand, never per request;
 * requests, metrics and the incidents rule read the last result.
 */
@Injectable()
export class CapacityService implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy {
  private readonly log = new Logger('capacity');
  private entries = new Map<string, Stored>();
  private running: Promise<CapacityRunInfo> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private lastPersistMs = Number.NEGATIVE_INFINITY;
  private pool: ForecastPool | undefined;
  lastRun: CapacityRunInfo | undefined;
  runs = 0;
  runFailures = 0;

  constructor(
    private readonly repository: CapacityRepository,
    private readonly inputs: CapacityInputs,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(CAPACITY_SETTINGS) private readonly settings: CapacityConfig,
    @Inject(READ_ONLY) private readonly readOnly: boolean,
    // Optional for callers outside Nest (benches): the sole collector of a SQLite file.
    @Optional() @Inject(LEADERSHIP) private readonly leadership: Leadership = new SoleLeadership(defaultReplicaId()),
  ) {}

  async onModuleInit(): Promise<void> {
    this.pool = ForecastPool.open(this.settings.workers ?? Math.min(2, availableParallelism()));
    for (const entry of await this.repository.all()) this.entries.set(entry.key, { entry });
  }

  // Plain unref'd timers rather than @nestjs/schedule: one interval from config, coalesced runs.
  onApplicationBootstrap(): void {
    if (!this.settings.enabled || this.readOnly) return;
    this.timer = setInterval(() => void this.scheduled().catch(() => undefined), this.settings.interval);
    this.timer.unref();
    // First run in the background shortly after start (rollup recovery goes first).
    const first = setTimeout(() => void this.scheduled().catch(() => undefined), 1_000);
    first.unref();
  }

  /**
   * The timer's run: the leader forecasts (and stores the result); a standby among several
   * collectors reloads what the leader stored, so its API, metrics and rules stay close.
   */
  private async scheduled(): Promise<void> {
    if (this.leadership.isLeader()) {
      await this.recompute();
      return;
    }
    const stored = await this.repository.all();
    if (this.stopped || this.leadership.isLeader()) return;
    this.entries = new Map(stored.map((entry) => [entry.key, { entry }]));
  }

  async onModuleDestroy(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.timer);
    await this.running?.catch(() => undefined);
    await this.pool?.close();
  }

  get forecastOptions(): Omit<ForecastOptions, 'threshold'> {
    const c = this.settings;
    return { horizonMs: c.horizon, confidence: c.confidence, minHistoryMs: c.min_history, holdoutMs: c.holdout, models: MODEL_NAMES, pathStepMs: PATH_STEP_MS };
  }

  /** Recomputes every forecast (coalesced: a call while a run is going returns that run). */
  recompute(): Promise<CapacityRunInfo> {
    this.running ??= this.run().finally(() => (this.running = undefined));
    return this.running;
  }

  private async run(): Promise<CapacityRunInfo> {
    const startedMs = this.clock.now();
    const wall = performance.now();
    try {
      const groups = await this.inputs.discover();
      const fromMs = startedMs - this.settings.history;
      const latest = await this.inputs.latestOfGauges(groups);
      const next = new Map<string, Stored>();
      const info: CapacityRunInfo = { startedMs, durationMs: 0, resources: groups.length, forecasts: 0, insufficient: 0, failures: 0 };
      const batches: ResourceGroup[][] = [];
      for (let first = 0; first < groups.length; first += GROUPS_PER_READ) batches.push(groups.slice(first, first + GROUPS_PER_READ));
      // Reading the next batch overlaps forecasting this one (in the workers).
      const read = (batch: ResourceGroup[]) => this.inputs.readHourly(batch, fromMs, startedMs).then((hourly) => ({ hourly }), (error: unknown) => ({ error }));
      let reading = batches.length ? read(batches[0]!) : undefined;
      for (let b = 0; b < batches.length && !this.stopped; b++) {
        const batch = batches[b]!;
        const result = await reading!;
        reading = b + 1 < batches.length ? read(batches[b + 1]!) : undefined;
        if ('error' in result) {
          info.failures += batch.length;
          this.log.error(`reading the hourly rollups of ${batch.length} resources failed: ${describeError(result.error)}`);
          continue;
        }
        const jobs = batch.map((group) => ({
          group,
          hourly: result.hourly.get(group.key) ?? new Float64Array(0),
          current: currentOf(group, latest, startedMs),
          options: this.forecastOptions,
          historyFromMs: fromMs,
          nowMs: startedMs,
        }));
        for (const entry of await this.forecast(jobs, info)) {
          next.set(entry.key, this.compact(entry));
          if (entry.status === 'ok') info.forecasts++;
          else info.insufficient++;
        }
      }
      await reading;
      // A resource whose read or forecast failed keeps its last forecast (metrics and incidents must not
      // see it vanish and come back); one that disappeared from the store is dropped.
      for (const group of groups) {
        const previous = this.entries.get(group.key);
        if (!next.has(group.key) && previous) next.set(group.key, previous);
      }
      if (!this.stopped) this.entries = next;
      info.durationMs = performance.now() - wall;
      this.lastRun = info;
      this.runs++;
      if (startedMs - this.lastPersistMs >= PERSIST_EVERY_MS && !this.stopped && !this.readOnly && this.leadership.isLeader()) {
        this.lastPersistMs = startedMs;
        await this.repository
          .replaceAll([...this.entries.values()].map((s) => s.entry), (tx) => this.leadership.assertLeader(tx))
          .catch((error: unknown) => {
            // Deposed meanwhile: the new leader stores its own forecasts; this run still serves reads.
            if (!(error instanceof NotLeaderError)) throw error;
          });
      }
      return info;
    } catch (error) {
      this.runFailures++;
      this.log.error(`recompute failed: ${describeError(error)}`);
      throw error;
    }
  }

  /** Forecasts the jobs in the worker pool, or in this thread (yielding to the event loop between slices). */
  private async forecast(jobs: ForecastJob[], info: CapacityRunInfo): Promise<CapacityEntry[]> {
    const slices: ForecastJob[][] = [];
    for (let i = 0; i < jobs.length; i += GROUPS_PER_SLICE) slices.push(jobs.slice(i, i + GROUPS_PER_SLICE));
    const pool = this.pool && !this.pool.broken ? this.pool : undefined;
    const done = await Promise.all(
      slices.map((slice) =>
        pool?.run(slice).catch((error: unknown) => {
          this.log.error(`forecast worker failed, forecasting in the main thread instead: ${describeError(error)}`);
          return undefined;
        }),
      ),
    );
    const entries: CapacityEntry[] = [];
    for (let s = 0; s < slices.length; s++) {
      const fromWorker = done[s];
      if (fromWorker) {
        entries.push(...fromWorker);
        continue;
      }
      // No pool, or the worker failed: here, one resource at a time, so one failure costs one forecast.
      for (const job of slices[s]!) {
        if (this.stopped) return entries;
        try {
          entries.push(runForecastJob(job));
        } catch (error) {
          info.failures++;
          this.log.error(`forecast of ${job.group.key} failed: ${describeError(error)}`);
        }
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    return entries;
  }

  private compact(entry: CapacityEntry): Stored {
    const { forecast, ...summary } = entry;
    const path = compactPath(forecast ?? [], PATH_STEP_MS);
    return path ? { entry: summary, path } : { entry: summary };
  }

  /** Resources ranked by `sort` (most urgent first by default, see rankEntries), without chart data. */
  list(query: CapacityFilter = {}): CapacityEntry[] {
    const within = query.withinDays === undefined ? undefined : query.withinDays * 86_400;
    const chosen = this.entriesNow().filter(
      (e) =>
        (query.host === undefined || e.host === query.host) &&
        (query.resource === undefined || resourceLabel(e) === query.resource) &&
        (within === undefined || (e.exhaustion?.secondsLeft != null && e.exhaustion.secondsLeft <= within)),
    );
    const ranked = rankEntries(chosen, query.sort);
    return query.limit === undefined ? ranked : ranked.slice(0, query.limit);
  }

  get computedAt(): number | null {
    let latest: number | null = null;
    for (const { entry } of this.entries.values()) if (latest === null || entry.computedMs > latest) latest = entry.computedMs;
    return latest;
  }

  /** One host's resources, most urgent first, with hourly history and forecast path, for charts. */
  async host(host: string): Promise<CapacityHostView> {
    const entries = this.list({ host });
    if (entries.length === 0) throw new NotFoundException({ error: 'not found', message: `no capacity data for host ${JSON.stringify(host)}` });
    return { host, computedAt: Math.max(...entries.map((e) => e.computedMs)), resources: await this.withCharts(entries) };
  }

  /**
   * Computes now when nothing usable is held: nothing at all, or summaries loaded from the database
   * without their forecast paths (right after a start, and always in `vigil-collector report`).
   */
  async ensureComputed(): Promise<void> {
    if (this.entries.size === 0 || [...this.entries.values()].some((s) => s.entry.status === 'ok' && !s.path)) await this.recompute();
  }

  /** Every resource, most urgent first, with chart data (for the HTML report). */
  async detailed(): Promise<Array<CapacityEntry & { history: Point[]; forecast: ForecastPoint[] }>> {
    await this.ensureComputed();
    return this.withCharts(this.list());
  }

  /** Adds the hourly history each forecast saw (re-read from the rollups, cheap) and the kept forecast path. */
  private async withCharts(entries: readonly CapacityEntry[]): Promise<Array<CapacityEntry & { history: Point[]; forecast: ForecastPoint[] }>> {
    const groups = new Map((await this.inputs.discover()).map((g) => [g.key, g]));
    const byComputed = new Map<number, ResourceGroup[]>();
    for (const entry of entries) {
      const group = groups.get(entry.key);
      if (group) byComputed.set(entry.computedMs, [...(byComputed.get(entry.computedMs) ?? []), group]);
    }
    const history = new Map<string, Point[]>();
    for (const [computedMs, list] of byComputed) {
      for (const [key, packed] of await this.inputs.readHourly(list, computedMs - this.settings.history, computedMs)) history.set(key, unpackPoints(packed));
    }
    return entries.map((entry) => ({ ...entry, history: history.get(entry.key) ?? [], forecast: expandPath(this.entries.get(entry.key)?.path) }));
  }

  /**
   * Resources forecast to reach their threshold within `withinDays` (or already over it): the input of
   * the incidents engine's built-in `capacity_exhaustion` rule.
   */
  exhaustionSignals(withinDays: number): CapacitySignal[] {
    if (!(withinDays > 0)) throw new RangeError(`exhaustionSignals: withinDays must be positive, got ${withinDays}`);
    return this.list({ withinDays }).map((entry) => {
      const secondsLeft = entry.exhaustion!.secondsLeft!;
      const kind = resourceLabel(entry);
      return {
        host: entry.host,
        agent: entry.agent,
        kind,
        mountpoint: entry.mountpoint,
        resource: entry.title,
        secondsLeft,
        daysLeft: secondsLeft / 86_400,
        labels: { agent: entry.agent, host: entry.host, resource_kind: kind, mountpoint: entry.mountpoint },
      };
    });
  }

  /** Every resource's last forecast, unordered (metrics). */
  entriesNow(): CapacityEntry[] {
    return [...this.entries.values()].map((s) => s.entry);
  }

  get horizonDays(): number {
    return this.settings.horizon / DAY_MS;
  }
}
