import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { Registry } from 'prom-client';
import { CLOCK, type Clock } from '../common/clock.js';
import { METRICS_REGISTRY, SAMPLE_STORE } from '../common/tokens.js';
import { CollectorEvents } from '../common/events.js';
import type { Labels, MetricKind, SampleStore, SeriesRef } from '../storage/storage.types.js';

/** Series whose newest sample is older than this are left out, so a dead host does not look flat. */
export const FLEET_STALENESS_MS = 5 * 60_000;
/** One snapshot of the latest values serves every metric family of a scrape. */
const SNAPSHOT_TTL_MS = 250;

interface FamilyValue {
  value: number;
  labels: Labels;
}

/**
 * Re-exposes the newest sample of every agent series on /metrics under its own name (labels
 * include agent and host), so Prometheus can scrape the whole fleet from the collector.
 */
@Injectable()
export class FleetExporter implements OnModuleInit {
  private readonly seriesByMetric = new Map<string, Map<number, SeriesRef>>();
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
    let family = this.seriesByMetric.get(series.metric);
    if (!family) {
      // The collector's own metrics win over an agent series of the same name.
      if (this.registry.getSingleMetric(series.metric)) return;
      family = new Map();
      this.seriesByMetric.set(series.metric, family);
      this.register(series.metric, series.kind);
    }
    family.set(series.id, series);
  }

  private register(name: string, kind: MetricKind): void {
    const help = `Latest value reported by Vigil agents (${kind}).`;
    const metric = {
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
