// What one /metrics scrape costs the collector's event loop with 100,000 agent series (the ingest
// bench's fleet: 1,000 agents x 100 series of vigil_bench_value): the FleetExporter and the exposition
// of the built collector in this process, the store faked (its latest() is the same for both paths).
// Prints, per format, for prom-client's formatting (registry.metrics(), what /metrics did before the
// fifth pass) and for MetricsExposition.write (what it does now): time per scrape, the longest stretch
// the event loop was held, and bytes; rows are scrapes after the first (label texts cached), whose
// cost is printed first. --expose-gc collects before each scrape.
//   BENCH_AGENTS (1000)  BENCH_SERIES (100 per agent)  BENCH_SCRAPES (5)
import 'reflect-metadata';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Writable } from 'node:stream';
import { root } from './lib/processes.mjs';

const dist = (path) => import(join(process.env.BENCH_COLLECTOR_ROOT ?? root, 'collector/dist', path));
const { Registry, Counter, Histogram } = await import('prom-client');
const { FleetExporter } = await dist('metrics/fleet.exporter.js');
const { MetricsExposition, openMetricsView } = await dist('metrics/metrics.exposition.js');
const { CollectorEvents } = await dist('common/events.js');

const AGENTS = Number(process.env.BENCH_AGENTS ?? 1000);
const SERIES = Number(process.env.BENCH_SERIES ?? 100);
const SCRAPES = Number(process.env.BENCH_SCRAPES ?? 5);
const now = Date.now();

const series = [];
const latest = new Map();
for (let a = 0; a < AGENTS; a++) {
  for (let i = 0; i < SERIES; i++) {
    const id = series.length + 1;
    series.push({ id, metric: 'vigil_bench_value', labels: { cpu: String(i), agent: `bench-agent-${a}`, host: `bench-host-${a}` }, kind: 'gauge' });
    latest.set(id, [now - 1_000, (id * 7919) % 100_003 / 8]);
  }
}
const store = { findSeries: async () => series, latest: async () => new Map(latest) };
const registry = new Registry();
new Counter({ name: 'vigil_ingest_samples_total', help: 'h', registers: [registry] }).inc(5);
new Histogram({ name: 'vigil_ingest_ack_latency_seconds', help: 'h', registers: [registry] }).observe(0.01);
// A clock that moves 1 s per read, so each scrape takes a fresh snapshot of latest() in both paths.
let tick = now;
const fleet = new FleetExporter(registry, store, { now: () => (tick += 1_000) }, new CollectorEvents());
await fleet.onModuleInit();
const exposition = new MetricsExposition(registry, fleet);

/** Runs `scrape` while a setImmediate chain records the longest gap between its turns. */
async function measure(scrape) {
  let longest = 0;
  let last = performance.now();
  let running = true;
  const beat = () => {
    const t = performance.now();
    longest = Math.max(longest, t - last);
    last = t;
    if (running) setImmediate(beat);
  };
  setImmediate(beat);
  const start = performance.now();
  const bytes = await scrape();
  const total = performance.now() - start;
  running = false;
  await new Promise((r) => setImmediate(r));
  return { total, longest: Math.max(longest, performance.now() - last), bytes };
}

const promClient = (openMetrics) => async () => {
  const body = openMetrics ? await openMetricsView(registry).metrics() : await registry.metrics();
  return Buffer.byteLength(body);
};
const chunked = (openMetrics) => async () => {
  let bytes = 0;
  const sink = new Writable({ write(chunk, _enc, done) { bytes += chunk.length; done(); } });
  await exposition.write(sink, openMetrics);
  return bytes;
};

const ms = (v) => `${v.toFixed(1)} ms`;
const MiB = (v) => `${(v / 2 ** 20).toFixed(1)} MiB`;
const first = await measure(chunked(false));
console.log(`${series.length} fleet series, ${SCRAPES} scrapes per row after one warm-up (median; longest block max)`);
console.log(`first chunked scrape (builds the label texts): total ${ms(first.total)}, longest block ${ms(first.longest)}`);
for (const openMetrics of [false, true]) {
  for (const [name, scrape] of [['prom-client formatter', promClient(openMetrics)], ['chunked exposition', chunked(openMetrics)]]) {
    await measure(scrape);
    const runs = [];
    for (let i = 0; i < SCRAPES; i++) {
      globalThis.gc?.();
      runs.push(await measure(scrape));
    }
    const med = (key) => runs.map((r) => r[key]).sort((x, y) => x - y)[Math.floor(runs.length / 2)];
    console.log(`${openMetrics ? 'openmetrics' : 'prometheus '} ${name.padEnd(22)} total ${ms(med('total'))}  longest block ${ms(med('longest'))} (max ${ms(Math.max(...runs.map((r) => r.longest)))})  ${MiB(runs[0].bytes)}`);
  }
}
