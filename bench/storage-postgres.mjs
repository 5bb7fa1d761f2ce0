// The sample store on PostgreSQL beside SQLite, in the ingest pattern (each batch adds one point to
// each of 100 series): saturated append rate, then a paced run's latency, then compaction.
// Prints figures; asserts nothing. Needs a build first:  npm run build && node bench/storage-postgres.mjs
// Options: --seconds=10 --writers=1000 --series-per-batch=100 --rate=100000 --engines=sqlite,postgres
// PostgreSQL: a throwaway server (scripts/lib/postgres-server.mjs) with its default durability (fsync on).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openDatabase } from '../collector/dist/database/open-database.js';
import { openSampleStore } from '../collector/dist/storage/open-store.js';
import { startPostgres } from '../scripts/lib/postgres-server.mjs';

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
const SECONDS = Number(args.seconds ?? 10);
const WRITERS = Number(args.writers ?? 1000);
const SERIES = Number(args['series-per-batch'] ?? 100);
const RATE = Number(args.rate ?? 100_000);
const ENGINES = (args.engines ?? 'sqlite,postgres').split(',');
const T0 = 1_700_000_000_000;
const fmt = (n) => Math.round(n).toLocaleString('en-US');
const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

function batchOf(writer, seq) {
  const series = [];
  for (let i = 0; i < SERIES; i++) {
    series.push({ metric: 'bench_m', labels: { agent: `w${writer}`, s: String(i) }, kind: 'gauge', timestamps: [T0 + seq * 10_000], values: [Math.round((writer + i + seq) % 997) / 10] });
  }
  return { agentId: `w${writer}`, epoch: 'e1', seq, series };
}

async function run(name, settings) {
  const db = await openDatabase(settings);
  const store = await openSampleStore(db, { compaction: { auto: false }, followGraceMs: 0, maxLogSamples: 50_000_000, maxQueuedSamples: 10_000_000 });
  const seqs = new Array(WRITERS).fill(0);
  let commits = 0;
  store.onCommit(() => commits++);
  // Saturated, closed loop.
  let samples = 0;
  const until = performance.now() + SECONDS * 1000;
  const writer = async (w) => {
    while (performance.now() < until) {
      const { outcome } = await store.append(batchOf(w, ++seqs[w]));
      if (outcome.status === 'stored') samples += outcome.samples;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)));
  const secs = (performance.now() - started) / 1000;
  console.log(`${name}: saturated ${fmt(samples / secs)} durable samples/s (${WRITERS} writers x ${SERIES} series, ${commits} commits, ${fmt(samples / Math.max(commits, 1) / SERIES)} batches per commit)`);
  // Paced.
  const latencies = [];
  const interval = (SERIES / RATE) * 1000;
  const pacedEnd = performance.now() + 5000;
  const pending = [];
  let next = performance.now();
  let w = 0;
  while (performance.now() < pacedEnd) {
    while (next <= performance.now()) {
      const t = performance.now();
      const writerIndex = w++ % WRITERS;
      pending.push(store.append(batchOf(writerIndex, ++seqs[writerIndex])).then(() => latencies.push(performance.now() - t)));
      next += interval;
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  await Promise.all(pending);
  latencies.sort((a, b) => a - b);
  console.log(`${name}: paced at ${fmt(RATE)} samples/s: append latency p50 ${pct(latencies, 50).toFixed(1)} ms, p99 ${pct(latencies, 99).toFixed(1)} ms`);
  const logSamples = (await store.storageFootprint()).logSamples;
  const c0 = performance.now();
  await store.compact();
  const cs = (performance.now() - c0) / 1000;
  const fp = await store.storageFootprint();
  console.log(`${name}: compaction ${fmt(logSamples / cs)} samples/s (${fmt(logSamples)} samples); chunks ${(fp.chunkBytes / Math.max(fp.chunkSamples, 1)).toFixed(2)} bytes/sample`);
  const [ref] = await store.findSeries({ metric: 'bench_m', limit: 1 });
  const q = [];
  for (let i = 0; i < 50; i++) {
    const t = performance.now();
    await store.queryRange(ref.id, 0, Number.MAX_SAFE_INTEGER);
    q.push(performance.now() - t);
  }
  q.sort((a, b) => a - b);
  console.log(`${name}: queryRange of one series p50 ${pct(q, 50).toFixed(2)} ms`);
  await store.close();
  await db.close();
  // A restart: series, sequences and the latest point of every series (its head chunk) are loaded.
  const o0 = performance.now();
  const db2 = await openDatabase(settings);
  const reopened = await openSampleStore(db2, { compaction: { auto: false } });
  console.log(`${name}: reopen with ${fmt(reopened.stats().series)} series ${(performance.now() - o0).toFixed(0)} ms`);
  await reopened.close();
  await db2.close();
}

const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-pg-'));
try {
  if (ENGINES.includes('sqlite')) await run('sqlite', { driver: 'sqlite', path: join(dir, 'bench.db') });
  if (ENGINES.includes('postgres')) {
    const server = await startPostgres();
    try {
      await run('postgres', { driver: 'postgres', url: server.url });
    } finally {
      server.stop();
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
