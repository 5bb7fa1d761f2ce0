// The HTTP receivers against a real collector on a real SQLite file: remote-write and OTLP bodies
// built as senders build them, retries storing nothing twice, and bad input refused in the API's
// error shape with nothing stored.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { opentelemetry } from '@vigil/proto';
import { buildConfig } from '../../src/config/config.loader.js';
import { startCollector, type RunningCollector, type StartOptions } from '../../src/app.js';
import { SqliteSampleStore } from '../../src/storage/sqlite-sample-store.js';
import { StorageOverloadedError } from '../../src/storage/storage.errors.js';
import { failingAppends } from '../support/faulty-store.js';
import { REMOTE_WRITE_HEADERS, otlpBody, remoteWriteBody } from '../support/receiver-requests.js';

const TOKEN = 'agent-token-1';
const OWN_TOKEN = 'prometheus-eu1-token';

describe('HTTP receivers', () => {
  let dir: string | undefined;
  let collector: RunningCollector | undefined;
  afterEach(async () => {
    await collector?.close();
    collector = undefined;
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function start(store?: StartOptions['store']): Promise<RunningCollector> {
    dir = mkdtempSync(join(tmpdir(), 'vigil-receivers-'));
    const config = buildConfig({
      storage: { path: join(dir, 'vigil.db') },
      listen: { grpc: '127.0.0.1:0', http: '127.0.0.1:0' },
      auth: { agent_tokens: [TOKEN], agent_token_map: { 'prometheus-eu1': OWN_TOKEN } },
      ingest: { max_message_bytes: '64KiB' },
    });
    collector = await startCollector({ config, logLevels: false, store });
    return collector;
  }

  const post = (c: RunningCollector, path: string, body: Uint8Array, headers: Record<string, string>) =>
    fetch(`http://${c.httpAddress}${path}`, { method: 'POST', body, headers });
  const write = (c: RunningCollector, body: Uint8Array, headers: Record<string, string> = {}) =>
    post(c, '/api/v1/write', body, { ...REMOTE_WRITE_HEADERS, Authorization: `Bearer ${TOKEN}`, ...headers });
  const points = async (c: RunningCollector, metric: string) => {
    const out: Record<string, Array<[number, number]>> = {};
    for (const s of await c.store.findSeries({ metric })) out[key(s.labels)] = await c.store.queryRange(s.id, 0, Date.now() + 60_000);
    return out;
  };
  /** Labels in name order, as a map key. */
  const key = (labels: Record<string, string>) => JSON.stringify(Object.fromEntries(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1))));
  const metricsText = async (c: RunningCollector) => (await fetch(`http://${c.httpAddress}/metrics`)).text();

  it('stores a remote-write request once, even when it is sent again', async () => {
    const c = await start();
    const t = Date.now() - 60_000;
    const body = remoteWriteBody([
      { labels: { __name__: 'http_requests_total', job: 'shop', instance: 'web-1:8080', code: '200' }, samples: [[t, 10], [t + 15_000, 12]] },
      { labels: { __name__: 'queue_depth', job: 'billing', empty: '' }, samples: [[t, 3]] },
    ]);
    const first = await write(c, body, { 'X-Vigil-Sender': 'prom-a' });
    expect(first.status).toBe(204);
    expect(await c.store.countSamples()).toBe(3);
    const again = await write(c, body, { 'X-Vigil-Sender': 'prom-a' });
    expect(again.status).toBe(204);
    expect(await c.store.countSamples()).toBe(3);
    expect(await points(c, 'http_requests_total')).toEqual({
      [key({ agent: 'remote_write:prom-a', code: '200', host: 'prom-a', instance: 'web-1:8080', job: 'shop' })]: [[t, 10], [t + 15_000, 12]],
    });
    expect((await c.store.findSeries({ metric: 'queue_depth' }))[0]!.labels).toEqual({ agent: 'remote_write:prom-a', host: 'prom-a', job: 'billing' });
    // A resend overlapping what is stored keeps only the new sample.
    const overlap = remoteWriteBody([{ labels: { __name__: 'http_requests_total', job: 'shop', instance: 'web-1:8080', code: '200' }, samples: [[t + 15_000, 12], [t + 30_000, 15]] }]);
    expect((await write(c, overlap, { 'X-Vigil-Sender': 'prom-a' })).status).toBe(204);
    expect(await c.store.countSamples()).toBe(4);
    const text = await metricsText(c);
    expect(text).toContain('vigil_receiver_samples_total{receiver="remote_write"} 4');
    expect(text).toContain('vigil_receiver_samples_dropped_total{receiver="remote_write",reason="duplicate"} 4');
    expect(text).toContain('vigil_receiver_requests_total{receiver="remote_write",code="204"} 3');
  });

  it('lists each sender in /api/agents with its kind; a per-agent token names its sender', async () => {
    const c = await start();
    const body = remoteWriteBody([{ labels: { __name__: 'app_up', job: 'x' }, samples: [[Date.now(), 1]] }]);
    expect((await write(c, body, { Authorization: `Bearer ${OWN_TOKEN}` })).status).toBe(204);
    expect((await write(c, body, { 'X-Vigil-Sender': 'prometheus-eu1' })).status).toBe(401); // the shared token may not speak for it
    expect((await write(c, body, { 'X-Vigil-Sender': 'bad name' })).status).toBe(400);
    expect((await post(c, '/v1/metrics', await otlpBody({ name: 'shop', instance: 'i-1' }, (m) => m.createGauge('temp').record(1)), { 'Content-Type': 'application/x-protobuf', Authorization: `Bearer ${TOKEN}` })).status).toBe(200);
    const agents = (await (await fetch(`http://${c.httpAddress}/api/agents`)).json()) as Array<{ id: string; kind: string; hostname: string; connected: boolean }>;
    expect(agents.map((a) => [a.id, a.kind, a.hostname, a.connected])).toEqual([
      ['otlp:default', 'otlp', 'default', true],
      ['remote_write:prometheus-eu1', 'remote_write', 'prometheus-eu1', true],
    ]);
  });

  it('refuses bad requests in the API error shape and stores nothing', async () => {
    const c = await start();
    const body = remoteWriteBody([{ labels: { __name__: 'app_up', job: 'x' }, samples: [[Date.now(), 1]] }]);
    const cases: Array<[Response, number, unknown]> = [
      [await write(c, body, { Authorization: '' }), 401, { error: 'unauthorized', message: 'missing or unknown agent token (Authorization: Bearer <a token of auth.agent_tokens or auth.agent_token_map>)' }],
      [await write(c, body, { Authorization: 'Bearer nope' }), 401, { error: 'unauthorized', message: expect.stringContaining('missing or unknown agent token') }],
      [await write(c, Buffer.from('not snappy at all')), 400, { error: 'invalid request', message: expect.stringMatching(/^body is not snappy block-compressed data/) }],
      [await write(c, body, { 'Content-Type': 'text/plain' }), 415, { error: 'unsupported media type', message: 'Content-Type must be application/x-protobuf, got "text/plain"' }],
      [await write(c, body, { 'Content-Encoding': 'gzip' }), 415, { error: 'unsupported media type', message: 'Content-Encoding must be snappy (remote write 1.0), got "gzip"' }],
      [await write(c, Buffer.alloc(70 * 1024, 1)), 413, { error: 'payload too large', message: 'body over the limit of 65536 bytes (ingest.max_message_bytes)' }],
      [await post(c, '/v1/metrics', Buffer.from([0x0a, 0xff]), { 'Content-Type': 'application/x-protobuf', Authorization: `Bearer ${TOKEN}` }), 400, { error: 'invalid request', message: expect.stringMatching(/^body is not an OTLP ExportMetricsServiceRequest/) }],
      [await post(c, '/v1/metrics', Buffer.from('{}'), { 'Content-Type': 'application/json', Authorization: `Bearer ${TOKEN}` }), 415, { error: 'unsupported media type', message: 'Content-Type must be application/x-protobuf, got "application/json"; OTLP/JSON is not accepted, export OTLP/HTTP protobuf' }],
    ];
    for (const [response, status, json] of cases) {
      expect(response.status).toBe(status);
      expect(await response.json()).toEqual(json);
    }
    expect(await c.store.countSamples()).toBe(0);
  });

  it('stores the valid series of a request and answers 400 naming the refused ones; stale markers are no samples', async () => {
    const c = await start();
    const t = Date.now() - 1000;
    const staleNaN = new DataView(new ArrayBuffer(8));
    staleNaN.setUint32(0, 0x7ff00000);
    staleNaN.setUint32(4, 2);
    const body = remoteWriteBody([
      { labels: { __name__: 'bad-name', job: 'x' }, samples: [[t, 1]] },
      { labels: { __name__: 'has_host', host: 'h1' }, samples: [[t, 1]] },
      { labels: { __name__: 'not_finite' }, samples: [[t, Number.POSITIVE_INFINITY]] },
    ], [
      // Built as objects: V8 canonicalises a NaN stored in a numeric array literal, losing the marker's bits.
      { labels: [{ name: '__name__', value: 'ok_total' }, { name: 'job', value: 'x' }], samples: [{ timestamp: t, value: 1 }, { timestamp: t + 1, value: staleNaN.getFloat64(0) }] },
    ]);
    const response = await write(c, body);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: 'invalid request',
      message: '3 samples refused (the others were stored): invalid metric name "bad-name"; has_host: label host is set by the collector; not_finite: value Infinity',
    });
    expect(await points(c, 'ok_total')).toEqual({ [key({ agent: 'remote_write:default', host: 'default', job: 'x' })]: [[t, 1]] });
    expect(await c.store.countSamples()).toBe(1);
    expect(await metricsText(c)).toContain('vigil_receiver_samples_dropped_total{receiver="remote_write",reason="stale_marker"} 1');
  });

  it('drops the names the collector exposes itself, as gRPC ingest does, and counts them without failing the request', async () => {
    const c = await start();
    const t = Date.now() - 1000;
    const body = remoteWriteBody([
      { labels: { __name__: 'up', job: 'vigil-collector' }, samples: [[t, 0]] },
      { labels: { __name__: 'vigil_receiver_requests_total', receiver: 'otlp', code: '204' }, samples: [[t, 5]] },
      { labels: { __name__: 'app_requests_total', job: 'shop' }, samples: [[t, 7]] },
    ]);
    expect((await write(c, body)).status).toBe(204);
    expect(await c.store.countSamples()).toBe(1);
    expect(await points(c, 'app_requests_total')).toEqual({ [key({ agent: 'remote_write:default', host: 'default', job: 'shop' })]: [[t, 7]] });
    expect(await metricsText(c)).toContain('vigil_receiver_samples_dropped_total{receiver="remote_write",reason="reserved_metric_name"} 2');
  });

  it('answers 503 when storage refuses for now, and the retry stores only what is missing', async () => {
    let refuse = true;
    const c = await start(async (db) =>
      failingAppends(await SqliteSampleStore.open(db), (b) => (refuse && b.series[0]!.metric === 'b_total' ? new StorageOverloadedError('queue_full', 'queue full') : undefined)),
    );
    const t = Date.now() - 1000;
    const body = remoteWriteBody([
      { labels: { __name__: 'a_total' }, samples: [[t, 1]] },
      { labels: { __name__: 'b_total' }, samples: [[t, 2]] },
    ]);
    const first = await write(c, body);
    expect(first.status).toBe(503);
    expect(await first.json()).toEqual({ error: 'service unavailable', message: 'storage overloaded (queue_full), retry later' });
    expect(await c.store.countSamples()).toBe(1);
    refuse = false;
    expect((await write(c, body)).status).toBe(204);
    expect((await write(c, body)).status).toBe(204);
    expect(await c.store.countSamples()).toBe(2);
  });

  it('maps OTLP from the official SDK exporter to Prometheus series, and a resent export stores nothing new', async () => {
    const c = await start();
    const exporter = new OTLPMetricExporter({ url: `http://${c.httpAddress}/v1/metrics`, headers: { Authorization: `Bearer ${TOKEN}`, 'X-Vigil-Sender': 'otel-gw' } });
    const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
    const provider = new MeterProvider({ resource: resourceFromAttributes({ 'service.name': 'shop', 'service.namespace': 'eu', 'service.instance.id': 'web-1' }), readers: [reader] });
    const meter = provider.getMeter('shop-meter', '1.2.0');
    meter.createCounter('http.server.requests', { unit: '{request}' }).add(5, { 'http.route': '/cart', 'http.response.status_code': 200 });
    meter.createHistogram('http.server.request.duration', { unit: 's', advice: { explicitBucketBoundaries: [0.1, 0.5] } }).record(0.3, { 'http.route': '/cart' });
    meter.createUpDownCounter('queue.depth').add(7);
    await provider.shutdown(); // exports once, the last collection

    const base = { agent: 'otlp:otel-gw', host: 'otel-gw', instance: 'web-1', job: 'eu/shop', otel_scope_name: 'shop-meter', otel_scope_version: '1.2.0' };
    const only = async (metric: string) => {
      const all = await points(c, metric);
      return Object.fromEntries(Object.entries(all).map(([labels, p]) => [labels, p.map(([, v]) => v)]));
    };
    expect(await only('http_server_requests_total')).toEqual({ [key({ ...base, http_response_status_code: '200', http_route: '/cart' })]: [5] });
    const route = { ...base, http_route: '/cart' };
    expect(await only('http_server_request_duration_seconds_bucket')).toEqual({
      [key({ ...route, le: '+Inf' })]: [1],
      [key({ ...route, le: '0.1' })]: [0],
      [key({ ...route, le: '0.5' })]: [1],
    });
    expect(await only('http_server_request_duration_seconds_sum')).toEqual({ [key(route)]: [0.3] });
    expect(await only('http_server_request_duration_seconds_count')).toEqual({ [key(route)]: [1] });
    expect(await only('queue_depth')).toEqual({ [key(base)]: [7] });
    const stored = await c.store.countSamples();
    expect(stored).toBe(7);

    // The same bytes twice (an exporter's retry): answered with an empty response, nothing stored twice.
    const body = await otlpBody({ name: 'shop', instance: 'web-2' }, (m) => m.createCounter('jobs.done').add(3));
    const headers = { 'Content-Type': 'application/x-protobuf', Authorization: `Bearer ${TOKEN}` };
    for (let i = 0; i < 2; i++) {
      const response = await post(c, '/v1/metrics', body, headers);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('application/x-protobuf');
      expect(opentelemetry.proto.ExportMetricsServiceResponse.decode(new Uint8Array(await response.arrayBuffer())).partialSuccess).toBeNull();
    }
    expect(await c.store.countSamples()).toBe(stored + 1);
  });

  it('refuses delta temporality point by point with partial_success', async () => {
    const c = await start();
    const body = await otlpBody({ name: 'shop', instance: 'web-1' }, (m) => {
      m.createCounter('orders').add(2);
      m.createGauge('temperature', { unit: 'Cel' }).record(21.5);
    }, true);
    const response = await post(c, '/v1/metrics', body, { 'Content-Type': 'application/x-protobuf', Authorization: `Bearer ${TOKEN}` });
    expect(response.status).toBe(200);
    const answer = opentelemetry.proto.ExportMetricsServiceResponse.decode(new Uint8Array(await response.arrayBuffer()));
    expect(answer.partialSuccess).toMatchObject({ rejectedDataPoints: 1, errorMessage: 'orders: delta temporality is not accepted; export cumulative sums' });
    expect((await c.store.findSeries({})).map((s) => s.metric)).toEqual(['temperature_celsius']);
  });
});
