// Which series make up which capacity resource, and the capacity entry of one resource: plain
// functions over plain data (the service does the reading).
import type { Point, SeriesRef } from '../../storage/storage.types.js';
import type { CapacityConfig, Resource } from '../capacity.config.js';
import { forecastSeries, type BacktestScore, type ForecastOptions, type ForecastPoint, type ModelName } from './forecast.js';
import { regularize } from './series.js';

const HOUR_MS = 3_600_000;

export const RESOURCE_METRICS: Record<Exclude<Resource, 'network_rx' | 'network_tx'>, string> & Record<'network_rx' | 'network_tx', string> = {
  filesystem: 'vigil_filesystem_used_ratio',
  memory: 'vigil_memory_used_ratio',
  swap: 'vigil_swap_used_ratio',
  cpu: 'vigil_cpu_utilization_ratio',
  network_rx: 'vigil_network_receive_bytes_total',
  network_tx: 'vigil_network_transmit_bytes_total',
};

export interface ResourceGroup {
  /** Identity: agent, host, resource, mountpoint (or the configured series' name). */
  key: string;
  agent: string;
  host: string;
  resource: Resource | 'custom';
  /** Filesystem mount point; "" otherwise. */
  mountpoint: string;
  /** Name of a configured series (resource "custom"). */
  name?: string;
  seriesIds: number[];
  /** Hourly values of the series are added (network interfaces) or averaged (the same mount seen twice). */
  combine: 'sum' | 'average';
  /** Multiplies the combined value: 1 / link capacity for network, 1 otherwise. */
  scale: number;
  threshold: number;
  unit: 'ratio' | 'value';
}

export function groupKey(agent: string, host: string, resource: string, mountpoint: string): string {
  return JSON.stringify([agent, host, resource, mountpoint]);
}

function matchesPattern(name: string, patterns: readonly string[]): boolean {
  return patterns.some((p) => (p.endsWith('*') ? name.startsWith(p.slice(0, -1)) : name === p));
}

/**
 * Groups the host series into resources. `seriesByMetric` holds the series found for each metric in
 * RESOURCE_METRICS and for each configured series (keyed by its name).
 */
export function resourceGroups(seriesByMetric: ReadonlyMap<string, readonly SeriesRef[]>, config: CapacityConfig): ResourceGroup[] {
  const groups = new Map<string, ResourceGroup>();
  const add = (series: SeriesRef, resource: Resource, mountpoint: string, group: Omit<ResourceGroup, 'key' | 'agent' | 'host' | 'resource' | 'mountpoint' | 'seriesIds'>) => {
    const agent = series.labels.agent ?? '';
    const host = series.labels.host ?? '';
    const key = groupKey(agent, host, resource, mountpoint);
    const existing = groups.get(key);
    if (existing) existing.seriesIds.push(series.id);
    else groups.set(key, { key, agent, host, resource, mountpoint, seriesIds: [series.id], ...group });
  };
  for (const s of seriesByMetric.get(RESOURCE_METRICS.filesystem) ?? []) {
    if (matchesPattern(s.labels.fstype ?? '', config.exclude_fstypes)) continue;
    add(s, 'filesystem', s.labels.mountpoint ?? '', { combine: 'average', scale: 1, threshold: config.thresholds.filesystem, unit: 'ratio' });
  }
  for (const resource of ['memory', 'swap', 'cpu'] as const) {
    for (const s of seriesByMetric.get(RESOURCE_METRICS[resource]) ?? []) {
      add(s, resource, '', { combine: 'average', scale: 1, threshold: config.thresholds[resource], unit: 'ratio' });
    }
  }
  for (const resource of ['network_rx', 'network_tx'] as const) {
    for (const s of seriesByMetric.get(RESOURCE_METRICS[resource]) ?? []) {
      if (matchesPattern(s.labels.interface ?? '', config.network_exclude_interfaces)) continue;
      const capacity = config.network_bytes_per_second_by_host[s.labels.host ?? ''] ?? config.network_bytes_per_second;
      if (capacity === undefined) continue;
      add(s, resource, '', { combine: 'sum', scale: 1 / capacity, threshold: config.thresholds.network, unit: 'ratio' });
    }
  }
  for (const custom of config.series) {
    for (const s of seriesByMetric.get(`custom:${custom.name}`) ?? []) {
      const agent = s.labels.agent ?? '';
      const host = s.labels.host ?? '';
      const key = groupKey(agent, host, `custom:${custom.name}`, '');
      const existing = groups.get(key);
      if (existing) existing.seriesIds.push(s.id);
      else groups.set(key, { key, agent, host, resource: 'custom', mountpoint: '', name: custom.name, seriesIds: [s.id], combine: 'average', scale: 1, threshold: custom.threshold, unit: 'value' });
    }
  }
  return [...groups.values()];
}

/** Hourly points of a group's series combined into one series (sum or average per hour), scaled. */
export function combineHourly(perSeries: readonly (readonly Point[])[], combine: 'sum' | 'average', scale: number): Point[] {
  const sums = new Map<number, { sum: number; n: number }>();
  for (const points of perSeries) {
    for (const [t, v] of points) {
      if (!Number.isFinite(v)) continue;
      const slot = sums.get(t);
      if (slot) {
        slot.sum += v;
        slot.n++;
      } else sums.set(t, { sum: v, n: 1 });
    }
  }
  return [...sums]
    .sort((a, b) => a[0] - b[0])
    .map(([t, { sum, n }]) => [t, (combine === 'sum' ? sum : sum / n) * scale] as Point);
}

export interface CapacityExhaustion {
  exceeded: boolean;
  expectedMs: number | null;
  earliestMs: number | null;
  latestMs: number | null;
  /** Seconds from now until expected/earliest/latest (0 when already exceeded); null beyond the horizon. */
  secondsLeft: number | null;
  earliestSecondsLeft: number | null;
  latestSecondsLeft: number | null;
}

/** The forecast of one resource; its identity fields are the group's. */
export interface CapacityEntry extends Pick<ResourceGroup, 'key' | 'agent' | 'host' | 'resource' | 'mountpoint' | 'name' | 'threshold' | 'unit'> {
  title: string;
  status: 'ok' | 'insufficient_data';
  message?: string;
  /** Latest value (ratio for host resources). */
  current: number | null;
  growthPerDay: number | null;
  horizonMs: number;
  atHorizon: ForecastPoint | null;
  exhaustion: CapacityExhaustion | null;
  model: ModelName | null;
  backtestError: number | null;
  backtest: BacktestScore[];
  /** History available and (when insufficient) needed, hours. */
  historyHours: number;
  neededHours?: number;
  computedMs: number;
  /** Forecast path for charts (omitted from summaries). */
  forecast?: ForecastPoint[];
}

/** The `resource` label of metrics and incidents: the resource, or `custom:<name>` for configured series. */
export function resourceLabel(entry: Pick<CapacityEntry, 'resource' | 'name'>): string {
  return entry.resource === 'custom' ? `custom:${entry.name}` : entry.resource;
}

export function entryTitle(group: Pick<ResourceGroup, 'resource' | 'mountpoint' | 'host' | 'name'>): string {
  if (group.resource === 'custom') return `${group.name} on ${group.host || 'collector'}`;
  if (group.resource === 'filesystem') return `filesystem ${group.mountpoint} on ${group.host}`;
  return `${group.resource.replace('_', ' ')} on ${group.host}`;
}

/** Forecasts one resource from its combined hourly points; `current` overrides the last hourly value. */
export function buildEntry(
  group: ResourceGroup,
  hourly: readonly Point[],
  current: number | undefined,
  options: Omit<ForecastOptions, 'threshold'>,
  historyFromMs: number,
  nowMs: number,
): CapacityEntry {
  const base = {
    key: group.key,
    agent: group.agent,
    host: group.host,
    resource: group.resource,
    mountpoint: group.mountpoint,
    ...(group.name ? { name: group.name } : {}),
    title: entryTitle(group),
    threshold: group.threshold,
    unit: group.unit,
    horizonMs: options.horizonMs,
    computedMs: nowMs,
  };
  const { series } = regularize(hourly, HOUR_MS, historyFromMs, nowMs);
  const result = series
    ? forecastSeries(series, { ...options, threshold: group.threshold })
    : forecastSeries({ startMs: nowMs, stepMs: HOUR_MS, values: new Float64Array(0) }, { ...options, threshold: group.threshold });
  if (result.status === 'insufficient_data') {
    const last = hourly[hourly.length - 1];
    return {
      ...base,
      status: 'insufficient_data',
      message: result.message,
      current: current ?? (last ? last[1] : null),
      growthPerDay: null,
      atHorizon: null,
      exhaustion: null,
      model: null,
      backtestError: null,
      backtest: [],
      historyHours: result.haveMs / HOUR_MS,
      neededHours: result.needMs / HOUR_MS,
    };
  }
  const value = current ?? result.current;
  const left = (ms: number | null) => (ms === null ? null : Math.max(0, (ms - nowMs) / 1000));
  // A fresher current value over the threshold means exhausted now, whatever the hourly series says.
  const exceeded = result.exhaustion.exceeded || value >= group.threshold;
  const e = exceeded ? { expectedMs: nowMs, earliestMs: nowMs, latestMs: nowMs } : result.exhaustion;
  return {
    ...base,
    status: 'ok',
    current: value,
    growthPerDay: result.growthPerDay,
    atHorizon: result.atHorizon,
    exhaustion: {
      exceeded,
      expectedMs: e.expectedMs,
      earliestMs: e.earliestMs,
      latestMs: e.latestMs,
      secondsLeft: left(e.expectedMs),
      earliestSecondsLeft: left(e.earliestMs),
      latestSecondsLeft: left(e.latestMs),
    },
    model: result.model,
    backtestError: result.backtestError,
    backtest: result.backtest,
    historyHours: series ? countHours(series.values) : 0,
    forecast: result.path,
  };
}

function countHours(values: Float64Array): number {
  let n = 0;
  for (const v of values) if (Number.isFinite(v)) n++;
  return n;
}

export const SORT_KEYS = ['exhaustion', 'earliest', 'growth', 'utilization', 'host'] as const;
export type SortKey = (typeof SORT_KEYS)[number];

/**
 * Most urgent first: by expected time to exhaustion (or the earliest date of the band, or growth, or
 * utilisation, or host). Resources not exhausted within the horizon follow, then those without a forecast.
 */
export function rankEntries(entries: readonly CapacityEntry[], sort: SortKey = 'exhaustion'): CapacityEntry[] {
  const tier = (e: CapacityEntry) => (e.status !== 'ok' ? 2 : e.exhaustion?.secondsLeft === null ? 1 : 0);
  const byKey: Record<SortKey, (a: CapacityEntry, b: CapacityEntry) => number> = {
    exhaustion: (a, b) => tier(a) - tier(b) || (a.exhaustion?.secondsLeft ?? 0) - (b.exhaustion?.secondsLeft ?? 0) || (b.current ?? 0) - (a.current ?? 0),
    earliest: (a, b) => tier(a) - tier(b) || (a.exhaustion?.earliestSecondsLeft ?? Infinity) - (b.exhaustion?.earliestSecondsLeft ?? Infinity),
    growth: (a, b) => (b.growthPerDay ?? -Infinity) - (a.growthPerDay ?? -Infinity),
    utilization: (a, b) => (b.current ?? -Infinity) - (a.current ?? -Infinity),
    host: (a, b) => a.host.localeCompare(b.host),
  };
  return [...entries].sort((a, b) => byKey[sort](a, b) || a.host.localeCompare(b.host) || a.title.localeCompare(b.title));
}
