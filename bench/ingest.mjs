// Ingest benchmark: many simulated agents stream batches over real gRPC to a real collector
// process writing to SQLite; prints durable samples/s and ack latency, next to the raw SQLite
// ceilings measured in the same run.
//   BENCH_STREAMS (default 1000)  BENCH_SERIES (100 per batch)  BENCH_SECONDS (20)  BENCH_WINDOW (2 batches in flight per stream)
//   BENCH_PACED_RATE (50000 samples/s offered in the second, paced phase that measures ack latency below saturation)
//   BENCH_RECEIVERS=1: before the gRPC phases, remote write and OTLP against the same collector
//     (BENCH_RECEIVER_SENDERS 16 senders, BENCH_RECEIVER_SERIES 2000 samples per request)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSettings, runPhase } from './lib/ingest-load.mjs';
import { startCollector, processUsage, percentile, fmt } from './lib/processes.mjs';
import { measureSqliteCeilings } from './lib/sqlite-ceiling.mjs';
import { runReceiverPhase } from './lib/receiver-load.mjs';

const { streams: STREAMS, series: SERIES, seconds: SECONDS, window: WINDOW, pacedRate: PACED_RATE, token: TOKEN, load: LOAD } = loadSettings();
const RECEIVERS = process.env.BENCH_RECEIVERS === '1';
const RECEIVER_LOAD = { token: TOKEN, senders: Number(process.env.BENCH_RECEIVER_SENDERS ?? 16), series: Number(process.env.BENCH_RECEIVER_SERIES ?? 2000), seconds: SECONDS };

const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-ingest-'));
try {
  const ceilings = await measureSqliteCeilings(join(dir, 'ceiling.db'));
  const { child, grpc, http } = await startCollector(['--db', join(dir, 'vigil.db'), '--grpc-listen', '127.0.0.1:0', '--http-listen', '127.0.0.1:0', '--agent-token', TOKEN]);
  // Receivers first: they keep one request in flight per sender, so they leave no backlog behind,
  // while the paced gRPC phase may leave batches queued that would slow whatever ran next.
  const receivers = [];
  for (const kind of RECEIVERS ? ['remote_write', 'otlp'] : []) receivers.push([kind, await runReceiverPhase(http, kind, RECEIVER_LOAD)]);
  const startCpu = processUsage(child.pid);
  const saturated = await runPhase(grpc, 'saturated', SECONDS, undefined, LOAD);
  const endCpu = processUsage(child.pid);
  const paced = await runPhase(grpc, 'paced', Math.min(SECONDS, 10), PACED_RATE, LOAD);
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));

  const { rate, elapsed, latencies } = saturated;
  console.log(`streams ${STREAMS} x ${SERIES} series per batch, window ${WINDOW}, ${fmt(elapsed, 1)} s`);
  console.log(`durable ingest          ${fmt(rate)} samples/s  (${fmt(rate / SERIES)} batches/s)`);
  console.log(`ack latency (saturated) p50 ${fmt(percentile(latencies, 50), 1)} ms   p99 ${fmt(percentile(latencies, 99), 1)} ms  (closed loop: mostly queueing behind ${fmt(STREAMS * WINDOW)} batches in flight)`);
  console.log(`ack latency (paced)     p50 ${fmt(percentile(paced.latencies, 50), 1)} ms   p99 ${fmt(percentile(paced.latencies, 99), 1)} ms  at ${fmt(PACED_RATE)} samples/s offered, ${fmt(paced.rate)} acked`);
  console.log(`collector CPU           ${fmt(((endCpu.cpuSeconds - startCpu.cpuSeconds) / elapsed) * 100, 0)} % of one core, RSS ${fmt(endCpu.rssBytes / 2 ** 20)} MiB`);
  for (const [kind, r] of receivers) {
    console.log(`${kind.padEnd(23)} ${fmt(r.rate)} samples/s (${fmt((r.rate / rate) * 100, 0)} % of gRPC)  request p50 ${fmt(percentile(r.latencies, 50), 1)} ms  p99 ${fmt(percentile(r.latencies, 99), 1)} ms  ${RECEIVER_LOAD.senders} senders x ${fmt(RECEIVER_LOAD.series)} samples, ${r.failures} failed`);
  }
  console.log(`raw SQLite ceilings     row per sample (ingest pattern) ${fmt(ceilings.rowPerSample)} samples/s; row per batch blob ${fmt(ceilings.rowPerBatch)} samples/s`);
  console.log(`ratio ingest/ceiling    ${fmt(rate / ceilings.rowPerSample, 2)}x row-per-sample, ${fmt(rate / ceilings.rowPerBatch, 2)}x row-per-batch`);
  console.log(`target                  >= 100,000 samples/s: ${rate >= 100_000 ? 'met' : 'NOT met'} (stretch 500,000: ${rate >= 500_000 ? 'met' : 'not met'})`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
