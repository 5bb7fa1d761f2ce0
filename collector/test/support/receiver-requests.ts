// Request bodies for the HTTP receivers, built the way senders build them: remote write through
// the WriteRequest schema and snappy; OTLP through the official OpenTelemetry JavaScript SDK
// (a MeterProvider whose reader collects, serialised by @opentelemetry/otlp-transformer).
import snappy from 'snappyjs';
import { prometheus } from '@vigil/proto';
import { ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationTemporality, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import type { Meter } from '@opentelemetry/api';

export interface PromSeries {
  labels: Record<string, string>;
  samples: Array<[timestampMs: number, value: number]>;
}

/** The body of a WriteRequest of `series` (and of `raw` time series, given in wire form). */
export function remoteWriteBody(series: readonly PromSeries[], raw: prometheus.ITimeSeries[] = []): Buffer {
  const timeseries = series.map((s) => ({
    labels: Object.entries(s.labels).map(([name, value]) => ({ name, value })),
    samples: s.samples.map(([timestamp, value]) => ({ timestamp, value })),
  }));
  return Buffer.from(snappy.compress(prometheus.WriteRequest.encode({ timeseries: [...raw, ...timeseries] }).finish()));
}

export const REMOTE_WRITE_HEADERS = { 'Content-Type': 'application/x-protobuf', 'Content-Encoding': 'snappy', 'X-Prometheus-Remote-Write-Version': '0.1.0' };

/** A reader that only collects when asked (the SDK's own way to take a snapshot). */
class SnapshotReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

/**
 * OTLP protobuf bytes of what `record` records on a meter of a service (`service.name`,
 * `service.instance.id`), collected once; `delta` asks the SDK for delta temporality.
 */
export async function otlpBody(service: { name: string; instance: string }, record: (meter: Meter) => void, delta = false): Promise<Uint8Array> {
  const reader = new SnapshotReader(delta ? { aggregationTemporalitySelector: () => AggregationTemporality.DELTA } : {});
  const provider = new MeterProvider({ resource: resourceFromAttributes({ 'service.name': service.name, 'service.instance.id': service.instance }), readers: [reader] });
  record(provider.getMeter('shop-meter', '1.2.0'));
  const { resourceMetrics } = await reader.collect();
  await provider.shutdown();
  return ProtobufMetricsSerializer.serializeRequest(resourceMetrics)!;
}

