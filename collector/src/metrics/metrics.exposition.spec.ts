import { PassThrough, Writable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { ManualClock } from '../common/clock.js';
import { CollectorEvents } from '../common/events.js';
import { MemorySampleStore } from '../../test/support/memory-sample-store.js';
import { FLEET_STALENESS_MS, FleetExporter } from './fleet.exporter.js';
import { MetricsExposition, openMetricsView } from './metrics.exposition.js';

const NOW = 1_800_000_000_000;

/**
 * A registry as the collector holds it: its own metrics (registered before and after fleet families),
 * and fleet families of both kinds with labels to escape, stale series, NaN and infinities, series
 * left out for their names or labels, and one family large enough to take several chunks.
 */
async function collectorWithFleet() {
  const registry = new Registry();
  const clock = new ManualClock(NOW);
  const store = new MemorySampleStore();
  const events = new CollectorEvents();
  new Counter({ name: 'vigil_ingest_samples_total', help: 'Samples stored.', labelNames: ['reason'], registers: [registry] }).inc({ reason: 'a\\b"c\nd' }, 3);
  new Histogram({ name: 'vigil_ingest_ack_latency_seconds', help: 'Ack latency with a \\ and a\nnewline.', buckets: [0.1, 1], registers: [registry] }).observe(0.5);
  const fresh = NOW - 1_000;
  store.put('vigil_cpu_seconds_total', { agent: 'a1', host: 'h\\1', mode: 'user' }, [[fresh, 12.5]], 'counter');
  store.put('vigil_cpu_seconds_total', { agent: 'a2', host: 'h "2"', mode: 'multi\nline' }, [[fresh, Number.POSITIVE_INFINITY]], 'counter');
  store.put('vigil_memory_used_bytes', { agent: 'a1', host: 'h1' }, [[fresh, Number.NaN]]);
  store.put('vigil_memory_used_bytes', { agent: 'a2', host: 'h2' }, [[NOW - FLEET_STALENESS_MS - 1, 7]]);
  store.put('vigil_memory_used_bytes', { agent: 'a3', host: 'h3' }, [[NOW - FLEET_STALENESS_MS, -0]]);
  store.put('vigil_temperature_celsius', { agent: 'a1', host: 'h1' }, [[fresh, Number.NEGATIVE_INFINITY]]);
  store.put('vigil_all_stale_ratio', { agent: 'a1', host: 'h1' }, [[NOW - FLEET_STALENESS_MS - 60_000, 0.5]]);
  store.put('vigil_requests', { agent: 'a1', host: 'h1' }, [[fresh, 1]], 'counter');
  store.put('vigil_queue_depth', { agent: 'a1', host: 'h1', badLabel: 'x' }, [[fresh, 1]]);
  store.put('vigil_ingest_samples', { agent: 'a1', host: 'h1' }, [[fresh, 1]]);
  store.put('vigil_no_labels_ratio', {}, [[fresh, 0.25]]);
  for (let i = 0; i < 4_500; i++) store.put('vigil_load1', { agent: `agent-${i}`, host: `host-${i}` }, [[fresh - (i % 7), i / 8]]);
  const fleet = new FleetExporter(registry, store, clock, events);
  await fleet.onModuleInit();
  // A family first seen after start, after a collector metric registered meanwhile.
  new Gauge({ name: 'vigil_storage_log_samples', help: 'Samples in the log.', registers: [registry] }).set(4);
  const late = store.put('vigil_disk_used_ratio', { agent: 'a1', host: 'h1', mount: '/' }, [[fresh, 0.75]]);
  events.emit('samples', [{ series: late, timestamps: [fresh], values: [0.75] }]);
  return { registry, exposition: new MetricsExposition(registry, fleet) };
}

async function written(exposition: MetricsExposition, openMetrics: boolean): Promise<string> {
  const out = new PassThrough();
  const body = text(out);
  await exposition.write(out, openMetrics);
  return body;
}

describe('MetricsExposition', () => {
  it('writes the Prometheus text prom-client writes, byte for byte', async () => {
    const { registry, exposition } = await collectorWithFleet();
    const expected = await registry.metrics();
    const actual = await written(exposition, false);
    expect(actual).toBe(expected);
    // The comparison covers what matters: escaping, special values, staleness and left-out rules.
    expect(actual).toContain('vigil_cpu_seconds_total{agent="a1",host="h\\\\1",mode="user"} 12.5\n');
    expect(actual).toContain('vigil_cpu_seconds_total{agent="a2",host="h \\"2\\"",mode="multi\\nline"} +Inf\n');
    expect(actual).toContain('vigil_memory_used_bytes{agent="a1",host="h1"} Nan\nvigil_memory_used_bytes{agent="a3",host="h3"} 0\n');
    expect(actual).toContain('vigil_temperature_celsius{agent="a1",host="h1"} -Inf\n');
    expect(actual).toContain('# TYPE vigil_all_stale_ratio gauge\n\n');
    expect(actual).toContain('vigil_no_labels_ratio 0.25\n');
    expect(actual).not.toMatch(/vigil_requests|vigil_queue_depth\{|host="h2"/);
    expect(actual.match(/^vigil_load1\{/gm)).toHaveLength(4_500);
    expect(actual.indexOf('vigil_storage_log_samples 4')).toBeLessThan(actual.indexOf('vigil_disk_used_ratio{'));
  });

  it('writes the OpenMetrics text prom-client writes, byte for byte, counters renamed and # EOF last', async () => {
    const { registry, exposition } = await collectorWithFleet();
    const expected = await openMetricsView(registry).metrics();
    const actual = await written(exposition, true);
    expect(actual).toBe(expected);
    expect(actual).toContain('# TYPE vigil_cpu_seconds counter\nvigil_cpu_seconds_total{agent="a1",host="h\\\\1",mode="user"} 12.5\n');
    expect(actual).toContain('# TYPE vigil_ingest_samples counter\nvigil_ingest_samples_total{reason=');
    expect(actual.endsWith('vigil_disk_used_ratio{agent="a1",host="h1",mount="/"} 0.75\n# EOF\n')).toBe(true);
  });

  it('yields to the event loop between chunks of a large family', async () => {
    const { exposition } = await collectorWithFleet();
    let turns = 0;
    const count = () => {
      turns++;
      if (turns < 1_000) setImmediate(count);
    };
    setImmediate(count);
    const chunks: number[] = [];
    const out = new PassThrough();
    out.on('data', (chunk: Buffer) => chunks.push(chunk.length));
    const settled = exposition.write(out, false).then(() => turns);
    // 4,500 fleet series in chunks of 2,000: the loop ran between them, and the text came in pieces.
    expect(await settled).toBeGreaterThanOrEqual(2);
    expect(chunks.length).toBeGreaterThanOrEqual(3);
  });

  it('stops waiting and writing when the scraper goes away mid-response', async () => {
    const { registry, exposition } = await collectorWithFleet();
    const whole = Buffer.byteLength(await registry.metrics());
    let received = 0;
    // A scraper that reads the first chunk, never takes more (the socket stays full), then hangs up.
    const out = new Writable({
      highWaterMark: 1,
      write(chunk: Buffer) {
        received += chunk.length;
        setTimeout(() => out.destroy(), 20);
      },
    });
    await exposition.write(out, false);
    expect(received).toBeGreaterThan(0);
    expect(received).toBeLessThan(whole / 2);
  });
});
