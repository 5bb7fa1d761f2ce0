// Prometheus remote-write 1.0 bodies into Vigil series: snappy block format around a protobuf
// WriteRequest (schema in proto/receivers/prometheus_remote.proto).
import snappy from 'snappyjs';
import { MetricType, prometheus, type vigil } from '@vigil/proto';
import { ReceiverError } from './receiver-errors.js';

/** Remote write carries no metric types; these suffixes mark Prometheus counters and histogram/summary parts. */
const COUNTER_SUFFIXES = ['_total', '_count', '_sum', '_bucket'];

/** Prometheus' staleness marker: a NaN with this exact bit pattern ("series ended"), not a value. */
const STALE_NAN_HIGH = 0x7ff00000;
const STALE_NAN_LOW = 0x00000002;
const bits = new DataView(new ArrayBuffer(8));

export function isStaleMarker(value: number): boolean {
  if (!Number.isNaN(value)) return false;
  bits.setFloat64(0, value);
  return bits.getUint32(0) === STALE_NAN_HIGH && bits.getUint32(4) === STALE_NAN_LOW;
}

export interface DecodedWrite {
  series: vigil.v1.ISeries[];
  /** Staleness markers left out (not samples: Vigil has no staleness). */
  staleMarkers: number;
}

/** Decodes one request body; `maxBytes` bounds the uncompressed size. Throws ReceiverError (400) on bad input. */
export function decodeRemoteWrite(body: Uint8Array, maxBytes: number): DecodedWrite {
  let raw: Uint8Array;
  try {
    raw = snappy.uncompress(body, maxBytes);
  } catch (error) {
    const message = (error as Error).message;
    if (/too big/.test(message)) throw new ReceiverError('payload too large', `uncompressed body over the limit of ${maxBytes} bytes (ingest.max_message_bytes)`);
    throw new ReceiverError('invalid request', `body is not snappy block-compressed data (${message})`);
  }
  let request: prometheus.WriteRequest;
  try {
    request = prometheus.WriteRequest.decode(raw);
  } catch (error) {
    throw new ReceiverError('invalid request', `body is not a prometheus.WriteRequest (${(error as Error).message})`);
  }
  let staleMarkers = 0;
  const series = request.timeseries.map((ts): vigil.v1.ISeries => {
    let metric = '';
    const labels: Record<string, string> = {};
    for (const { name = '', value = '' } of ts.labels ?? []) {
      if (name === '__name__') metric = value ?? '';
      else if (value) labels[name ?? ''] = value; // an empty value means "no label"
    }
    const timestampsMs: number[] = [];
    const values: number[] = [];
    for (const sample of ts.samples ?? []) {
      const value = sample.value ?? 0;
      if (isStaleMarker(value)) {
        staleMarkers++;
        continue;
      }
      timestampsMs.push(Number(sample.timestamp ?? 0));
      values.push(value);
    }
    const type = COUNTER_SUFFIXES.some((s) => metric.endsWith(s)) ? MetricType.METRIC_TYPE_COUNTER : MetricType.METRIC_TYPE_GAUGE;
    return { metric, labels, type, timestampsMs, values };
  });
  return { series, staleMarkers };
}
