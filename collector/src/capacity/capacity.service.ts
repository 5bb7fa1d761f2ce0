import { availableParallelism } from 'node:os';
import { Inject, Injectable, NotFoundException, Optional, type OnApplicationBootstrap, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { CLOCK, type Clock } from '../common/clock.js';
import { CONFIG, SAMPLE_STORE } from '../common/tokens.js';
import type { CollectorConfig } from '../config/config.schema.js';
import type { ExhaustionSignal } from '../incidents/incidents.sources.js';
import { RollupsService } from '../rollups/rollups.service.js';
import type { Point, SampleStore, SeriesRef } from '../storage/storage.types.js';
import { CapacityRepository } from './capacity.repository.js';
import { MODEL_NAMES, type ForecastOptions, type ForecastPoint } from './domain/forecast.js';
import { ForecastPool, runForecastJob, type ForecastJob } from './forecast-pool.js';
import { packColumns, packPoints, unpackColumns, unpackPoints } from './domain/series.js';
import { combineHourly, rankEntries, RESOURCE_METRICS, resourceGroups, resourceLabel, type CapacityEntry, type ResourceGroup, type SortKey } from './domain/resources.js';

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

/** Provided as `true` by CapacityModule.forReport(): no timers, nothing written (the CLI only reads). */
export const CAPACITY_READ_ONLY = Symbol('CapacityReadOnly');

/** A forecast path kept compactly in memory: 10,000 resources × 360 points stay around 40 MB. */
interface CompactPath {
  originMs: number;
  stepMs: number;
  mean: Float32Array;
  lower: Float32Array;
  upper: Float32Array;
}

interface Stored {
  entry: CapacityEntry;
  path?: CompactPath;
}

/**
 * What one resource offers the incidents engine's built-in capacity rule (ExhaustionSource): `resource`
 * is the human title ("filesystem /var on db-1"), the labels say which resource it is.
 */
export interface CapacitySignal extends ExhaustionSignal {
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
    private readonly rollups: RollupsService,
    @Inject(SAMPLE_STORE) private readonly store: SampleStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(CONFIG) private readonly config: CollectorConfig,
    @Optional() @Inject(CAPACITY_READ_ONLY) private readonly readOnly = false,
  ) {}

  async onModuleInit(): Promise<void> {
    this.pool = ForecastPool.open(this.config.capacity.workers ?? Math.min(2, availableParallelism()));
    for (const entry of await this.repository.all()) this.entries.set(entry.key, { entry });
  }

  onApplicationBootstrap(): void {
    if (!this.config.capacity.enabled || this.readOnly) return;
    this.timer = setInterval(() => void this.recompute().catch(() => undefined), this.config.capacity.interval);
    this.timer.unref();
    // First run in the background shortly after start (rollup recovery goes first).
    const first = setTimeout(() => void this.recompute().catch(() => undefined), 1_000);
    first.unref();
  }

  async onModuleDestroy(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.timer);
    await this.running?.catch(() => undefined);
    await this.pool?.close();
  }

  get forecastOptions(): Omit<ForecastOptions, 'threshold'> {
    const c = this.config.capacity;
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
      const groups = await this.discover();
      const fromMs = startedMs - this.config.capacity.history;
      const gaugeIds = groups.filter((g) => g.resource !== 'network_rx' && g.resource !== 'network_tx').flatMap((g) => g.seriesIds);
      const latest = gaugeIds.length ? await this.store.latest(gaugeIds) : new Map<number, Point>();
      const next = new Map<string, Stored>();
      const info: CapacityRunInfo = { startedMs, durationMs: 0, resources: groups.length, forecasts: 0, insufficient: 0, failures: 0 };
      const batches: ResourceGroup[][] = [];
      for (let first = 0; first < groups.length; first += GROUPS_PER_READ) batches.push(groups.slice(first, first + GROUPS_PER_READ));
      // Reading the next batch overlaps forecasting this one (in the workers).
      const read = (batch: ResourceGroup[]) => this.readHourly(batch, fromMs, startedMs).then((hourly) => ({ hourly }), (error: unknown) => ({ error }));
      let reading = batches.length ? read(batches[0]!) : undefined;
      for (let b = 0; b < batches.length && !this.stopped; b++) {
        const batch = batches[b]!;
        const result = await reading!;
        reading = b + 1 < batches.length ? read(batches[b + 1]!) : undefined;
        if ('error' in result) {
          info.failures += batch.length;
          console.error(`[capacity] reading the hourly rollups of ${batch.length} resources failed:`, result.error);
          continue;
        }
        const jobs = batch.map((group) => ({
          group,
          hourly: result.hourly.get(group.key) ?? new Float64Array(0),
          current: this.currentOf(group, latest, startedMs),
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
      if (startedMs - this.lastPersistMs >= PERSIST_EVERY_MS && !this.stopped && !this.readOnly) {
        this.lastPersistMs = startedMs;
        await this.repository.replaceAll([...this.entries.values()].map((s) => s.entry));
      }
      return info;
    } catch (error) {
      this.runFailures++;
      console.error('[capacity] recompute failed:', error);
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
          console.error('[capacity] forecast worker failed, forecasting in the main thread instead:', error);
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
          console.error(`[capacity] forecast of ${job.group.key} failed:`, error);
        }
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    return entries;
  }

  /** Latest raw value of a gauge resource (fresher than the hourly average); network uses the rollup. */
  private currentOf(group: ResourceGroup, latest: ReadonlyMap<number, Point>, nowMs: number): number | undefined {
    if (group.combine === 'sum') return undefined;
    const values = group.seriesIds.map((id) => latest.get(id)).filter((p): p is Point => p !== undefined && p[0] >= nowMs - HOUR_MS && Number.isFinite(p[1]));
    if (values.length === 0) return undefined;
    return (values.reduce((sum, p) => sum + p[1], 0) / values.length) * group.scale;
  }

  private async discover(): Promise<ResourceGroup[]> {
    const byMetric = new Map<string, SeriesRef[]>();
    for (const metric of Object.values(RESOURCE_METRICS)) byMetric.set(metric, await this.store.findSeries({ metric }));
    for (const custom of this.config.capacity.series) {
      byMetric.set(`custom:${custom.name}`, await this.store.findSeries({ metric: custom.metric, labels: custom.labels }));
    }
    return resourceGroups(byMetric, this.config.capacity);
  }

  private compact(entry: CapacityEntry): Stored {
    const { forecast, ...summary } = entry;
    if (!forecast || forecast.length === 0) return { entry: summary };
    return {
      entry: summary,
      path: {
        originMs: forecast[0]!.t - PATH_STEP_MS,
        stepMs: PATH_STEP_MS,
        mean: Float32Array.from(forecast, (p) => p.mean),
        lower: Float32Array.from(forecast, (p) => p.lower),
        upper: Float32Array.from(forecast, (p) => p.upper),
      },
    };
  }

  private expand(path: CompactPath | undefined): ForecastPoint[] {
    if (!path) return [];
    return Array.from(path.mean, (mean, i) => ({ t: path.originMs + (i + 1) * path.stepMs, mean, lower: path.lower[i]!, upper: path.upper[i]! }));
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
    const groups = new Map((await this.discover()).map((g) => [g.key, g]));
    const byComputed = new Map<number, ResourceGroup[]>();
    for (const entry of entries) {
      const group = groups.get(entry.key);
      if (group) byComputed.set(entry.computedMs, [...(byComputed.get(entry.computedMs) ?? []), group]);
    }
    const history = new Map<string, Point[]>();
    for (const [computedMs, list] of byComputed) {
      for (const [key, packed] of await this.readHourly(list, computedMs - this.config.capacity.history, computedMs)) history.set(key, unpackPoints(packed));
    }
    return entries.map((entry) => ({ ...entry, history: history.get(entry.key) ?? [], forecast: this.expand(this.entries.get(entry.key)?.path) }));
  }

  /**
   * The hourly averages of each group, combined and scaled as the forecast uses them, packed (see
   * packPoints); one read for all groups.
   */
  private async readHourly(groups: readonly ResourceGroup[], fromMs: number, toMs: number): Promise<Map<string, Float64Array>> {
    const averages = await this.rollups.hourlyAverages(groups.flatMap((g) => g.seriesIds), fromMs, toMs);
    const none = { t: new Float64Array(0), v: new Float64Array(0) };
    const out = new Map<string, Float64Array>();
    for (const g of groups) {
      const columns = g.seriesIds.map((id) => averages.get(id) ?? none);
      // One series (nearly every resource): straight into the packed form, no per-point objects.
      out.set(g.key, columns.length === 1 ? packColumns(columns[0]!.t, columns[0]!.v, g.scale) : packPoints(combineHourly(columns.map((c) => unpackColumns(c.t, c.v)), g.combine, g.scale)));
    }
    return out;
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
    return this.config.capacity.horizon / DAY_MS;
  }
}
