// Capacity benchmark (issue 5). Prints figures, not a test. Run after `npx tsc --build`:
//   node bench/capacity.mjs
//   BENCH_FORECAST_SERIES (10000)   series forecast from 30 days of hourly points, in memory
//   BENCH_SERVICE_RESOURCES (10000) resources forecast end to end by CapacityService from SQLite rollups
//   BENCH_CAPACITY_WORKERS (capacity.workers default: up to 2 cores) forecast worker threads of the service
//   BENCH_ACCURACY_SEEDS (20)       synthetic series per accuracy case
//   BENCH_ROLLUP_RATE (50000)       samples/s offered to a real collector process; BENCH_ROLLUP_SECONDS (15)
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { credentials, makeGenericClientConstructor, Metadata } from '@grpc/grpc-js';
import { IngestService, vigil } from '@vigil/proto';
import { fmt, processUsage, startCollector } from './lib/processes.mjs';

const dist = new URL('../collector/dist/', import.meta.url);
const { forecastSeries, DEFAULT_FORECAST_OPTIONS } = await import(new URL('capacity/domain/forecast.js', dist));
const { fitLinear } = await import(new URL('capacity/domain/linear.js', dist));
const { syntheticSeries, syntheticTruth, syntheticThreshold, syntheticCrossingMs } = await import(new URL('capacity/domain/synthetic.js', dist));
const { CapacityService } = await import(new URL('capacity/capacity.service.js', dist));
const { CapacityRepository } = await import(new URL('capacity/capacity.repository.js', dist));
const { CapacityInputs } = await import(new URL('capacity/capacity-inputs.js', dist));
const { RollupsService } = await import(new URL('rollups/rollups.service.js', dist));
const { RollupsRepository } = await import(new URL('rollups/rollups.repository.js', dist));
const { CollectorEvents } = await import(new URL('common/events.js', dist));
const { ManualClock } = await import(new URL('common/clock.js', dist));
const { buildConfig } = await import(new URL('config/config.loader.js', dist));
const { SqliteDatabase } = await import(new URL('database/sqlite-database.js', dist));
const { migrate } = await import(new URL('database/migrations.js', dist));
const { allMigrations } = await import(new URL('all-migrations.js', dist));
const { openSampleStore } = await import(new URL('storage/open-store.js', dist));

const H = 3_600_000;
const D = 86_400_000;
const env = (name, fallback) => Number(process.env[name] ?? fallback);
const START = Date.UTC(2026, 9, 1);
const HOURS = 30 * 24;
const BASE = { startMs: START, hours: HOURS, base: 0.45, slopePerDay: 0.01, dailyAmplitude: 0.06, weeklyAmplitude: 0.02, noiseSd: 0.01 };
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** What predict_linear would say: least squares over the whole history, extrapolated. */
function linearBaseline(series) {
  const fit = fitLinear(Float64Array.from(series.values, (_, i) => i), series.values);
  return { at: (i) => fit.intercept + fit.slope * i, crossingMs: (threshold) => START + ((threshold - fit.intercept) / fit.slope) * H };
}

// ---- 1. Accuracy on synthetic series with a known truth -------------------------------------------
function accuracy() {
  const seeds = env('BENCH_ACCURACY_SEEDS', 20);
  console.log(`\n-- accuracy: ${seeds} seeds per case, 30 days hourly, threshold reached ~14 days after the history --`);
  console.log('case                    | time-to-threshold error: model (mean / max) | linear regression (mean / max) | ratio | 14-day MAPE: model | linear | seasonal naive');
  for (const [name, extra] of [['seasonal + trend', {}], ['... + step 10 d before', { step: { atHour: 20 * 24, size: 0.08 } }]]) {
    const model = [];
    const linear = [];
    const mape = { model: [], linear: [], naive: [] };
    const chosen = new Map();
    for (let seed = 1; seed <= seeds; seed++) {
      const spec = { ...BASE, ...extra, seed };
      const series = syntheticSeries(spec);
      const threshold = syntheticThreshold(spec, 14);
      const origin = START + (HOURS - 1) * H;
      const truth = syntheticCrossingMs(spec, threshold, 90 * 24);
      const r = forecastSeries(series, { ...DEFAULT_FORECAST_OPTIONS, threshold, pathStepMs: H });
      if (r.status !== 'ok') throw new Error(`seed ${seed}: ${r.message}`);
      chosen.set(r.model, (chosen.get(r.model) ?? 0) + 1);
      const base = linearBaseline(series);
      model.push(Math.abs(r.exhaustion.expectedMs - truth) / (truth - origin));
      linear.push(Math.abs(base.crossingMs(threshold) - truth) / (truth - origin));
      // Value forecasts over the next 14 days against the noise-free truth, hour by hour.
      const errors = { model: [], linear: [], naive: [] };
      for (let h = 1; h <= 14 * 24; h++) {
        const i = HOURS - 1 + h;
        const actual = syntheticTruth(spec, i);
        errors.model.push(Math.abs(r.path[h - 1].mean - actual) / actual);
        errors.linear.push(Math.abs(base.at(i) - actual) / actual);
        // Seasonal naive: the same hour of the last observed week.
        errors.naive.push(Math.abs(series.values[HOURS - 168 + ((h - 1) % 168)] - actual) / actual);
      }
      for (const k of Object.keys(mape)) mape[k].push(mean(errors[k]));
    }
    const pct = (x) => `${fmt(x * 100, 2)} %`;
    console.log(
      `${name.padEnd(23)} | ${pct(mean(model))} / ${pct(Math.max(...model))}`.padEnd(70) +
        ` | ${pct(mean(linear))} / ${pct(Math.max(...linear))}`.padEnd(33) +
        ` | ${fmt(mean(linear) / mean(model), 1)}x | ${pct(mean(mape.model))} | ${pct(mean(mape.linear))} | ${pct(mean(mape.naive))}`,
    );
    console.log(`${''.padEnd(23)}   models chosen: ${[...chosen].map(([m, n]) => `${m} ${n}`).join(', ')}; within 5 % of the truth: ${model.filter((e) => e < 0.05).length} of ${model.length} seeds (target: all)`);
  }
}

// ---- 2. Forecasting throughput --------------------------------------------------------------------
function forecastThroughput() {
  const count = env('BENCH_FORECAST_SERIES', 10_000);
  const distinct = Math.min(count, 500);
  const series = Array.from({ length: distinct }, (_, i) =>
    syntheticSeries({ ...BASE, seed: i + 1, base: 0.2 + (i % 50) / 100, step: i % 3 === 0 ? { atHour: 480, size: 0.05 } : undefined }),
  );
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < count; i++) forecastSeries(series[i % distinct], { ...DEFAULT_FORECAST_OPTIONS, threshold: 0.9 });
  const cpu = process.cpuUsage(cpu0);
  const seconds = (performance.now() - t0) / 1000;
  console.log(`\n-- forecasting throughput (in memory, one thread): ${fmt(count)} series x ${HOURS} hourly points, 3 models + backtest each --`);
  console.log(`${fmt(seconds, 2)} s wall, ${fmt((cpu.user + cpu.system) / 1e6, 2)} s CPU: ${fmt(count / seconds)} series/s, ${fmt((seconds * 1000) / count, 3)} ms per series`);
  console.log(`(the models alone on one core: 10,000 series would take ${fmt((10_000 / count) * seconds, 2)} s; the service spreads them over its worker threads)`);
}

async function serviceThroughput(dir) {
  const resources = env('BENCH_SERVICE_RESOURCES', 10_000);
  const db = await SqliteDatabase.open({ path: join(dir, 'service.db') });
  await migrate(db, allMigrations);
  const store = await openSampleStore(db, { compaction: { auto: false } });
  const now = START + HOURS * H + 60_000;
  const clock = new ManualClock(now);
  const workers = process.env.BENCH_CAPACITY_WORKERS;
  const config = buildConfig(workers === undefined ? {} : { capacity: { workers: Number(workers) } });
  try {
    // One filesystem per host: a series in the store and 30 days of hourly rollup rows.
    const seriesIn = Array.from({ length: resources }, (_, i) => ({
      metric: 'vigil_filesystem_used_ratio',
      labels: { agent: `a${i}`, host: `host-${i}`, mountpoint: '/', fstype: 'ext4' },
      kind: 'gauge',
      timestamps: [now - 1000],
      values: [0.5],
    }));
    const { stored } = await store.append({ agentId: 'bench', epoch: 'e1', seq: 1, series: seriesIn });
    const rollupRepo = new RollupsRepository(db);
    const t0 = performance.now();
    const shapes = Array.from({ length: 200 }, (_, k) => syntheticSeries({ ...BASE, seed: k + 1, base: 0.3 + (k % 40) / 100 }).values);
    for (let i = 0; i < resources; i += 20) {
      const items = [];
      for (let j = i; j < Math.min(resources, i + 20); j++) {
        shapes[j % shapes.length].forEach((v, h) => items.push({ tier: '1h', seriesId: stored[j].series.id, start: START + h * H, bucket: { count: 360, sum: v * 360, min: v, max: v, last: v, lastMs: START + h * H } }));
      }
      await rollupRepo.merge(items);
    }
    const fillSeconds = (performance.now() - t0) / 1000;
    const rollups = new RollupsService(rollupRepo, new CollectorEvents(), store, clock, config.retention, true);
    const inputs = new CapacityInputs(rollups, store, config.capacity);
    const capacity = new CapacityService(new CapacityRepository(db), inputs, clock, config.capacity, true);
    await capacity.onModuleInit(); // starts the worker pool
    const t1 = performance.now();
    const cpu0 = process.cpuUsage();
    const info = await capacity.recompute();
    const seconds = (performance.now() - t1) / 1000;
    const mainCpu = process.cpuUsage(cpu0);
    await capacity.onModuleDestroy();
    console.log(`\n-- CapacityService end to end (SQLite rollups -> forecasts): ${fmt(resources)} resources, ${fmt(resources * HOURS)} hourly rows (written in ${fmt(fillSeconds, 1)} s) --`);
    const tenThousand = (10_000 / resources) * seconds;
    console.log(`capacity.workers ${config.capacity.workers ?? 'default'}, ${availableParallelism()} cores available`);
    console.log(`${fmt(seconds, 2)} s: ${fmt(resources / seconds)} resources/s (${info.forecasts} forecasts, ${info.insufficient} insufficient, ${info.failures} failures); process CPU ${fmt((mainCpu.user + mainCpu.system) / 1e6, 2)} s`);
    console.log(`target 10,000 resources in <= 10 s on 2 cores: ${fmt(tenThousand, 1)} s: ${tenThousand <= 10 ? 'met' : 'NOT met'}`);
  } finally {
    await store.close();
    await db.close();
  }
}

/** Upsert throughput of bucket rows per tier (bytesPerTier), to estimate what the flushes cost. */
const mergeRate = {};

// ---- 3. Rollup bytes per tier ---------------------------------------------------------------------
async function bytesPerTier(dir) {
  const rows = 100_000;
  console.log(`\n-- storage per rollup tier (${fmt(rows)} buckets each, SQLite file growth after checkpoint) --`);
  for (const [tier, samplesPerBucket] of [['1m', 6], ['1h', 360]]) {
    const path = join(dir, `bytes-${tier}.db`);
    const db = await SqliteDatabase.open({ path });
    await migrate(db, allMigrations);
    await db.maintenance('PRAGMA wal_checkpoint(TRUNCATE)');
    const before = statSync(path).size;
    const repo = new RollupsRepository(db);
    const t0 = performance.now();
    const width = tier === '1m' ? 60_000 : H;
    const seriesCount = 1000;
    for (let s = 0; s < seriesCount; s++) {
      const items = Array.from({ length: rows / seriesCount }, (_, k) => {
        const v = 0.5 + Math.sin(k + s) / 10;
        return { tier, seriesId: s + 1, start: START + k * width, bucket: { count: samplesPerBucket, sum: v * samplesPerBucket, min: v - 0.01, max: v + 0.01, last: v, lastMs: START + k * width + width - 1 } };
      });
      await repo.merge(items);
    }
    const mergeSeconds = (performance.now() - t0) / 1000;
    await db.maintenance('PRAGMA wal_checkpoint(TRUNCATE)');
    const bytes = (statSync(path).size - before) / rows;
    await db.close();
    mergeRate[tier] = rows / mergeSeconds;
    console.log(`${tier}: ${fmt(bytes, 1)} bytes per bucket row = ${fmt(bytes / samplesPerBucket, 3)} bytes per raw sample summarised (at a 10 s agent interval, ${samplesPerBucket} samples per bucket); merge ${fmt(mergeRate[tier])} rows/s`);
  }
}

// ---- 4. Rollup maintenance cost under ingest -----------------------------------------------------
async function rollupCost(dir) {
  const rate = env('BENCH_ROLLUP_RATE', 50_000);
  const seconds = env('BENCH_ROLLUP_SECONDS', 15);
  const agents = 50;
  const seriesPerAgent = 100;
  const perSecond = rate / (agents * seriesPerAgent); // batches per second per agent, one sample per series
  const token = 'bench-capacity-token';
  const { child, grpc, http } = await startCollector(['--db', join(dir, 'rollup.db'), '--grpc-listen', '127.0.0.1:0', '--http-listen', '127.0.0.1:0', '--agent-token', token]);
  const listenerCpu = async () => {
    const text = await (await fetch(`http://${http}/metrics`)).text();
    return Number(/^vigil_rollup_listener_cpu_seconds_total (\S+)/m.exec(text)?.[1] ?? NaN);
  };
  const metric = async (name) => Number(new RegExp(`^${name} (\\S+)`, 'm').exec(await (await fetch(`http://${http}/metrics`)).text())?.[1] ?? NaN);
  try {
    const Client = makeGenericClientConstructor(IngestService, 'Ingest');
    const client = new Client(grpc, credentials.createInsecure());
    let acked = 0;
    let running = true;
    const timers = [];
    const streams = [];
    for (let a = 0; a < agents; a++) {
      const md = new Metadata();
      md.set('authorization', `Bearer ${token}`);
      const call = client.stream(md);
      const metrics = ['vigil_cpu_mode_ratio', 'vigil_network_receive_bytes_total'];
      let seq = 0;
      let counter = 0;
      const send = () => {
        const ts = Date.now();
        counter += 1000;
        const series = Array.from({ length: seriesPerAgent }, (_, i) => ({
          metric: metrics[i % 2],
          labels: { n: String(i) },
          type: i % 2 ? vigil.v1.MetricType.METRIC_TYPE_COUNTER : vigil.v1.MetricType.METRIC_TYPE_GAUGE,
          timestampsMs: [ts],
          values: [i % 2 ? counter + i : (i % 10) / 10],
        }));
        call.write(vigil.v1.AgentMessage.create({ batch: { seq: ++seq, series, createdMs: ts } }));
      };
      streams.push(new Promise((resolve) => {
        call.on('data', (m) => {
          if (m.body === 'welcome') timers.push(setInterval(() => running && send(), 1000 / perSecond));
          if (m.body === 'ack') acked += seriesPerAgent;
        });
        call.on('error', resolve);
        call.on('end', resolve);
      }));
      call.write(vigil.v1.AgentMessage.create({ hello: { agentId: `rollup-bench-${a}`, hostname: `h${a}`, version: 'bench', streamEpoch: 'e1', intervalMs: 1000 } }));
      streams.at(-1).call = call;
    }
    await new Promise((r) => setTimeout(r, 3000)); // warm-up
    const cpu0 = processUsage(child.pid).cpuSeconds;
    const listener0 = await listenerCpu();
    const acked0 = acked;
    const written0 = await metric('vigil_rollup_written_buckets_total\\{tier="1m"\\}');
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const elapsed = (performance.now() - t0) / 1000;
    const cpu = processUsage(child.pid).cpuSeconds - cpu0;
    const listener = (await listenerCpu()) - listener0;
    const written = (await metric('vigil_rollup_written_buckets_total\\{tier="1m"\\}')) - written0;
    running = false;
    for (const t of timers) clearInterval(t);
    for (const s of streams) s.call.end();
    client.close();
    const ingested = (acked - acked0) / elapsed;
    console.log(`\n-- rollup maintenance under ingest: real collector process, ${agents} agents x ${seriesPerAgent} series, ${fmt(rate)} samples/s offered, ${fmt(elapsed, 1)} s --`);
    console.log(`acked ${fmt(ingested)} samples/s; collector CPU ${fmt((cpu / elapsed) * 100, 1)} % of one core`);
    console.log(`rollup listener (in-memory aggregation) ${fmt((listener / elapsed) * 100, 2)} % of one core = ${fmt((listener / cpu) * 100, 1)} % of the collector's CPU (target <= 15 %: ${listener / cpu <= 0.15 ? 'met' : 'NOT met'})`);
    // Each series gets one 1m bucket row a minute (written when it closes) and one 1h row an hour; the
    // window may hold no minute's flush, so their cost is taken from the measured upsert rate.
    const series = agents * seriesPerAgent;
    const writeShare = (series / 60 + series / 3600) / mergeRate['1m'];
    console.log(`bucket writes: ${fmt(series)} 1m rows a minute (+ ${fmt(series)} 1h rows an hour; ${fmt(written)} 1m rows flushed in the window) at ${fmt(mergeRate['1m'])} upserts/s = ~${fmt(writeShare * 100, 2)} % of one core`);
    console.log(`rollup maintenance in all: ~${fmt(((listener / elapsed + writeShare) / (cpu / elapsed)) * 100, 1)} % of the collector's CPU at this ingest rate`);
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-capacity-'));
try {
  accuracy();
  forecastThroughput();
  await serviceThroughput(dir);
  await bytesPerTier(dir);
  await rollupCost(dir);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
