// Which agent metric names may reach the collector's /metrics. Two rules:
// - reserved names are refused at ingest (reserved_metric_name): `up` and `scrape_*` (Prometheus
//   writes them per target; with honor_labels an agent's `up` would overwrite the collector's), the
//   collector's process metrics prefix, and every family the collector registers itself, with the
//   sample names derived from it (histogram _bucket/_sum/_count, counter name without _total);
// - a stored agent series is re-exposed only when `promtool check metrics` accepts its name and
//   labels (the lint rules of promlint); the rest stays stored and queryable through the API.
import type { Registry } from 'prom-client';
import type { MetricKind } from '../common/samples.js';

/** Marks the metric objects the fleet exporter registers: agent families, not the collector's own. */
export const FLEET_FAMILY = Symbol('vigil.fleetFamily');

const RESERVED_PREFIXES = ['scrape_', 'vigil_collector_'];
const SAMPLE_SUFFIXES = ['_bucket', '_sum', '_count', '_created', '_total'];

function isCollectorFamily(registry: Registry, name: string): boolean {
  const metric = registry.getSingleMetric(name) as object | undefined;
  return metric !== undefined && !(FLEET_FAMILY in metric);
}

/** True for names an agent may not send: they would collide with what the collector exposes itself. */
export function isReservedMetricName(registry: Registry, name: string): boolean {
  if (name === 'up' || RESERVED_PREFIXES.some((p) => name.startsWith(p))) return true;
  if (isCollectorFamily(registry, name) || isCollectorFamily(registry, `${name}_total`)) return true;
  for (const suffix of SAMPLE_SUFFIXES) {
    if (name.endsWith(suffix) && isCollectorFamily(registry, name.slice(0, -suffix.length))) return true;
  }
  return false;
}

const CAMEL_CASE = /[a-z][A-Z]/;
const TYPE_WORDS = ['counter', 'gauge', 'histogram', 'summary', 'gaugehistogram'];
const UNIT_ABBREVIATIONS = new Set(['s', 'ms', 'us', 'ns', 'sec', 'b', 'kb', 'mb', 'gb', 'tb', 'pb', 'm', 'h', 'd']);
/** Unit word -> its base unit (promlint's table). */
const UNITS: Record<string, string> = {
  amperes: 'amperes', bytes: 'bytes', celsius: 'celsius', grams: 'grams', joules: 'joules', kelvin: 'kelvin', meters: 'meters', metres: 'metres', seconds: 'seconds', volts: 'volts',
  minutes: 'seconds', hours: 'seconds', days: 'seconds', weeks: 'seconds', calories: 'joules', fahrenheit: 'celsius', rankine: 'celsius', inches: 'meters', yards: 'meters', miles: 'meters',
};
const UNIT_PREFIXES = ['pico', 'nano', 'micro', 'milli', 'centi', 'deci', 'deca', 'hecto', 'kilo', 'kibi', 'mega', 'mibi', 'giga', 'gibi', 'tera', 'tebi', 'peta', 'pebi'];

/**
 * Documented agent metrics that promlint flags but that stay exposed: hiding them would break their
 * contract (renaming is a decision for a major version).
 */
const LINT_EXEMPT = new Set(['vigil_probe_process_count']);

/** What promtool's lint would say about a re-exposed family name of this kind; undefined when clean. */
export function familyLintProblem(name: string, kind: MetricKind): string | undefined {
  if (LINT_EXEMPT.has(name)) return undefined;
  if (name.includes(':')) return 'metric names should not contain ":"';
  if (CAMEL_CASE.test(name)) return 'metric names should be written in snake_case';
  if (kind === 'counter' && !name.endsWith('_total')) return 'counter metrics should have "_total" suffix';
  if (kind !== 'counter' && name.endsWith('_total')) return 'non-counter metrics should not have "_total" suffix';
  for (const suffix of ['_bucket', '_count', '_sum']) if (name.endsWith(suffix)) return `non-histogram metrics should not have "${suffix}" suffix`;
  const lower = name.toLowerCase();
  for (const t of TYPE_WORDS) if (lower.includes(`_${t}_`) || lower.endsWith(`_${t}`)) return `metric name should not include type '${t}'`;
  for (const part of name.split('_')) {
    if (UNIT_ABBREVIATIONS.has(part)) return 'metric names should not contain abbreviated units';
  }
  // Like promlint, only the first word that is a unit counts.
  for (const part of name.split('_')) {
    const prefix = UNITS[part] ? '' : UNIT_PREFIXES.find((p) => part.startsWith(p) && UNITS[part.slice(p.length)]);
    if (prefix === undefined) continue;
    const base = UNITS[part.slice(prefix.length)]!;
    return prefix === '' && base === part ? undefined : `use base unit "${base}" instead of "${part}"`;
  }
  return undefined;
}

/** What promtool's lint would say about a series' label names (of a gauge or counter family). */
export function labelLintProblem(labels: Record<string, string>): string | undefined {
  for (const name of Object.keys(labels)) {
    if (name === 'le' || name === 'quantile') return `label "${name}" belongs to histograms and summaries`;
    if (CAMEL_CASE.test(name)) return 'label names should be written in snake_case';
  }
  return undefined;
}
