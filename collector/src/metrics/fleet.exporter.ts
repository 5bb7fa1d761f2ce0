import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import type { Registry } from 'prom-client';
import { CLOCK, type Clock } from '../common/clock.js';
import { METRICS_REGISTRY, SAMPLE_STORE } from '../common/tokens.js';
import { CollectorEvents } from '../common/events.js';
import type { Labels, LatestTable, MetricKind, SampleStore, SeriesRef } from '../storage/storage.types.js';
import { familyText, labelText, valueText } from './exposition-text.js';
import { FLEET_FAMILY, familyLintProblem, isReservedMetricName, labelLintProblem } from './exposition-names.js';

/** Series whose newest sample is older than this are left out, so a dead host does not look flat. */
export const FLEET_STALENESS_MS = 5 * 60_000;
/** One snapshot of the latest values serves every metric family of a scrape. */
const SNAPSHOT_TTL_MS = 250;
/** Series ids up to this are remembered in the `decided` bitmap; larger (sparse) ids in a set. */
const MAX_DECIDED_ID = 1 << 24;

/** A copy of `bytes` long enough to hold index `id` (doubling). */
function grown(bytes: Uint8Array, id: number): Uint8Array<ArrayBuffer> {
  const next = new Uint8Array(Math.min(MAX_DECIDED_ID, Math.max(1024, id + 1, bytes.length * 2)));
  next.set(bytes);
  return next;
}

/**
 * A family's re-exposed series in the order first stored, side by side: id, labels and, once a scrape has
 * written it, their text (labels never change). An object and a map entry per series were ~75 bytes of heap
 * (7.3 MiB at 100,000 series in a heap snapshot of the ingest bench; issue 14 memory).
 */
interface FleetFamily {
  kind: MetricKind;
  help: string;
  ids: number[];
  labels: Labels[];
  texts: Array<string | undefined>;
}

/** The newest point of every series as of one moment, and the oldest time still fresh then. */
interface LatestSnapshot {
  latest: LatestTable;
  freshAfter: number;
}

/** Series written between two yields to the event loop (about 250 KiB of text). */
const SERIES_PER_CHUNK = 2_000;

/** Where a scrape's text goes; `flush` hands the text gathered so far on and yields to the event loop. */
export interface ExpositionOutput {
  add(text: string): void;
  flush(): Promise<void>;
  readonly closed: boolean;
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
  private readonly families = new Map<string, FleetFamily>();
  /** Metric names (and name+label problems) already logged as left out, so each is logged once. */
  private readonly leftOut = new Set<string>();
  /** Names left out whole. */
  private readonly skippedFamilies = new Set<string>();
  /** Series ids already exposed or left out, by id (the check every stored series takes on ingest). */
  private decided = new Uint8Array(0);
  private readonly decidedLarge = new Set<number>();
  private snapshot: { at: number; latest: Promise<LatestSnapshot> } | undefined;

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
    // Whatever follows exposes the series or leaves it out for good.
    if (id < MAX_DECIDED_ID) {
      if (id >= this.decided.length) this.decided = grown(this.decided, id);
      this.decided[id] = 1;
    } else {
      if (this.decidedLarge.has(id)) return;
      this.decidedLarge.add(id);
    }
    let family = this.families.get(series.metric);
    if (this.skippedFamilies.has(series.metric)) return;
    if (!family) {
      // The collector's own metrics win over an agent series of the same name.
      const problem = this.registry.getSingleMetric(series.metric) || isReservedMetricName(this.registry, series.metric)
        ? 'reserved by the collector'
        : familyLintProblem(series.metric, series.kind);
      if (problem) {
        this.skippedFamilies.add(series.metric);
        return this.leaveOut(series.metric, problem);
      }
      family = { kind: series.kind, help: `Latest value reported by Vigil agents (${series.kind}).`, ids: [], labels: [], texts: [] };
      this.families.set(series.metric, family);
      this.register(series.metric, family);
    }
    const labelProblem = labelLintProblem(series.labels);
    if (labelProblem) return this.leaveOut(`${series.metric} (series ${series.id})`, labelProblem);
    family.ids.push(series.id);
    family.labels.push(series.labels);
    family.texts.push(undefined);
  }

  private leaveOut(what: string, problem: string): void {
    if (this.leftOut.has(what) || this.leftOut.size >= 10_000) return;
    this.leftOut.add(what);
    this.log.warn(`agent series ${what} not re-exposed on /metrics: ${problem} (still stored and queryable)`);
  }

  /**
   * Registered so the registry keeps the order of families and tells the collector's own names from
   * the fleet's (FLEET_FAMILY); get() serves prom-client's own formatting (registry.metrics()), while
   * /metrics writes these families with writeFamily.
   */
  private register(name: string, family: FleetFamily): void {
    const { kind, help } = family;
    const metric = {
      [FLEET_FAMILY]: true,
      name,
      help,
      type: kind,
      aggregator: 'sum',
      get: async () => {
        const { latest, freshAfter } = await this.latestSnapshot();
        const values: Array<{ value: number; labels: Labels }> = [];
        for (let i = 0; i < family.ids.length; i++) {
          const id = family.ids[i]!;
          if (latest.time(id) >= freshAfter) values.push({ value: latest.value(id), labels: family.labels[i]! });
        }
        return { name, help, type: kind, aggregator: 'sum', values };
      },
      reset: () => undefined,
    };
    this.registry.registerMetric(metric as never);
  }

  /** One snapshot of the latest values serves every family of a scrape (and scrapes within SNAPSHOT_TTL_MS). */
  latestSnapshot(): Promise<LatestSnapshot> {
    const now = this.clock.now();
    if (!this.snapshot || now - this.snapshot.at > SNAPSHOT_TTL_MS) {
      this.snapshot = { at: now, latest: this.store.latestTable().then((latest) => ({ latest, freshAfter: this.clock.now() - FLEET_STALENESS_MS })) };
    }
    return this.snapshot.latest;
  }

  /**
   * Writes family `name` (registered by this exporter) as prom-client would: the HELP and TYPE lines,
   * then one line per series fresh in `snapshot`, flushing every SERIES_PER_CHUNK series.
   */
  async writeFamily(name: string, openMetrics: boolean, snapshot: LatestSnapshot, out: ExpositionOutput): Promise<void> {
    const family = this.families.get(name)!;
    const { header, sampleName } = familyText(name, family.kind, family.help, openMetrics);
    const { latest, freshAfter } = snapshot;
    out.add(header);
    let written = 0;
    const { ids, labels, texts } = family;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      // NaN (no point) is not fresh either.
      if (!(latest.time(id) >= freshAfter)) continue;
      const text = (texts[i] ??= labelText(labels[i]!));
      out.add(`\n${sampleName}${text} ${valueText(latest.value(id))}`);
      if (++written % SERIES_PER_CHUNK === 0) {
        await out.flush();
        if (out.closed) return;
      }
    }
  }
}
