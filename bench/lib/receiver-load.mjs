// Load for the HTTP receivers: SENDERS closed-loop senders (one request in flight each, as a
// Prometheus shard sends), each request a fresh timestamp for every one of its series.
// Remote write: SERIES series per request (Prometheus' default max_samples_per_send is 2,000).
// OTLP: the same number of gauge points (100 metrics x SERIES/100 attribute sets), encoded with
// the collector's own schema (the SDK is too slow a client to saturate a server).
import snappy from 'snappyjs';
import { opentelemetry, prometheus } from '@vigil/proto';

function remoteWriteBody(sender, series, ts) {
  const timeseries = Array.from({ length: series }, (_, i) => ({
    labels: [{ name: '__name__', value: 'bench_value' }, { name: 'i', value: String(i) }, { name: 'sender', value: String(sender) }],
    samples: [{ value: i + ts / 1000, timestamp: ts }],
  }));
  return snappy.compress(prometheus.WriteRequest.encode({ timeseries }).finish());
}

function otlpBody(sender, series, ts) {
  const perMetric = Math.max(1, Math.floor(series / 100));
  const metrics = Array.from({ length: Math.ceil(series / perMetric) }, (_, m) => ({
    name: `bench.metric.${m}`,
    gauge: {
      dataPoints: Array.from({ length: perMetric }, (_, i) => ({
        attributes: [{ key: 'i', value: { stringValue: String(i) } }],
        timeUnixNano: ts * 1e6,
        asDouble: i + ts / 1000,
      })),
    },
  }));
  const request = { resourceMetrics: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'bench' } }, { key: 'service.instance.id', value: { stringValue: `s${sender}` } }] }, scopeMetrics: [{ metrics }] }] };
  return opentelemetry.proto.ExportMetricsServiceRequest.encode(request).finish();
}

const ENDPOINTS = {
  remote_write: { path: '/api/v1/write', headers: { 'Content-Type': 'application/x-protobuf', 'Content-Encoding': 'snappy', 'X-Prometheus-Remote-Write-Version': '0.1.0' }, body: remoteWriteBody },
  otlp: { path: '/v1/metrics', headers: { 'Content-Type': 'application/x-protobuf' }, body: otlpBody },
};

/** Runs `kind` for `seconds`; resolves to stored samples/s (from 2xx answers) and request latencies (ms, sorted). */
export async function runReceiverPhase(http, kind, { token, senders, series, seconds }) {
  const { path, headers, body } = ENDPOINTS[kind];
  const latencies = [];
  let samples = 0;
  let failures = 0;
  const t0 = performance.now();
  const until = t0 + seconds * 1000;
  await Promise.all(Array.from({ length: senders }, async (_, s) => {
    let ts = Date.now() - 3_600_000;
    while (performance.now() < until) {
      ts += 1000;
      const started = performance.now();
      const response = await fetch(`http://${http}${path}`, { method: 'POST', body: body(s, series, ts), headers: { ...headers, Authorization: `Bearer ${token}`, 'X-Vigil-Sender': `bench-${kind}-${s}` } });
      await response.arrayBuffer();
      if (response.ok) {
        samples += series;
        latencies.push(performance.now() - started);
      } else failures++;
    }
  }));
  latencies.sort((a, b) => a - b);
  const elapsed = (performance.now() - t0) / 1000;
  return { rate: samples / elapsed, latencies, failures };
}
