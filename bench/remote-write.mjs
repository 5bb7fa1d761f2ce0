// Remote-write benchmark: the ingest bench's load on a real collector process whose remote_write
// points at a local Prometheus (Debian's `prometheus`, --web.enable-remote-write-receiver). Prints
// durable ingest with remote write on, the samples/s Prometheus acknowledged, the lag
// under saturated and paced load, and how long the backlog takes to drain once ingest stops.
// Lag and pending samples are read as vigil_remote_write_lag_seconds and _pending_samples define them,
// but from the collector's database every 500 ms: scraping /metrics that often would cost the
// collector more than remote write does (it renders the latest value of all 100,000 fleet series).
//   BENCH_STREAMS (default 1000)  BENCH_SERIES (100)  BENCH_SECONDS (20)  BENCH_WINDOW (2)
//   BENCH_PACED_RATE (50000 samples/s offered in the paced phase)  BENCH_RW_BATCH (max_samples_per_send, 2000)
//   BENCH_RW_RECEIVER=null: a receiver in this process that answers 204 without reading the body, to
//   tell the collector's own cost from Prometheus'
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteDatabase } from '../collector/dist/database/sqlite-database.js';
import { loadSettings, runPhase } from './lib/ingest-load.mjs';
import { fmt, percentile, root, startCollector } from './lib/processes.mjs';

const { streams: STREAMS, series: SERIES, seconds: SECONDS, window: WINDOW, pacedRate: PACED_RATE, token: TOKEN, load: LOAD } = loadSettings();
const RW_BATCH = Number(process.env.BENCH_RW_BATCH ?? 2_000);
const TARGET = 'prometheus';
const NULL_RECEIVER = process.env.BENCH_RW_RECEIVER === 'null';

/** A receiver that accepts everything at once (BENCH_RW_RECEIVER=null). */
async function startNullReceiver() {
  const { createServer: createHttpServer } = await import('node:http');
  const server = createHttpServer((req, res) => req.resume().on('end', () => res.writeHead(204).end()));
  server.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const url = `http://127.0.0.1:${server.address().port}`;
  return { url, child: { kill: () => server.close(), once: (_event, done) => done() } };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const hasPrometheus = () => spawnSync('sh', ['-c', 'command -v prometheus']).status === 0;

async function freePort() {
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const { port } = server.address();
  await new Promise((r) => server.close(r));
  return port;
}

async function startPrometheus(dir) {
  const port = await freePort();
  writeFileSync(join(dir, 'prometheus.yml'), 'global: {}\n');
  const child = spawn('prometheus', [`--config.file=${join(dir, 'prometheus.yml')}`, `--web.listen-address=127.0.0.1:${port}`, `--storage.tsdb.path=${join(dir, 'tsdb')}`, '--web.enable-remote-write-receiver', '--log.level=warn'], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    if (await fetch(`${url}/-/ready`).then((r) => r.ok, () => false)) return { child, url };
    await sleep(100);
  }
  child.kill('SIGKILL');
  throw new Error('prometheus did not become ready');
}

/** Counters of the collector's /metrics (scraped only at phase boundaries). */
async function remoteWriteCounters(http) {
  const text = await (await fetch(`http://${http}/metrics`)).text();
  const value = (name) => Number(new RegExp(`^${name}\\{target="${TARGET}"\\} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  return { sent: value('vigil_remote_write_sent_samples_total'), requests: value('vigil_remote_write_request_duration_seconds_count'), requestSeconds: value('vigil_remote_write_request_duration_seconds_sum') };
}

/** Pending samples and lag (s) from the saved cursor and the journal, as the gauges define them. */
async function backlogReader(path) {
  const db = await SqliteDatabase.open({ path, readOnly: true });
  const read = async () => {
    const row = await db.get(
      `SELECT t.next_offset AS offset, coalesce(sum(j.samples), 0) AS samples, min(j.created_ms) AS oldest
         FROM remote_write_target t LEFT JOIN remote_write_journal j ON j.seq >= t.next_seq WHERE t.name = ?`,
      [TARGET],
    );
    const pending = Math.max(0, row.samples - row.offset);
    return { pending, lag: pending > 0 ? (Date.now() - row.oldest) / 1000 : 0 };
  };
  return { read, close: () => db.close() };
}

/** Samples the backlog every 500 ms while `work` runs; returns its result, the send rate and the lags seen. */
async function watched(http, backlog, work) {
  const lags = [];
  let stop = false;
  const sampler = (async () => {
    while (!stop) {
      lags.push((await backlog.read()).lag);
      await sleep(500);
    }
  })();
  const before = await remoteWriteCounters(http);
  const t0 = performance.now();
  const result = await work();
  const seconds = (performance.now() - t0) / 1000;
  const after = await remoteWriteCounters(http);
  stop = true;
  await sampler;
  return { result, sentRate: (after.sent - before.sent) / seconds, lags: lags.sort((a, b) => a - b), pendingAtEnd: (await backlog.read()).pending };
}

/** Waits until nothing is pending, twice in a row a second apart (late acks of a phase may still commit). */
async function drained(backlog) {
  for (let quiet = 0; quiet < 2; ) {
    quiet = (await backlog.read()).pending === 0 ? quiet + 1 : 0;
    await sleep(quiet ? 1_000 : 200);
  }
}

if (!NULL_RECEIVER && !hasPrometheus()) spawnSync('bash', [join(root, 'scripts/ensure-debian-package.sh'), 'prometheus'], { stdio: 'inherit' });
if (!NULL_RECEIVER && !hasPrometheus()) {
  console.log('SKIPPED bench/remote-write.mjs: the Debian package "prometheus" is not installed and could not be installed here');
  process.exit(0);
}

const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-rw-'));
let prometheus;
let collector;
let backlog;
try {
  prometheus = NULL_RECEIVER ? await startNullReceiver() : await startPrometheus(dir);
  const config = join(dir, 'collector.yaml');
  writeFileSync(config, JSON.stringify({ remote_write: [{ name: TARGET, url: `${prometheus.url}/api/v1/write`, queue: { max_samples_per_send: RW_BATCH } }] }));
  collector = await startCollector(['--config', config, '--db', join(dir, 'vigil.db'), '--grpc-listen', '127.0.0.1:0', '--http-listen', '127.0.0.1:0', '--agent-token', TOKEN]);
  const { grpc, http } = collector;
  backlog = await backlogReader(join(dir, 'vigil.db'));

  const saturated = await watched(http, backlog, () => runPhase(grpc, 'saturated', SECONDS, undefined, LOAD));
  const drainStart = performance.now();
  while ((await backlog.read()).pending > 0) await sleep(100);
  const drainSeconds = (performance.now() - drainStart) / 1000;
  const drainRate = saturated.pendingAtEnd / Math.max(drainSeconds, 0.001);
  const paced = await watched(http, backlog, () => runPhase(grpc, 'paced', Math.min(SECONDS, 10), PACED_RATE, LOAD));
  await drained(backlog);
  const final = await remoteWriteCounters(http);
  const inPrometheus = NULL_RECEIVER ? {} : await (await fetch(`${prometheus.url}/api/v1/query?${new URLSearchParams({ query: 'sum(count_over_time(vigil_bench_value[2h]))' })}`)).json();

  console.log(`streams ${STREAMS} x ${SERIES} series per batch, window ${WINDOW}, ${fmt(saturated.result.elapsed, 1)} s; max_samples_per_send ${RW_BATCH}`);
  console.log(`durable ingest (remote write on)  ${fmt(saturated.result.rate)} samples/s`);
  console.log(`sent to Prometheus while ingesting ${fmt(saturated.sentRate)} samples/s; lag p50 ${fmt(percentile(saturated.lags, 50), 1)} s, max ${fmt(saturated.lags.at(-1) ?? NaN, 1)} s; ${fmt(saturated.pendingAtEnd)} samples pending when ingest stopped`);
  console.log(`drain after ingest stopped         ${fmt(drainSeconds, 1)} s at ${fmt(drainRate)} samples/s (remote write alone)`);
  console.log(`paced ${fmt(PACED_RATE)} samples/s offered     ${fmt(paced.result.rate)} acked; sent ${fmt(paced.sentRate)} samples/s; lag p50 ${fmt(percentile(paced.lags, 50), 1)} s, max ${fmt(paced.lags.at(-1) ?? NaN, 1)} s`);
  console.log(`requests                           ${fmt(final.requests)}, mean ${fmt((final.requestSeconds / final.requests) * 1000, 1)} ms each (HTTP round trip, Prometheus' work included)`);
  console.log(`check                              collector sent ${fmt(final.sent)} samples; Prometheus holds ${fmt(Number(inPrometheus.data?.result?.[0]?.value?.[1] ?? NaN))}`);
} finally {
  await backlog?.close();
  collector?.child.kill('SIGTERM');
  if (collector) await new Promise((r) => collector.child.once('exit', r));
  prometheus?.child.kill('SIGTERM');
  if (prometheus) await new Promise((r) => prometheus.child.once('exit', r));
  rmSync(dir, { recursive: true, force: true });
}
