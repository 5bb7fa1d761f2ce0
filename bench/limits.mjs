// Memory under many series, and the series limits at work: a real collector process, agents over
// real gRPC. Phase 1: LIMITS_SERIES (default 100,000) active series from LIMITS_AGENTS agents (default 10),
// LIMITS_ROUNDS samples each; prints the collector's RSS idle, after the series were created and
// after a compaction minute. Phase 2: one agent offers LIMITS_FLOOD series (default 200,000); prints
// what the default ingest.max_series_per_agent (20,000) let in and refused, and RSS.
//   Goal (issue 10): RSS <= 400 MiB with 100k active series.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentials, makeGenericClientConstructor, Metadata } from '@grpc/grpc-js';
import { IngestService, vigil } from '@vigil/proto';
import { startCollector, processUsage, fmt } from './lib/processes.mjs';

const SERIES = Number(process.env.LIMITS_SERIES ?? 100_000);
const AGENTS = Number(process.env.LIMITS_AGENTS ?? 10);
const ROUNDS = Number(process.env.LIMITS_ROUNDS ?? 3);
const FLOOD = Number(process.env.LIMITS_FLOOD ?? 200_000);
const PER_BATCH = 5_000;
/** Batches in flight per stream, as an agent's send window bounds them. */
const WINDOW = 4;
const TOKEN = 'bench-token-1';
const mib = (pid) => fmt(processUsage(pid).rssBytes / 2 ** 20);

/** One agent stream: sends `rounds` samples for `series` series in batches, waits for every ack; resolves to the rejected samples. */
function runAgent(grpc, id, series, rounds) {
  const Client = makeGenericClientConstructor(IngestService, 'Ingest');
  const client = new Client(grpc, credentials.createInsecure(), { 'grpc.max_send_message_length': 64 << 20 });
  const md = new Metadata();
  md.set('authorization', `Bearer ${TOKEN}`);
  const call = client.stream(md);
  let rejected = 0;
  let seq = 0;
  const t0 = Date.now() - rounds * 10_000 - 60_000;
  const perRound = Math.ceil(series / PER_BATCH);
  const total = rounds * perRound;
  const sendNext = () => {
    if (seq >= total) return;
    const round = Math.floor(seq / perRound);
    const from = (seq % perRound) * PER_BATCH;
    const batch = [];
    for (let i = from; i < Math.min(series, from + PER_BATCH); i++) batch.push({ metric: 'vigil_bench_series_ratio', labels: { n: String(i) }, timestampsMs: [t0 + round * 10_000], values: [i % 100] });
    call.write(vigil.v1.AgentMessage.create({ batch: { seq: ++seq, series: batch, createdMs: Date.now() } }));
  };
  return new Promise((resolve, reject) => {
    call.on('data', (m) => {
      if (m.body === 'welcome') for (let i = 0; i < WINDOW; i++) sendNext();
      if (m.body === 'rejection') rejected += Number(m.rejection.rejectedSamples);
      if (m.body === 'ack') sendNext();
      if (m.body === 'ack' && Number(m.ack.seq) === total) {
        call.end();
        client.close();
        resolve(rejected);
      }
    });
    call.on('error', reject);
    call.write(vigil.v1.AgentMessage.create({ hello: { agentId: id, hostname: id, version: 'bench', streamEpoch: 'e1', intervalMs: 10_000 } }));
  });
}

const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-limits-'));
try {
  writeFileSync(join(dir, 'collector.yaml'), 'ingest:\n  max_message_bytes: 64MiB\n');
  const { child, grpc } = await startCollector(['--config', join(dir, 'collector.yaml'), '--db', join(dir, 'vigil.db'), '--grpc-listen', '127.0.0.1:0', '--http-listen', '127.0.0.1:0', '--agent-token', TOKEN]);
  await new Promise((r) => setTimeout(r, 2_000));
  console.log(`collector idle            RSS ${mib(child.pid)} MiB`);
  const started = performance.now();
  const perAgent = Math.ceil(SERIES / AGENTS);
  const rejected = await Promise.all(Array.from({ length: AGENTS }, (_, a) => runAgent(grpc, `bench-agent-${a}`, perAgent, ROUNDS)));
  console.log(`${fmt(SERIES)} series x ${ROUNDS} samples from ${AGENTS} agents stored in ${fmt((performance.now() - started) / 1000, 1)} s (rejected ${fmt(rejected.reduce((a, b) => a + b, 0))}), RSS ${mib(child.pid)} MiB`);
  await new Promise((r) => setTimeout(r, 70_000)); // one compaction interval
  const active = processUsage(child.pid);
  console.log(`${fmt(SERIES)} active series after compaction  RSS ${fmt(active.rssBytes / 2 ** 20)} MiB (peak ${fmt(active.hwmBytes / 2 ** 20)} MiB): goal <= 400 MiB ${active.rssBytes <= 400 * 2 ** 20 ? 'met' : 'NOT met'}`);
  const flooded = await runAgent(grpc, 'bench-flood', FLOOD, 1);
  console.log(`one agent offering ${fmt(FLOOD)} series: ${fmt(FLOOD - flooded)} stored, ${fmt(flooded)} samples rejected (series_limit), RSS ${mib(child.pid)} MiB`);
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
