// Ingest benchmark: many simulated agents stream batches over real gRPC to a real collector
// process writing to SQLite; prints durable samples/s and ack latency, next to the raw SQLite
// ceilings and the decode-plus-lookup ceiling measured in the same run, and the goals of issue 14.
//   BENCH_STREAMS (default 1000)  BENCH_SERIES (100 per batch)  BENCH_SECONDS (20)  BENCH_WINDOW (2 batches in flight per stream)
//   BENCH_SHAPE (refs,full by default: a saturated phase of each; refs: what current agents send, series by
//     number; full: agents before references, every batch names every series; the paced phase uses the first)
//   BENCH_PACED_RATE (100000 samples/s offered in the second, paced phase that measures ack latency below saturation)
//   BENCH_RECEIVERS=1: before the gRPC phases, remote write and OTLP against the same collector
//     (BENCH_RECEIVER_SENDERS 16 senders, BENCH_RECEIVER_SERIES 2000 samples per request)
//   BENCH_CEILING_ROUNDS (3): the decode+lookup ceiling is measured once cold, then this many times before the phases
//     and as many after the collector has exited; the median of those is the figure, printed with its spread
//   BENCH_COLLECTOR_ROOT (another checkout's collector, for A/B runs)  BENCH_COLLECTOR_NODE_ARGS (e.g. --cpu-prof)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCollector, processUsage, percentile, fmt, tallyStreamEnds } from './lib/processes.mjs';
import { measureSqliteCeilings } from './lib/sqlite-ceiling.mjs';
import { decodeCeilingSeries } from './lib/decode-ceiling.mjs';
import { runReceiverPhase } from './lib/receiver-load.mjs';
import { loadSettings, runPhase } from './lib/ingest-load.mjs';

// The issue's ack-latency goal is stated at 100,000 samples/s offered.
process.env.BENCH_SHAPE ??= 'refs,full';
const { streams: STREAMS, series: SERIES, seconds: SECONDS, window: WINDOW, pacedRate: PACED_RATE, token: TOKEN, load: LOAD, shapes: SHAPES } = loadSettings({ pacedRate: 100_000 });
const RECEIVERS = process.env.BENCH_RECEIVERS === '1';
const CEILING_ROUNDS = Number(process.env.BENCH_CEILING_ROUNDS ?? 3);
const CEILING_SECONDS = 2;
const RECEIVER_LOAD = { token: TOKEN, senders: Number(process.env.BENCH_RECEIVER_SENDERS ?? 16), series: Number(process.env.BENCH_RECEIVER_SERIES ?? 2000), seconds: SECONDS };

const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-ingest-'));
try {
  const ceilings = await measureSqliteCeilings(join(dir, 'ceiling.db'));
  // The decode+lookup ceiling: one cold measurement, then rounds before the phases and after them (below), while the
  // collector is not running. One measurement moves with the host's speed, other processes, the garbage collector and,
  // the first time, the compiler's warm-up (docs/storage.md, ninth pass); the median of the warm ones moves less.
  const decodeCeiling = decodeCeilingSeries(SHAPES, { streams: STREAMS, series: SERIES, seconds: CEILING_SECONDS });
  for (let round = 0; round <= CEILING_ROUNDS; round++) decodeCeiling.measure();
  const { child, grpc, http } = await startCollector(['--db', join(dir, 'vigil.db'), '--grpc-listen', '127.0.0.1:0', '--http-listen', '127.0.0.1:0', '--agent-token', TOKEN]);
  const streamEnds = tallyStreamEnds(child);
  // Receivers first: they keep one request in flight per sender, so they leave no backlog behind.
  const receivers = [];
  for (const kind of RECEIVERS ? ['remote_write', 'otlp'] : []) receivers.push([kind, await runReceiverPhase(http, kind, RECEIVER_LOAD)]);
  streamEnds.take();
  // One saturated phase per shape, the same agents and series (the first phase creates them).
  const saturatedByShape = [];
  for (const shape of SHAPES) {
    const phase = await runPhase(grpc, `saturated-${shape}`, SECONDS, undefined, { ...LOAD, shape }, child.pid);
    saturatedByShape.push({ shape, phase, ends: streamEnds.take() });
  }
  const { rssBytes: endRss, hwmBytes: saturatedPeakRss } = processUsage(child.pid);
  // The goal is the ack latency at a steady 100k samples/s: the paced phase starts once compaction has
  // caught up with the saturated phases (the log below its 1M-sample trigger), and the wait is printed.
  const settleSeconds = await settle(http);
  const paced = await runPhase(grpc, 'paced', Math.min(SECONDS, 10), PACED_RATE, LOAD, child.pid);
  const pacedEnds = streamEnds.take();
  const peakRss = processUsage(child.pid).hwmBytes; // VmHWM: the peak over the whole run
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  for (let round = 0; round < CEILING_ROUNDS; round++) decodeCeiling.measure();
  const decodeCeilings = Object.fromEntries(SHAPES.map((shape) => [shape, decodeCeiling.summary(shape).median]));

  const SHAPE_TEXT = { refs: 'series by number, as current agents send', full: 'every batch names every series, as agents before references send' };
  console.log(`streams ${STREAMS} x ${SERIES} series per batch, window ${WINDOW}, ${fmt(saturatedByShape[0].phase.elapsed, 1)} s per saturated phase`);
  for (const { shape, phase, ends } of saturatedByShape) {
    const { rate, latencies } = phase;
    console.log(`\nshape ${shape} (${SHAPE_TEXT[shape]})`);
    console.log(`  durable ingest          ${fmt(rate)} samples/s  (${fmt(rate / SERIES)} batches/s)${phase.refusedStreams ? `, ${fmt(phase.refusedStreams)} streams ended UNAVAILABLE${endsText(ends, phase)}` : ''}`);
    console.log(`  ack latency (saturated) p50 ${fmt(percentile(latencies, 50), 1)} ms   p99 ${fmt(percentile(latencies, 99), 1)} ms  (closed loop: mostly queueing behind ${fmt(STREAMS * WINDOW)} batches in flight)`);
    // CPU per sample holds still on a shared machine where samples/s do not: compare builds with it.
    console.log(`  collector CPU           ${fmt((phase.cpuSeconds / phase.elapsed) * 100, 0)} % of one core, ${fmt((phase.cpuSeconds / phase.samples) * 1e6, 2)} µs per sample (decode+lookup ceiling ${fmt(1e6 / decodeCeilings[shape], 2)} µs)`);
    console.log(`  decode+lookup ceiling   ${fmt(decodeCeilings[shape])} samples/s on one core (protobufjs decode of the same batches, one series lookup per series); ingest is ${fmt(rate / decodeCeilings[shape], 2)}x of it`);
    console.log(`  ceiling's spread        ${spreadText(decodeCeiling.summary(shape), rate)}`);
  }
  console.log('');
  console.log(`ack latency (paced)     p50 ${fmt(percentile(paced.latencies, 50), 1)} ms   p99 ${fmt(percentile(paced.latencies, 99), 1)} ms  at ${fmt(PACED_RATE)} samples/s offered (${fmt(paced.offered)} sent), ${fmt(paced.rate)} acked, shape ${LOAD.shape}, after ${fmt(settleSeconds, 1)} s for compaction to catch up${paced.refusedStreams ? `, ${fmt(paced.refusedStreams)} streams ended UNAVAILABLE${endsText(pacedEnds, paced)}` : ''}`);
  console.log(`collector RSS           ${fmt(endRss / 2 ** 20)} MiB after the saturated phases`);
  const rate = saturatedByShape[0].phase.rate;
  for (const [kind, r] of receivers) {
    console.log(`${kind.padEnd(23)} ${fmt(r.rate)} samples/s (${fmt((r.rate / rate) * 100, 0)} % of gRPC)  request p50 ${fmt(percentile(r.latencies, 50), 1)} ms  p99 ${fmt(percentile(r.latencies, 99), 1)} ms  ${RECEIVER_LOAD.senders} senders x ${fmt(RECEIVER_LOAD.series)} samples, ${r.failures} failed`);
  }
  console.log(`raw SQLite ceilings     row per sample (ingest pattern) ${fmt(ceilings.rowPerSample)} samples/s; row per batch blob ${fmt(ceilings.rowPerBatch)} samples/s`);
  console.log(`ratio ingest/ceiling    ${fmt(rate / ceilings.rowPerSample, 2)}x row-per-sample, ${fmt(rate / ceilings.rowPerBatch, 2)}x row-per-batch (shape ${LOAD.shape})`);
  const p99 = percentile(paced.latencies, 99);
  const goal = (ok) => (ok ? 'met' : 'NOT met');
  for (const { shape, phase } of saturatedByShape) {
    // The issue stated its decode ceiling for batches in full; by reference a batch decodes in ~0.02 µs a sample,
    // a ceiling that measures protobufjs rather than any work a durable store must do.
    const third = shape === 'full' ? `; >= 1/3 of the decode+lookup ceiling: ${goal(phase.rate >= decodeCeilings.full / 3)}` : '';
    console.log(`goal ingest (${shape})`.padEnd(24) + `>= 300,000 samples/s: ${goal(phase.rate >= 300_000)}${third}`);
  }
  console.log(`goal ack latency        p99 <= 250 ms at 100,000 samples/s offered: ${PACED_RATE === 100_000 ? goal(p99 <= 250 && !paced.refusedStreams) : `not measured (offered ${fmt(PACED_RATE)})`}`);
  console.log(`goal collector RSS      peak ${fmt(peakRss / 2 ** 20)} MiB over the whole bench <= 512 MiB: ${goal(peakRss <= 512 * 2 ** 20)} (peak by the end of the saturated phases ${fmt(saturatedPeakRss / 2 ** 20)} MiB)`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

/** Seconds until the collector's log of uncompacted samples is below the compaction trigger (at most 60). */
async function settle(http) {
  const started = performance.now();
  while (performance.now() - started < 60_000) {
    const text = await (await fetch(`http://${http}/metrics`)).text();
    const log = Number(/^vigil_storage_log_samples (\S+)$/m.exec(text)?.[1] ?? NaN);
    if (!(log >= 1_000_000)) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  return (performance.now() - started) / 1000;
}

/** The ceiling's median, what it is the median of, and how far its measurements (and so the ingest's share) spread. */
function spreadText({ count, min, max, cold, values, others }, rate) {
  const k = (n) => (n >= 1e7 ? `${fmt(n / 1e6, 1)}M` : `${fmt(n / 1000)}k`);
  const coldText = `the first, cold, ${fmt(cold)} (ingest ${fmt(rate / cold, 2)}x of it)`;
  if (!count) return `one measurement of ${CEILING_SECONDS} s, ${coldText}`;
  const order = `${values.slice(0, CEILING_ROUNDS).map(k).join(' ')} / ${values.slice(CEILING_ROUNDS).map(k).join(' ')}`;
  return `median of ${count} measurements of ${CEILING_SECONDS} s, ${CEILING_ROUNDS} before the phases and ${CEILING_ROUNDS} after (${order}): ${fmt(min)}-${fmt(max)} samples/s, ingest ${fmt(rate / max, 2)}-${fmt(rate / min, 2)}x; ${coldText} not counted${others ? `; other processes kept ${fmt(others[0], 2)}-${fmt(others[1], 2)} cores busy meanwhile` : ''}`;
}

/** Why the collector ended streams (from its log) and when, in seconds from the phase's start. */
function endsText({ causes, firstMs, lastMs }, phase) {
  const list = Object.entries(causes).map(([cause, n]) => `${fmt(n)} ${cause}`).join(', ');
  if (!list) return '';
  const at = (ms) => fmt((ms - phase.startedMs) / 1000, 1);
  return ` (${list}; from ${at(firstMs)} s to ${at(lastMs)} s of the ${fmt(phase.elapsed, 0)} s phase)`;
}
