// Which stored series feed which SLI on metrics, and what ingest needs to turn their samples into
// events: the last point of each matched series (the baseline of the next counter increase) and
// the bucket layout of each latency histogram. In memory, no I/O; part of SlaState.
import { seriesKey } from '@vigil/proto';
import type { Labels, SeriesRef } from '../common/samples.js';
import { compileSelector, equalityLabels, type SeriesPredicate, type SeriesSelector } from './domain/sli-selector.js';
import { isThresholdBound, parseBucketBound, thresholdProblem } from './domain/sli-events.js';
import type { ServiceModel, SliModel } from './sla.model.js';
import { STALE_PROBE_MS } from './probe-metrics.js';

export type SliRole = 'good' | 'total';

/** A series' part in one service's SLI. */
export interface SliMatch {
  service: string;
  role: SliRole;
  /** Latency SLIs: the histogram (labels without `le`) a _count series belongs to. */
  group?: string;
}

/** A selector as used by one service: which stored metric it reads and in which role. */
interface SelectorUse {
  service: string;
  sli: SliModel;
  selector: SeriesSelector;
  /** The stored metric name (the histogram's _bucket or _count for latency SLIs). */
  metric: string;
  matches: SeriesPredicate;
  kind: 'good' | 'total' | 'bucket' | 'count';
}

/** What has been seen of a latency SLI's histogram. */
interface HistogramLayout {
  bounds: Set<number>;
  /** Histograms (labels without le) that have a bucket at the threshold: their requests count. */
  thresholdGroups: Set<string>;
  countGroups: Set<string>;
}

/** Bounds on the caches: past them they start over (matches are recomputed, baselines re-learnt). */
const MAX_CACHED_SERIES = 500_000;

const NONE: readonly SliMatch[] = [];

export class SliTracker {
  private byMetric = new Map<string, SelectorUse[]>();
  private byService = new Map<string, SelectorUse[]>();
  private matches = new Map<number, readonly SliMatch[]>();
  private histograms = new Map<string, HistogramLayout>();
  private readonly lastPoints = new Map<number, [number, number]>();

  /** Rebuilds the selector index from the catalogue (services with an sli only). */
  reindex(services: readonly ServiceModel[]): void {
    const byMetric = new Map<string, SelectorUse[]>();
    const byService = new Map<string, SelectorUse[]>();
    for (const svc of services) {
      const sli = svc.sla?.sli;
      if (!sli) continue;
      const uses: SelectorUse[] =
        sli.type === 'ratio'
          ? [use(svc.id, sli, sli.good, sli.good.metric, 'good'), use(svc.id, sli, sli.total, sli.total.metric, 'total')]
          : [
              // Buckets first: a _count series counts only once its histogram's threshold bucket is known.
              use(svc.id, sli, sli.histogram, `${sli.histogram.metric}_bucket`, 'bucket'),
              use(svc.id, sli, sli.histogram, `${sli.histogram.metric}_count`, 'count'),
            ];
      byService.set(svc.id, uses);
      for (const u of uses) {
        let list = byMetric.get(u.metric);
        if (!list) byMetric.set(u.metric, (list = []));
        list.push(u);
      }
    }
    this.byMetric = byMetric;
    this.byService = byService;
    this.matches = new Map();
    this.histograms = new Map();
  }

  /** The store lookups (metric and exact labels) that list every series of a service's SLI. */
  lookupsOf(service: string): { metric: string; labels: Labels }[] {
    return (this.byService.get(service) ?? []).map((u) => ({ metric: u.metric, labels: equalityLabels(u.selector) }));
  }

  /** The SLI roles of a series (none for the vast majority: one map lookup by metric name). */
  matchesOf(series: SeriesRef): readonly SliMatch[] {
    const uses = this.byMetric.get(series.metric);
    if (!uses) return NONE;
    let found = this.matches.get(series.id);
    if (found) return found;
    const out: SliMatch[] = [];
    for (const u of uses) {
      if (!u.matches(series.metric, series.labels)) continue;
      if (u.kind === 'good' || u.kind === 'total') out.push({ service: u.service, role: u.kind });
      else this.classifyHistogramSeries(u, series.labels, out);
    }
    found = out.length ? out : NONE;
    if (this.matches.size >= MAX_CACHED_SERIES) this.matches.clear();
    this.matches.set(series.id, found);
    return found;
  }

  /** Whether a match counts now (a histogram's _count only once its threshold bucket was seen). */
  counts(match: SliMatch): boolean {
    return match.group === undefined || (this.histograms.get(match.service)?.thresholdGroups.has(match.group) ?? false);
  }

  lastPoint(seriesId: number): [number, number] | undefined {
    return this.lastPoints.get(seriesId);
  }

  /** Keeps the newest point of a series as the baseline of its next increase. */
  notePoint(seriesId: number, ts: number, value: number): void {
    const cur = this.lastPoints.get(seriesId);
    if (cur && cur[0] >= ts) return;
    if (!cur && this.lastPoints.size >= MAX_CACHED_SERIES) this.lastPoints.clear();
    this.lastPoints.set(seriesId, [ts, value]);
  }

  /** Forgets every baseline: increases start again from the next sample or re-read of each series. */
  forgetBaselines(): void {
    this.lastPoints.clear();
  }

  /** Why an SLI service is not (fully) measured, e.g. a histogram without buckets at the threshold. */
  problems(svc: ServiceModel, lastSeenMs: (role: SliRole) => number | undefined, nowMs: number): string[] {
    const sli = svc.sla?.sli;
    if (!sli) return [];
    const out: string[] = [];
    const selectors: [SliRole, string][] =
      sli.type === 'ratio' ? [['total', `total selector ${sli.total.text}`], ['good', `good selector ${sli.good.text}`]] : [['total', `histogram ${sli.histogram.text} (its _count series)`]];
    for (const [role, what] of selectors) {
      const last = lastSeenMs(role);
      if (last === undefined) out.push(`no series matching the ${what} has reported${role === 'good' ? ' (every event counts as bad)' : ''}`);
      else if (nowMs - last > STALE_PROBE_MS) out.push(`no series matching the ${what} has reported since ${new Date(last).toISOString()}`);
    }
    if (sli.type === 'latency') {
      const layout = this.histograms.get(svc.id);
      if (layout && layout.countGroups.size > 0 && layout.bounds.size === 0)
        out.push(`histogram ${sli.histogram.text} has no _bucket series with an le label: nothing is measured`);
      else if (layout && layout.bounds.size > 0 && layout.thresholdGroups.size === 0)
        out.push(`histogram ${sli.histogram.text}: ${thresholdProblem(layout.bounds, sli.thresholdSeconds)}: nothing is measured`);
    }
    return out;
  }

  private classifyHistogramSeries(u: SelectorUse, labels: Labels, out: SliMatch[]): void {
    if (u.sli.type !== 'latency') return;
    let layout = this.histograms.get(u.service);
    if (!layout) this.histograms.set(u.service, (layout = { bounds: new Set(), thresholdGroups: new Set(), countGroups: new Set() }));
    const { le, ...rest } = labels;
    const group = seriesKey(u.sli.histogram.metric, rest);
    if (u.kind === 'count') {
      layout.countGroups.add(group);
      out.push({ service: u.service, role: 'total', group });
      return;
    }
    const bound = le === undefined ? undefined : parseBucketBound(le);
    if (bound === undefined) return; // a _bucket series without a usable le label measures nothing
    layout.bounds.add(bound);
    if (!isThresholdBound(bound, u.sli.thresholdSeconds)) return;
    layout.thresholdGroups.add(group);
    out.push({ service: u.service, role: 'good' });
  }
}

function use(service: string, sli: SliModel, selector: SeriesSelector, metric: string, kind: SelectorUse['kind']): SelectorUse {
  return { service, sli, selector, metric, kind, matches: compileSelector(selector, metric) };
}
