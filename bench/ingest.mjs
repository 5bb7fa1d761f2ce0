// Ingest benchmark: many simulated agents stream batches over real gRPC to a real collector
// process writing to SQLite; prints durable samples/s and ack latency, next to the raw SQLite
// ceilings measured in the same run.
//   BENCH_STREAMS (default 1000)  BENCH_SERIES (100 per batch)  BENCH_SECONDS (20)  BENCH_WINDOW (2 batches in flight per stream)
//   BENCH_PACED_RATE (50000 samples/s offered in the second, paced phase that measures ack latency below saturation)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSettings, runPhase } from './lib/ingest-load.mjs';
import { startCollector, processUsage, percentile, fmt } from './lib/processes.mjs';
import { measureSqliteCeilings } from './lib/sqlite-ceiling.mjs';

const { streams: STREAMS, series: SERIES, seconds: SECONDS, window: WINDOW, pacedRate: PACED_RATE, token: TOKEN, load: LOAD } = loadSettings();

const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-ingest-'));
try {
  const ceilings = await measureSqliteCeilings(join(dir, 'ceiling.db'));
  const { child, grpc } = await startCollector(['--db', join(dir, 'vigil.db'), '--grpc-listen', '127.0.0.1:0', '--http-listen', '127.0.0.1:0', '--agent-token', TOKEN]);
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
  console.log(`raw SQLite ceilings     row per sample (ingest pattern) ${fmt(ceilings.rowPerSample)} samples/s; row per batch blob ${fmt(ceilings.rowPerBatch)} samples/s`);
  console.log(`ratio ingest/ceiling    ${fmt(rate / ceilings.rowPerSample, 2)}x row-per-sample, ${fmt(rate / ceilings.rowPerBatch, 2)}x row-per-batch`);
  console.log(`target                  >= 100,000 samples/s: ${rate >= 100_000 ? 'met' : 'NOT met'} (stretch 500,000: ${rate >= 500_000 ? 'met' : 'not met'})`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
