// OTLP metrics into Vigil series (the mapping the OpenTelemetry specification gives for
// Prometheus): gauges and non-monotonic sums are gauges, cumulative monotonic sums are `_total`
// counters, histograms become `_bucket{le}`/`_sum`/`_count`, summaries `{quantile}`/`_sum`/`_count`.
// Resource attributes service.name (with service.namespace) and service.instance.id become `job`
// and `instance`; point attributes become labels. Delta temporality and exponential histograms are
// refused point by point (Vigil stores cumulative series; converting deltas would need state per
// series that a retry or a second collector could not share).
import { MetricType, type opentelemetry, type vigil } from '@vigil/proto';
import { prometheusName, sanitizeLabelName } from './otlp-names.js';

type KeyValue = opentelemetry.proto.IKeyValue;
const DELTA = 1 as opentelemetry.proto.AggregationTemporality;
/** Data point flag: no value recorded (the OTLP form of a staleness marker). */
const FLAG_NO_RECORDED_VALUE = 1;

export interface OtlpMapping {
  series: vigil.v1.ISeries[];
  /** Points refused here (delta, exponential histogram, no timestamp), with the first reason of each kind. */
  rejectedPoints: number;
  problems: string[];
}

function attributeValue(kv: KeyValue): string | undefined {
  const v = kv.value;
  if (!v) return undefined;
  if (v.stringValue != null) return v.stringValue;
  if (v.boolValue != null) return String(v.boolValue);
  if (v.intValue != null) return String(v.intValue);
  if (v.doubleValue != null) return String(v.doubleValue);
  if (v.bytesValue != null) return Buffer.from(v.bytesValue).toString('base64');
  return undefined;
}

/** Attributes as labels; two keys that sanitise to one name keep both values, joined by `;` in key order. */
export function attributeLabels(attributes: readonly KeyValue[] | null | undefined, into: Record<string, string> = {}): Record<string, string> {
  const sorted = [...(attributes ?? [])].sort((a, b) => ((a.key ?? '') < (b.key ?? '') ? -1 : 1));
  const seen = new Set<string>();
  for (const kv of sorted) {
    const value = attributeValue(kv);
    if (value === undefined || value === '') continue;
    const name = sanitizeLabelName(kv.key ?? '');
    into[name] = seen.has(name) ? `${into[name]};${value}` : value;
    seen.add(name);
  }
  return into;
}

/** `job` and `instance` from the resource, as the specification names them. */
export function resourceLabels(attributes: readonly KeyValue[] | null | undefined): Record<string, string> {
  const get = (key: string) => {
    const kv = (attributes ?? []).find((a) => a.key === key);
    return kv ? attributeValue(kv) : undefined;
  };
  const name = get('service.name');
  const namespace = get('service.namespace');
  const instance = get('service.instance.id');
  const out: Record<string, string> = {};
  if (name) out.job = namespace ? `${namespace}/${name}` : name;
  if (instance) out.instance = instance;
  return out;
}

const nanosToMs = (ns: number | null | undefined) => Math.floor(Number(ns ?? 0) / 1e6);

class SeriesBuilder {
  readonly series: vigil.v1.ISeries[] = [];
  rejectedPoints = 0;
  private readonly problems = new Map<string, string>();

  reject(kind: string, count: number, detail: string): void {
    this.rejectedPoints += count;
    if (!this.problems.has(kind)) this.problems.set(kind, detail);
  }

  add(metric: string, labels: Record<string, string>, counter: boolean, timeMs: number, value: number): void {
    this.series.push({ metric, labels, type: counter ? MetricType.METRIC_TYPE_COUNTER : MetricType.METRIC_TYPE_GAUGE, timestampsMs: [timeMs], values: [value] });
  }

  problemList(): string[] {
    return [...this.problems.values()];
  }
}

interface PointBase {
  attributes?: KeyValue[] | null;
  timeUnixNano?: number | null;
  flags?: number | null;
}

/** Labels and time of a point, or undefined when the point carries no value to store. */
function pointContext(b: SeriesBuilder, name: string, point: PointBase, base: Record<string, string>): { labels: Record<string, string>; timeMs: number } | undefined {
  if (((point.flags ?? 0) & FLAG_NO_RECORDED_VALUE) !== 0) return undefined;
  const timeMs = nanosToMs(point.timeUnixNano);
  if (timeMs <= 0) {
    b.reject('no_time', 1, `${name}: a data point without time_unix_nano`);
    return undefined;
  }
  // Resource identity (job, instance) wins over a point attribute of the same name.
  return { labels: { ...attributeLabels(point.attributes), ...base }, timeMs };
}

function numberPoints(b: SeriesBuilder, raw: string, name: string, points: readonly opentelemetry.proto.INumberDataPoint[], base: Record<string, string>, counter: boolean): void {
  for (const p of points) {
    const at = pointContext(b, raw, p, base);
    if (at) b.add(name, at.labels, counter, at.timeMs, p.asInt != null ? Number(p.asInt) : (p.asDouble ?? 0));
  }
}

function mapMetric(b: SeriesBuilder, metric: opentelemetry.proto.IMetric, base: Record<string, string>): void {
  const raw = metric.name ?? '';
  const unit = metric.unit ?? '';
  if (metric.gauge || (metric.sum && !metric.sum.isMonotonic)) {
    return numberPoints(b, raw, prometheusName(raw, unit, 'gauge'), (metric.gauge ?? metric.sum)!.dataPoints ?? [], base, false);
  }
  if (metric.sum) {
    const points = metric.sum.dataPoints ?? [];
    if (metric.sum.aggregationTemporality === DELTA) return b.reject('delta', points.length, `${raw}: delta temporality is not accepted; export cumulative sums`);
    return numberPoints(b, raw, prometheusName(raw, unit, 'counter'), points, base, true);
  }
  if (metric.histogram) {
    const points = metric.histogram.dataPoints ?? [];
    if (metric.histogram.aggregationTemporality === DELTA) return b.reject('delta', points.length, `${raw}: delta temporality is not accepted; export cumulative histograms`);
    const name = prometheusName(raw, unit, 'other');
    for (const p of points) {
      const at = pointContext(b, raw, p, base);
      if (!at) continue;
      const bounds = p.explicitBounds ?? [];
      const counts = p.bucketCounts ?? [];
      if (counts.length !== bounds.length + 1) {
        b.reject('histogram_buckets', 1, `${raw}: ${counts.length} bucket counts for ${bounds.length} bounds (need one more count than bounds)`);
        continue;
      }
      let cumulative = 0;
      for (let i = 0; i < bounds.length; i++) {
        cumulative += Number(counts[i]);
        b.add(`${name}_bucket`, { ...at.labels, le: String(bounds[i]) }, true, at.timeMs, cumulative);
      }
      b.add(`${name}_bucket`, { ...at.labels, le: '+Inf' }, true, at.timeMs, Number(p.count ?? 0));
      if (p.sum != null) b.add(`${name}_sum`, at.labels, true, at.timeMs, p.sum);
      b.add(`${name}_count`, at.labels, true, at.timeMs, Number(p.count ?? 0));
    }
    return;
  }
  if (metric.summary) {
    const name = prometheusName(raw, unit, 'other');
    for (const p of metric.summary.dataPoints ?? []) {
      const at = pointContext(b, raw, p, base);
      if (!at) continue;
      for (const q of p.quantileValues ?? []) b.add(name, { ...at.labels, quantile: String(q.quantile ?? 0) }, false, at.timeMs, q.value ?? 0);
      b.add(`${name}_sum`, at.labels, true, at.timeMs, p.sum ?? 0);
      b.add(`${name}_count`, at.labels, true, at.timeMs, Number(p.count ?? 0));
    }
    return;
  }
  if (metric.exponentialHistogram) {
    b.reject('exponential_histogram', metric.exponentialHistogram.dataPoints?.length ?? 0, `${raw}: exponential histograms are not supported; configure explicit buckets`);
    return;
  }
  b.reject('no_data', 0, `${raw}: a metric without data`);
}

/** Maps one decoded ExportMetricsServiceRequest. */
export function mapOtlpMetrics(request: opentelemetry.proto.IExportMetricsServiceRequest): OtlpMapping {
  const b = new SeriesBuilder();
  for (const rm of request.resourceMetrics ?? []) {
    const resource = resourceLabels(rm.resource?.attributes);
    for (const sm of rm.scopeMetrics ?? []) {
      const scope: Record<string, string> = { ...resource };
      if (sm.scope?.name) scope.otel_scope_name = sm.scope.name;
      if (sm.scope?.version) scope.otel_scope_version = sm.scope.version;
      for (const metric of sm.metrics ?? []) mapMetric(b, metric, scope);
    }
  }
  return { series: b.series, rejectedPoints: b.rejectedPoints, problems: b.problemList() };
}
