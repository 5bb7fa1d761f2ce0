import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import type { Registry } from 'prom-client';
import { CLOCK, type Clock } from '../common/clock.js';
import { METRICS_REGISTRY, SAMPLE_STORE } from '../common/tokens.js';
import { CollectorEvents } from '../common/events.js';
import type { Labels, MetricKind, SampleStore, SeriesRef } from '../storage/storage.types.js';
import { FLEET_FAMILY, familyLintProblem, isReservedMetricName, labelLintProblem } from './exposition-names.js';

/** Series whose newest sample is older than this are left out, so a dead host does not look flat. */
export const FLEET_STALENESS_MS = 5 * 60_000;
/** One snapshot of the latest values serves every metric family of a scrape. */
const SNAPSHOT_TTL_MS = 250;
/** Series ids up to this are remembered in the `decided` bitmap; larger (sparse) ids take the map lookups. */
const MAX_DECIDED_ID = 1 << 24;

/** A copy of `bytes` long enough to hold index `id` (doubling). */
function grown(bytes: Uint8Array, id: number): Uint8Array<ArrayBuffer> {
  const next = new Uint8Array(Math.min(MAX_DECIDED_ID, Math.max(1024, id + 1, bytes.length * 2)));
  next.set(bytes);
  return next;
}

interface FamilyValue {
  value: number;
  labels: Labels;
}

/**
 * Re-exposes the newest sample of every agent series on /metrics under its own name (labels
 * include agent and host), so Prometheus can scrape the whole fleet from the collector. Names the
 * collector exposes itself and names or labels promtool would flag are left out (exposition-names.ts):
 * the exposition stays valid whatever was stored.
 */
@Injectable()
export class FleetExporter implements OnModuleInit {
  private readonly log = new Logger('metrics');
  private readonly seriesByMetric = new Map<string, Map<number, SeriesRef>>();
  /** Metric names (and name+label problems) already logged as left out, so each is logged once. */
  private readonly leftOut = new Set<string>();
  /** Names left out whole, and series of an exposed family left out for their labels. */
  private readonly skippedFamilies = new Set<string>();
  private readonly skippedSeries = new Set<number>();
  /** Series ids already exposed or left out, by id (the check every stored series takes on ingest). */
  private decided = new Uint8Array(0);
  private snapshot: { at: number; families: Promise<Map<string, FamilyValue[]>> } | undefined;

  constructor(
    @Inject(METRICS_REGISTRY) private readonly registry: Registry,
    @Inject(SAMPLE_STORE) private readonly store: SampleStore,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly events: CollectorEvents,
  ) {}

  async onModuleInit(): Promise<void> {
    for (const series of await this.store.findSeries({})) this.track(series);
    this.events.on('samples', (batch) => {
      for (const s of batch) this.track(s.series);
    });
  }

  private track(series: SeriesRef): void {
    const id = series.id;
    if (id < this.decided.length && this.decided[id] === 1) return;
    if (id < MAX_DECIDED_ID) {
      if (id >= this.decided.length) this.decided = grown(this.decided, id);
      // Whatever follows exposes the series or leaves it out for good.
      this.decided[id] = 1;
    }
    let family = this.seriesByMetric.get(series.metric);
    if (family?.has(series.id) || this.skippedSeries.has(series.id) || this.skippedFamilies.has(series.metric)) return;
    if (!family) {
      // The collector's own metrics win over an agent series of the same name.
      const problem = this.registry.getSingleMetric(series.metric) || isReservedMetricName(this.registry, series.metric)
        ? 'reserved by the collector'
        : familyLintProblem(series.metric, series.kind);
      if (problem) {
        this.skippedFamilies.add(series.metric);
        return this.leaveOut(series.metric, problem);
      }
      family = new Map();
      this.seriesByMetric.set(series.metric, family);
      this.register(series.metric, series.kind);
    }
    const labelProblem = labelLintProblem(series.labels);
    if (labelProblem) {
      this.skippedSeries.add(series.id);
      return this.leaveOut(`${series.metric} (series ${series.id})`, labelProblem);
    }
    family.set(series.id, series);
  }

  private leaveOut(what: string, problem: string): void {
    if (this.leftOut.has(what) || this.leftOut.size >= 10_000) return;
    this.leftOut.add(what);
    this.log.warn(`agent series ${what} not re-exposed on /metrics: ${problem} (still stored and queryable)`);
  }

  private register(name: string, kind: MetricKind): void {
    const help = `Latest value reported by Vigil agents (${kind}).`;
    const metric = {
      [FLEET_FAMILY]: true,
      name,
      help,
      type: kind,
      aggregator: 'sum',
      get: async () => ({ name: metric.name, help, type: kind, aggregator: 'sum', values: (await this.families()).get(name) ?? [] }),
      reset: () => undefined,
    };
    this.registry.registerMetric(metric as never);
  }

  private families(): Promise<Map<string, FamilyValue[]>> {
    const now = this.clock.now();
    if (!this.snapshot || now - this.snapshot.at > SNAPSHOT_TTL_MS) this.snapshot = { at: now, families: this.buildFamilies() };
    return this.snapshot.families;
  }

  private async buildFamilies(): Promise<Map<string, FamilyValue[]>> {
    const latest = await this.store.latest();
    const freshAfter = this.clock.now() - FLEET_STALENESS_MS;
    const families = new Map<string, FamilyValue[]>();
    for (const [metric, series] of this.seriesByMetric) {
      const values: FamilyValue[] = [];
      for (const [id, ref] of series) {
        const point = latest.get(id);
        if (point && point[0] >= freshAfter) values.push({ value: point[1], labels: ref.labels });
      }
      families.set(metric, values);
    }
    return families;
  }
}
