// Storage benchmark: raw SQLite ceilings and the SqliteSampleStore measured in the same run.
// Prints figures; asserts nothing. Needs a build first:  npx tsc --build && node bench/storage.mjs
//
// Options (all optional): --seconds=10 --writers=1000 --series-per-batch=100 --durability=normal
//                         --rate=100000 (offered load of the paced latency run) --ceiling-seconds=4
//                         --query-series=50 --dir=/tmp/...
// The saturated run is closed-loop (every writer appends again as soon as its append resolves),
// so its latency is concurrency / throughput; the paced run shows latency at a fixed offered load.
import { mkdtempSync, rmSync, statSync, existsSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { SqliteDatabase } from '../collector/dist/database/sqlite-database.js';
import { SqliteSampleStore } from '../collector/dist/storage/sqlite-sample-store.js';
import { seededRandom } from '../collector/dist/storage/prng.js';

const args = Object.fromEntries(
  process.argv.slice(2).map((a) => {
    const [k, v] = a.replace(/^--/, '').split('=');
    return [k, v ?? 'true'];
  }),
);
const SECONDS = Number(args.seconds ?? 10);
const WRITERS = Number(args.writers ?? 1000);
const SERIES_PER_BATCH = Number(args['series-per-batch'] ?? 100);
const DURABILITY = args.durability === 'full' ? 'full' : 'normal';
const CEILING_SECONDS = Number(args['ceiling-seconds'] ?? 4);
const QUERY_SERIES = Number(args['query-series'] ?? 50);
const RATE = Number(args.rate ?? 100_000);
const T0 = 1_700_000_000_000;
const INTERVAL = 10_000; // simulated scrape interval: regular data, as agents produce

const dir = args.dir ?? mkdtempSync(join(tmpdir(), 'vigil-bench-storage-'));
const fmt = (n) => Math.round(n).toLocaleString('en-US');
const ms = (n) => `${n.toFixed(2)} ms`;
const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const fileBytes = (p) => ['', '-wal'].reduce((n, s) => n + (existsSync(p + s) ? statSync(p + s).size : 0), 0);

/** A value generator per series: half gauges (random walk, 2 decimals), half counters. */
function valueSource(seed) {
  const rnd = seededRandom(seed);
  return (seriesIndex, previous) => {
    if (seriesIndex % 2 === 0) return Math.round((previous ?? 50) * 100 + (rnd() - 0.5) * 200) / 100;
    return (previous ?? 0) + Math.floor(rnd() * 2000);
  };
}

async function openDb(name) {
  return SqliteDatabase.open({ path: join(dir, name), durability: DURABILITY });
}

// ----------------------------------------------------------------------------- raw ceilings

/** One row per sample keyed (series, ts), in the ingest pattern: each batch adds one point to each of 100 series. */
async function ceilingRowPerSample() {
  const db = await openDb('ceiling-rows.db');
  const rowsPerStmt = 400;
  const stmt = await db.transaction(async (tx) => {
    await tx.exec('CREATE TABLE s (series_id INTEGER NOT NULL, ts INTEGER NOT NULL, value REAL NOT NULL, PRIMARY KEY (series_id, ts)) WITHOUT ROWID');
    return tx.prepare('INSERT INTO s (series_id, ts, value) VALUES ' + new Array(rowsPerStmt).fill('(?, ?, ?)').join(', '));
  });
  const perCommit = 20_000; // a group of 200 batches
  const rnd = seededRandom(5);
  // Agents' batches arrive in a different order every round; an agent's series ids are contiguous.
  const order = Array.from({ length: WRITERS }, (_, i) => i);
  let samples = 0;
  let round = 0;
  let at = 0; // position in order * SERIES_PER_BATCH + series index
  const started = performance.now();
  while (performance.now() - started < CEILING_SECONDS * 1000) {
    await db.transaction(async (tx) => {
      for (let done = 0; done < perCommit; done += rowsPerStmt) {
        const params = [];
        for (let i = 0; i < rowsPerStmt; i++) {
          if (at === 0) for (let k = order.length - 1; k > 0; k--) { const j = Math.floor(rnd() * (k + 1)); [order[k], order[j]] = [order[j], order[k]]; }
          const series = order[Math.floor(at / SERIES_PER_BATCH)] * SERIES_PER_BATCH + (at % SERIES_PER_BATCH);
          params.push(series, T0 + round * INTERVAL, (series % 1000) / 10);
          if (++at === WRITERS * SERIES_PER_BATCH) {
            at = 0;
            round++;
          }
        }
        await tx.run(stmt, params);
      }
    });
    samples += perCommit;
  }
  const seconds = (performance.now() - started) / 1000;
  await stmt.finalize();
  await db.close();
  return { rate: samples / seconds, bytes: fileBytes(join(dir, 'ceiling-rows.db')) / samples };
}

/** One row per agent batch: a blob of 1,000 samples (16 bytes each), 20 rows per commit. */
async function ceilingRowPerBatch() {
  const db = await openDb('ceiling-blobs.db');
  const stmt = await db.transaction(async (tx) => {
    await tx.exec('CREATE TABLE b (id INTEGER PRIMARY KEY, data BLOB NOT NULL)');
    return tx.prepare('INSERT INTO b (data) VALUES (?)');
  });
  const blob = Buffer.alloc(16_000, 7);
  let samples = 0;
  let commits = 0;
  const started = performance.now();
  while (performance.now() - started < CEILING_SECONDS * 1000) {
    await db.transaction(async (tx) => {
      for (let i = 0; i < 20; i++) await tx.run(stmt, [blob]);
    });
    samples += 20_000;
    commits++;
  }
  const seconds = (performance.now() - started) / 1000;
  await stmt.finalize();
  await db.close();
  return { rate: samples / seconds, commitsPerSecond: commits / seconds };
}

/** Empty commits: the fsync cost that group commit amortises. */
async function ceilingCommits() {
  const db = await openDb('ceiling-commits.db');
  await db.transaction((tx) => tx.exec('CREATE TABLE c (id INTEGER PRIMARY KEY, v INTEGER)'));
  let n = 0;
  const started = performance.now();
  while (performance.now() - started < 1000) {
    await db.transaction((tx) => tx.run('INSERT INTO c (v) VALUES (?)', [n]));
    n++;
  }
  const seconds = (performance.now() - started) / 1000;
  await db.close();
  return n / seconds;
}

// ----------------------------------------------------------------------------- the store

/** paceMs: each writer appends once per paceMs (offered load); 0 = as fast as appends resolve. */
async function ingestRun(name, paceMs) {
  const db = await openDb(name);
  const store = await SqliteSampleStore.open(db);
  const commits = [];
  const compactions = [];
  store.onCommit((info) => commits.push(info));
  store.onCompaction((info) => compactions.push(info));
  const latencies = [];
  const nextValue = valueSource(1);
  let stop = false;
  let samples = 0;
  let overloads = 0;
  let maxLog = 0;

  async function writer(agent) {
    const labelsBase = { host: `host-${agent}`, site: `site-${agent % 7}` };
    const previous = new Array(SERIES_PER_BATCH);
    let due = performance.now() + Math.random() * paceMs;
    for (let seq = 1; !stop; seq++) {
      if (paceMs) {
        const wait = due - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        due += paceMs;
        if (stop) break;
      }
      const series = [];
      for (let i = 0; i < SERIES_PER_BATCH; i++) {
        previous[i] = nextValue(i, previous[i]);
        series.push({ metric: i % 2 ? 'vigil_bench_counter_total' : 'vigil_bench_gauge', labels: { ...labelsBase, n: String(i) }, kind: i % 2 ? 'counter' : 'gauge', timestamps: [T0 + seq * INTERVAL], values: [previous[i]] });
      }
      const t = performance.now();
      try {
        await store.append({ agentId: `agent-${agent}`, epoch: 'bench', seq, series });
      } catch (error) {
        if (error.name !== 'StorageOverloadedError') throw error;
        overloads++;
        seq--; // retry the same batch, as an agent would
        await new Promise((r) => setTimeout(r, 50));
        continue;
      }
      latencies.push(performance.now() - t);
      samples += SERIES_PER_BATCH;
      maxLog = Math.max(maxLog, store.stats().logSamples);
    }
  }

  const cpuStart = process.cpuUsage();
  const started = performance.now();
  const writers = Array.from({ length: WRITERS }, (_, i) => writer(i));
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  stop = true;
  await Promise.all(writers);
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  const backlog = store.stats().logSamples;
  const logFootprint = await store.storageFootprint();
  const drainStart = performance.now();
  await store.compact();
  const drainSeconds = (performance.now() - drainStart) / 1000;
  const footprint = await store.storageFootprint();
  latencies.sort((a, b) => a - b);
  const compacted = compactions.reduce((n, c) => n + c.samples, 0);
  const compactionMs = compactions.reduce((n, c) => n + c.durationMs, 0);
  const stepMs = compactions.map((c) => c.durationMs).sort((a, b) => a - b);
  const result = {
    seconds,
    samples,
    rate: samples / seconds,
    cpuPercent: ((cpu.user + cpu.system) / 1000 / (seconds * 1000)) * 100,
    p50: pct(latencies, 50),
    p99: pct(latencies, 99),
    max: latencies.at(-1),
    commits: commits.length,
    batchesPerCommit: commits.reduce((n, c) => n + c.batches, 0) / commits.length,
    commitMsP50: pct(commits.map((c) => c.durationMs).sort((a, b) => a - b), 50),
    overloads,
    compactionSteps: compactions.length,
    compactedDuringRun: compacted,
    compactionRate: compactionMs ? (compacted / compactionMs) * 1000 : 0,
    stepMsP50: stepMs.length ? pct(stepMs, 50) : 0,
    stepMsMax: stepMs.at(-1) ?? 0,
    backlog,
    maxLog,
    drainRate: backlog / drainSeconds,
    logBytesPerSample: logFootprint.logSamples ? logFootprint.logBytes / logFootprint.logSamples : NaN,
    chunkBytesPerSample: footprint.chunkBytes / footprint.chunkSamples,
    fileBytesPerSample: fileBytes(join(dir, name)) / footprint.chunkSamples,
    chunks: footprint.chunks,
    chunkSamples: footprint.chunkSamples,
  };
  await store.close();
  await db.close();
  return result;
}

/** A day of 10 s samples for a few series, compacted except the last hour; then 1-day range queries. */
async function queryRun() {
  const db = await openDb('query.db');
  const store = await SqliteSampleStore.open(db, { compaction: { auto: false } });
  const perDay = (24 * 3600 * 1000) / INTERVAL;
  const nextValue = valueSource(2);
  const previous = new Array(QUERY_SERIES);
  const hourLeft = perDay - 360;
  for (let seq = 1; seq <= perDay; seq++) {
    const series = [];
    for (let i = 0; i < QUERY_SERIES; i++) {
      previous[i] = nextValue(i, previous[i]);
      series.push({ metric: 'vigil_q', labels: { n: String(i) }, kind: i % 2 ? 'counter' : 'gauge', timestamps: [T0 + seq * INTERVAL], values: [previous[i]] });
    }
    await store.append({ agentId: 'q', epoch: 'q', seq, series });
    if (seq === hourLeft) await store.compact();
  }
  const refs = await store.findSeries({ metric: 'vigil_q' });
  const times = [];
  let points = 0;
  for (let k = 0; k < 200; k++) {
    const ref = refs[k % refs.length];
    const t = performance.now();
    points = (await store.queryRange(ref.id, T0, T0 + 24 * 3600 * 1000)).length;
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  const latestStart = performance.now();
  await store.latest();
  const latestMs = performance.now() - latestStart;
  await store.compact();
  const f = await store.storageFootprint();
  const kinds = await db.all(
    `SELECT s.kind AS kind, sum(length(c.data)) AS bytes, sum(c.count) AS samples FROM chunk c JOIN series s ON s.id = c.series_id WHERE s.metric = 'vigil_q' GROUP BY s.kind`,
  );
  await store.close();
  await db.close();
  await db_vacuum(join(dir, 'query.db'));
  return {
    points,
    p50: pct(times, 50),
    p99: pct(times, 99),
    latestMs,
    series: QUERY_SERIES,
    chunkBytesPerSample: f.chunkBytes / f.chunkSamples,
    samplesPerChunk: f.chunkSamples / f.chunks,
    byKind: Object.fromEntries(kinds.map((k) => [k.kind, k.bytes / k.samples])),
    fileBytesPerSample: fileBytes(join(dir, 'query.db')) / f.chunkSamples,
  };
}

/** Compacts the file so its size reflects live data, not free pages left by head rewrites. */
async function db_vacuum(path) {
  const db = await SqliteDatabase.open({ path });
  await db.maintenance('VACUUM');
  await db.close();
}

// ----------------------------------------------------------------------------- main

console.log(`# storage bench: ${cpus().length} CPUs, node ${process.version}, durability=${DURABILITY}, dir ${dir}`);
console.log(`# workload: ${WRITERS} concurrent writers x batches of ${SERIES_PER_BATCH} series (1 sample each, ${INTERVAL / 1000} s apart), ${SECONDS} s\n`);

const commitRate = await ceilingCommits();
console.log(`raw: empty commits                         ${fmt(commitRate)} commits/s (${ms(1000 / commitRate)} each)`);
const rows = await ceilingRowPerSample();
console.log(`raw: row per sample, ingest pattern        ${fmt(rows.rate)} samples/s, ${rows.bytes.toFixed(1)} bytes/sample on disk`);
const blobs = await ceilingRowPerBatch();
console.log(`raw: row per batch (blob of 1,000 samples) ${fmt(blobs.rate)} samples/s (${fmt(blobs.commitsPerSecond)} commits/s)\n`);

const r = await ingestRun('store.db', 0);
console.log(`store (saturated, closed loop)`);
console.log(`  durable appends                          ${fmt(r.rate)} samples/s (${fmt(r.samples)} samples in ${r.seconds.toFixed(1)} s, process CPU ${r.cpuPercent.toFixed(0)}% of one core)`);
console.log(`  append latency call->resolve             p50 ${ms(r.p50)}, p99 ${ms(r.p99)}, max ${ms(r.max)}`);
console.log(`  group commits                            ${fmt(r.commits)} commits, ${r.batchesPerCommit.toFixed(1)} batches/commit, p50 ${ms(r.commitMsP50)} each; overload rejections ${r.overloads}`);
console.log(`  compaction during ingest                 ${r.compactionSteps} steps, ${fmt(r.compactedDuringRun)} samples, ${fmt(r.compactionRate)} samples/s while running, step p50 ${ms(r.stepMsP50)}, max ${ms(r.stepMsMax)}`);
console.log(`  log backlog                              ${fmt(r.backlog)} samples at the end (max ${fmt(r.maxLog)}); drained at ${fmt(r.drainRate)} samples/s`);
console.log(`  compaction keeps up                      ${r.compactionRate > r.rate ? 'yes' : 'NO'} (compaction ${fmt(r.compactionRate)}/s vs ingest ${fmt(r.rate)}/s; both share the writer)`);
console.log(`  bytes per sample                         log ${r.logBytesPerSample.toFixed(1)}, chunks ${r.chunkBytesPerSample.toFixed(2)} (only ${(r.chunkSamples / r.chunks).toFixed(0)} samples/chunk after a short run)\n`);

const paceMs = (WRITERS * SERIES_PER_BATCH * 1000) / RATE;
const p = await ingestRun('paced.db', paceMs);
console.log(`store (paced: ${fmt(RATE)} samples/s offered)`);
console.log(`  durable appends                          ${fmt(p.rate)} samples/s, process CPU ${p.cpuPercent.toFixed(0)}% of one core`);
console.log(`  append latency call->resolve             p50 ${ms(p.p50)}, p99 ${ms(p.p99)}, max ${ms(p.max)}`);
console.log(`  group commits                            ${fmt(p.commits)} commits, ${p.batchesPerCommit.toFixed(1)} batches/commit; compaction steps ${p.compactionSteps} (p50 ${ms(p.stepMsP50)}, max ${ms(p.stepMsMax)}); backlog at end ${fmt(p.backlog)}\n`);

const q = await queryRun();
console.log(`query: 1-day range (${fmt(q.points)} points, last hour in the log) p50 ${ms(q.p50)}, p99 ${ms(q.p99)}; latest() of ${q.series} series ${ms(q.latestMs)}`);
console.log(`size: a compacted day at 10 s               chunks ${q.chunkBytesPerSample.toFixed(2)} bytes/sample (gauge ${q.byKind.gauge?.toFixed(2)}, counter ${q.byKind.counter?.toFixed(2)}; ${q.samplesPerChunk.toFixed(0)} samples/chunk), database file after VACUUM ${q.fileBytesPerSample.toFixed(2)} bytes/sample\n`);

console.log(`ratio: store / row-per-sample ceiling      ${(r.rate / rows.rate).toFixed(2)}x`);
console.log(`ratio: store / row-per-batch ceiling       ${(r.rate / blobs.rate).toFixed(2)}x`);

if (!args.dir) rmSync(dir, { recursive: true, force: true });
