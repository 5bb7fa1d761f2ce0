// Turns a parsed exposition into the agent's samples: filters by name, keeps the exposition's metric names and
// labels (plus scrape_target and configured labels), maps family types to the wire's two kinds, and rejects
// what must not reach the collector, each rejection counted by reason. Pure: no I/O, no clock.
import { isValidMetricName, labelSetProblem, seriesKey } from '@vigil/proto/agent';
import type { MetricKind, ReasonCounter, Sample } from '../pipeline/types.js';
import type { ExpositionSample } from './exposition.js';
import { parseFloatToken } from './exposition.js';
import { COLLECTOR_LABELS, SCRAPE_TARGET_LABEL } from '../config/scrape.types.js';

/** Why a scraped series was not forwarded (`vigil_scrape_rejected_series_total{reason}`). */
export const SCRAPE_REJECT_REASONS = ['reserved_name', 'invalid_series', 'non_finite_value', 'duplicate_series', 'max_series'] as const;
export type ScrapeRejectReason = (typeof SCRAPE_REJECT_REASONS)[number];

/** Names Vigil itself produces (agent, collector) or that mean "scrape health" in Prometheus. */
export function isReservedMetricName(name: string): boolean {
  return name.startsWith('vigil_') || name === 'up' || name.startsWith('scrape_');
}

export interface ScrapeRules {
  target: string;
  metricsAllow?: RegExp;
  metricsDeny?: RegExp;
  /** Configured labels, added to every sample. */
  labels: Record<string, string>;
  maxSeries: number;
}

/**
 * The samples to forward, at `timestampMs`, with every rejection added to `rejected`. Samples filtered out by
 * metrics_allow/metrics_deny are the operator's choice and not counted; `_created` samples (OpenMetrics creation
 * times) are not forwarded, as Prometheus does not store them either.
 */
export function toSamples(parsed: readonly ExpositionSample[], rules: ScrapeRules, timestampMs: number, rejected: ReasonCounter): Sample[] {
  const out: Sample[] = [];
  const seen = new Set<string>();
  const renamed = new Set<string>([SCRAPE_TARGET_LABEL, ...COLLECTOR_LABELS, ...Object.keys(rules.labels)]);
  for (const s of parsed) {
    if (s.suffix === '_created') continue;
    if (!passesFilters(s, rules)) continue;
    if (isReservedMetricName(s.name)) {
      rejected.add('reserved_name');
      continue;
    }
    const labels = outputLabels(s, renamed, rules);
    if (!isValidMetricName(s.name) || labelSetProblem(labels) !== undefined) {
      rejected.add('invalid_series');
      continue;
    }
    if (!Number.isFinite(s.value)) {
      rejected.add('non_finite_value');
      continue;
    }
    const key = seriesKey(s.name, labels);
    if (seen.has(key)) {
      rejected.add('duplicate_series');
      continue;
    }
    if (seen.size >= rules.maxSeries) {
      rejected.add('max_series');
      continue;
    }
    seen.add(key);
    out.push({ metric: s.name, labels, kind: kindOf(s), timestampMs, value: s.value });
  }
  return out;
}

function passesFilters(s: ExpositionSample, rules: ScrapeRules): boolean {
  const matches = (re: RegExp) => re.test(s.name) || (s.family !== s.name && re.test(s.family));
  if (rules.metricsAllow && !matches(rules.metricsAllow)) return false;
  return !(rules.metricsDeny && matches(rules.metricsDeny));
}

/** The exposition's labels (those Vigil sets renamed to exported_<name>), the configured labels, scrape_target. */
function outputLabels(s: ExpositionSample, renamed: ReadonlySet<string>, rules: ScrapeRules): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [name, value] of Object.entries(s.labels)) labels[renamed.has(name) ? `exported_${name}` : name] = canonicalBound(s, name, value);
  Object.assign(labels, rules.labels);
  labels[SCRAPE_TARGET_LABEL] = rules.target;
  return labels;
}

/** `le` and `quantile` written as canonical floats (le="1.0" and le="1" are one bucket), as Prometheus 3 does. */
function canonicalBound(s: ExpositionSample, name: string, value: string): string {
  const isBound = (name === 'le' && s.suffix === '_bucket') || (name === 'quantile' && s.type === 'summary' && s.suffix === '');
  if (!isBound) return value;
  const n = parseFloatToken(value);
  if (n === undefined) return value;
  return n === Infinity ? '+Inf' : n === -Infinity ? '-Inf' : String(n);
}

/**
 * The wire has gauges and counters: counters, and the cumulative parts of histograms and summaries (buckets,
 * _count, _sum), are counters; everything else (gauges, quantiles, gauge histograms, info, stateset, untyped)
 * is a gauge.
 */
export function kindOf(s: Pick<ExpositionSample, 'type' | 'suffix'>): MetricKind {
  switch (s.type) {
    case 'counter':
      return 'counter';
    case 'histogram':
      return s.suffix === '' ? 'gauge' : 'counter';
    case 'summary':
      return s.suffix === '_count' || s.suffix === '_sum' ? 'counter' : 'gauge';
    default:
      return 'gauge';
  }
}
