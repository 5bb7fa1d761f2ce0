// Remote-write benchmark: the ingest bench's load on a real collector process whose remote_write
// points at a local Prometheus (Debian's `prometheus`, --web.enable-remote-write-receiver). Prints
// durable ingest with remote write on, the samples/s Prometheus acknowledged, the lag
// (vigil_remote_write_lag_seconds, sampled every 500 ms) under saturated and paced load, and how
// long the backlog takes to drain once ingest stops.
//   BENCH_STREAMS (default 1000)  BENCH_SERIES (100)  BENCH_SECONDS (20)  BENCH_WINDOW (2)
//   BENCH_PACED_RATE (50000 samples/s offered in the paced phase)  BENCH_RW_BATCH (max_samples_per_send, 2000)
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSettings, runPhase } from './lib/ingest-load.mjs';
import { fmt, percentile, root, startCollector } from './lib/processes.mjs';

const { streams: STREAMS, series: SERIES, seconds: SECONDS, window: WINDOW, pacedRate: PACED_RATE, token: TOKEN, load: LOAD } = loadSettings();
const RW_BATCH = Number(process.env.BENCH_RW_BATCH ?? 2_000);
const TARGET = 'prometheus';

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

/** The collector's remote-write figures from /metrics. */
async function remoteWriteFigures(http) {
  const text = await (await fetch(`http://${http}/metrics`)).text();
  const value = (name) => Number(new RegExp(`^${name}\\{target="${TARGET}"\\} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  return {
    sent: value('vigil_remote_write_sent_samples_total'),
    pending: value('vigil_remote_write_pending_samples'),
    lag: value('vigil_remote_write_lag_seconds'),
    requests: value('vigil_remote_write_request_duration_seconds_count'),
    requestSeconds: value('vigil_remote_write_request_duration_seconds_sum'),
  };
}

/** Samples figures every 500 ms while `work` runs; returns its result and the lags seen. */
async function watched(http, work) {
  const lags = [];
  let stop = false;
  const sampler = (async () => {
    while (!stop) {
      lags.push((await remoteWriteFigures(http)).lag);
      await sleep(500);
    }
  })();
  const before = await remoteWriteFigures(http);
  const t0 = performance.now();
  const result = await work();
  const seconds = (performance.now() - t0) / 1000;
  const after = await remoteWriteFigures(http);
  stop = true;
  await sampler;
  return { result, sentRate: (after.sent - before.sent) / seconds, lags: lags.sort((a, b) => a - b), after };
}

if (!hasPrometheus()) spawnSync('bash', [join(root, 'scripts/ensure-debian-package.sh'), 'prometheus'], { stdio: 'inherit' });
if (!hasPrometheus()) {
  console.log('SKIPPED bench/remote-write.mjs: the Debian package "prometheus" is not installed and could not be installed here');
  process.exit(0);
}

const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-rw-'));
let prometheus;
let collector;
try {
  prometheus = await startPrometheus(dir);
  const config = join(dir, 'collector.yaml');
  writeFileSync(config, JSON.stringify({ remote_write: [{ name: TARGET, url: `${prometheus.url}/api/v1/write`, queue: { max_samples_per_send: RW_BATCH } }] }));
  collector = await startCollector(['--config', config, '--db', join(dir, 'vigil.db'), '--grpc-listen', '127.0.0.1:0', '--http-listen', '127.0.0.1:0', '--agent-token', TOKEN]);
  const { grpc, http } = collector;

  const saturated = await watched(http, () => runPhase(grpc, 'saturated', SECONDS, undefined, LOAD));
  const drainStart = performance.now();
  let drained = saturated.after;
  while (drained.pending > 0) {
    await sleep(200);
    drained = await remoteWriteFigures(http);
  }
  const drainSeconds = (performance.now() - drainStart) / 1000;
  const drainRate = saturated.after.pending / Math.max(drainSeconds, 0.001);
  const paced = await watched(http, () => runPhase(grpc, 'paced', Math.min(SECONDS, 10), PACED_RATE, LOAD));
  while ((await remoteWriteFigures(http)).pending > 0) await sleep(200);
  const final = await remoteWriteFigures(http);
  const inPrometheus = await (await fetch(`${prometheus.url}/api/v1/query?${new URLSearchParams({ query: 'sum(count_over_time(vigil_bench_value[2h]))' })}`)).json();

  console.log(`streams ${STREAMS} x ${SERIES} series per batch, window ${WINDOW}, ${fmt(saturated.result.elapsed, 1)} s; max_samples_per_send ${RW_BATCH}`);
  console.log(`durable ingest (remote write on)  ${fmt(saturated.result.rate)} samples/s`);
  console.log(`sent to Prometheus while ingesting ${fmt(saturated.sentRate)} samples/s; lag p50 ${fmt(percentile(saturated.lags, 50), 1)} s, max ${fmt(saturated.lags.at(-1) ?? NaN, 1)} s; ${fmt(saturated.after.pending)} samples pending when ingest stopped`);
  console.log(`drain after ingest stopped         ${fmt(drainSeconds, 1)} s at ${fmt(drainRate)} samples/s (remote write alone)`);
  console.log(`paced ${fmt(PACED_RATE)} samples/s offered     ${fmt(paced.result.rate)} acked; sent ${fmt(paced.sentRate)} samples/s; lag p50 ${fmt(percentile(paced.lags, 50), 1)} s, max ${fmt(paced.lags.at(-1) ?? NaN, 1)} s`);
  console.log(`requests                           ${fmt(final.requests)}, mean ${fmt((final.requestSeconds / final.requests) * 1000, 1)} ms each (HTTP round trip, Prometheus' work included)`);
  console.log(`check                              collector sent ${fmt(final.sent)} samples; Prometheus holds ${fmt(Number(inPrometheus.data?.result?.[0]?.value?.[1] ?? NaN))}`);
} finally {
  collector?.child.kill('SIGTERM');
  if (collector) await new Promise((r) => collector.child.once('exit', r));
  prometheus?.child.kill('SIGTERM');
  if (prometheus) await new Promise((r) => prometheus.child.once('exit', r));
  rmSync(dir, { recursive: true, force: true });
}
