// How long appends wait behind the store's maintenance on the one write connection: the real
// SqliteSampleStore and RollupsService in this process (no gRPC, no decoding), 1,000 writers x 100
// series paced at 100,000 samples/s, and during the run a rollup flush of every series' closed minute
// and a compaction round. Prints append latency (call -> durable) overall and during each, and the
// event loop's worst delay (what is left once no transaction holds the connection for long).
//   BENCH_SECONDS (16)  BENCH_COLLECTOR_ROOT (another checkout's built collector, for A/B runs)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { percentile, fmt, root } from './lib/processes.mjs';

const dist = (path) => import(join(process.env.BENCH_COLLECTOR_ROOT ?? root, 'collector/dist', path));
const { SqliteDatabase: Database } = await dist('database/sqlite-database.js');
const { migrate } = await dist('database/migrations.js');
const { SqliteSampleStore } = await dist('storage/sqlite-sample-store.js');
const { RollupsRepository } = await dist('rollups/rollups.repository.js');
const { RollupsService } = await dist('rollups/rollups.service.js');
const { rollupsMigrations } = await dist('rollups/rollups.migrations.js');
const { CollectorEvents } = await dist('common/events.js');

const WRITERS = 1000;
const SERIES = 100;
const RATE = 100_000;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 16);
const DAY = 86_400_000;

const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-waits-'));
try {
  const db = await Database.open({ path: join(dir, 'vigil.db') });
  await migrate(db, rollupsMigrations);
  const store = await SqliteSampleStore.open(db);
  // The flush below moves this clock three minutes ahead, so every series' current minute closes.
  let ahead = 0;
  const clock = { now: () => Date.now() + ahead };
  const retention = { raw: 30 * DAY, '1m': 90 * DAY, '1h': 400 * DAY, interval: DAY };
  // Background off: no timers; this script calls flush() itself.
  const rollups = new RollupsService(new RollupsRepository(db), new CollectorEvents(), store, clock, retention, true);
  const labels = Array.from({ length: WRITERS }, (_, w) => Array.from({ length: SERIES }, (_, i) => ({ agent: `w${w}`, cpu: String(i) })));
  const seqs = new Array(WRITERS).fill(0);
  const all = [];
  const during = { flush: [], compaction: [] };
  let phase;

  async function append(w, measured) {
    const ts = Date.now();
    const series = labels[w].map((l, i) => ({ metric: 'vigil_bench_value', labels: l, kind: 'gauge', timestamps: [ts], values: [i + ts] }));
    const t = performance.now();
    const { stored } = await store.append({ agentId: `w${w}`, epoch: 'bench', seq: ++seqs[w], series });
    rollups.onSamples(stored); // what the ingest event does
    if (!measured) return;
    const ms = performance.now() - t;
    all.push(ms);
    if (phase) during[phase].push(ms);
  }

  await Promise.all(Array.from({ length: WRITERS }, (_, w) => append(w, false))); // creates the series
  const loopDelay = monitorEventLoopDelay({ resolution: 5 });
  loopDelay.enable();
  let running = true;
  const everyMs = (WRITERS * SERIES * 1000) / RATE;
  const writers = Array.from({ length: WRITERS }, async (_, w) => {
    let due = performance.now() + Math.random() * everyMs;
    while (running) {
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      due += everyMs;
      if (running) await append(w, true);
    }
  });
  const started = performance.now();
  await new Promise((r) => setTimeout(r, 4000));
  phase = 'flush';
  ahead = 3 * 60_000;
  let t = performance.now();
  await rollups.flush();
  const flushMs = performance.now() - t;
  ahead = 0;
  phase = 'compaction';
  t = performance.now();
  await store.compact();
  const compactionMs = performance.now() - t;
  phase = undefined;
  await new Promise((r) => setTimeout(r, Math.max(0, SECONDS * 1000 - (performance.now() - started))));
  running = false;
  await Promise.all(writers);
  loopDelay.disable();

  const line = (values) => {
    if (values.length === 0) return 'no append completed';
    const sorted = [...values].sort((a, b) => a - b);
    return `p50 ${fmt(percentile(sorted, 50), 1)} ms, p99 ${fmt(percentile(sorted, 99), 1)} ms, max ${fmt(sorted.at(-1) ?? NaN, 1)} ms (${fmt(sorted.length)} appends)`;
  };
  console.log(`paced ${fmt(RATE)} samples/s, ${fmt(WRITERS * SERIES)} series, ${SECONDS} s`);
  console.log(`append latency              ${line(all)}`);
  console.log(`  during the rollup flush   ${line(during.flush)}: ${fmt(rollups.stats.flushedBuckets['1m'])} one-minute buckets in ${fmt(flushMs)} ms`);
  console.log(`  during a compaction round ${line(during.compaction)}: ${fmt(compactionMs)} ms`);
  console.log(`event loop delay            max ${fmt(loopDelay.max / 1e6)} ms, p99 ${fmt(loopDelay.percentile(99) / 1e6)} ms`);
  await store.close();
  await db.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
