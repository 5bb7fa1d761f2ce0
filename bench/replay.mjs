// Replay benchmark: how fast the collector acknowledges probe results an agent replays after an
// outage (older than sla.late_data_window, so the SLA engine re-reads minutes from raw samples)
// compared with live results (within the window, folded in incrementally), with three SLA services.
// Issue 10 goal: replay drains at >= 50 % of the live rate. Run after `npm run build`:
//   node bench/replay.mjs        BENCH_REPLAY_SAMPLES (default 161,000)  BENCH_REPLAY_WINDOW (4 batches in flight)
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { credentials, makeGenericClientConstructor, Metadata } from '@grpc/grpc-js';
import { IngestService, vigil } from '@vigil/proto';
import { startCollector, processUsage, fmt } from './lib/processes.mjs';

const SAMPLES = Number(process.env.BENCH_REPLAY_SAMPLES ?? 161_000);
const WINDOW = Number(process.env.BENCH_REPLAY_WINDOW ?? 4);
/** Timestamps per probe series in one batch (a spool file of an agent probing three targets). */
const PER_BATCH = 200;
const PROBES = ['web-http', 'api-http', 'db-tcp'];
const TOKEN = 'bench-token-1';

const config = (services) => services.length === 0 ? 'services: []\n' : `services:\n${services
  .map((probe, i) => `  - id: svc-${i}\n    name: Service ${i}\n    probes: [${probe}]\n    sla:\n      availability: 99.9\n      windows: [30d]\n`)
  .join('')}`;

/**
 * One agent sends SAMPLES probe results for the three probes, `stepMs` apart per probe, the first
 * at `firstMs`, WINDOW batches in flight. Resolves with the seconds until the last ack.
 */
function timestampsOf(batch, perProbe, firstMs, stepMs) {
  return Array.from({ length: Math.min(PER_BATCH, perProbe - batch * PER_BATCH) }, (_, i) => firstMs + (batch * PER_BATCH + i) * stepMs);
}

/** Minutes holding results of one phase (what the SLA figures count once the phase is folded in). */
function minutesOf(firstMs, stepMs) {
  const perProbe = Math.ceil(SAMPLES / PROBES.length);
  const minutes = new Set();
  for (let i = 0; i < perProbe; i++) minutes.add(Math.floor((firstMs + i * stepMs) / 60_000));
  return minutes;
}

/** Seconds from `t0` until the SLA figures of every service count `expected` minutes. */
async function settled(http, expected, t0) {
  for (;;) {
    const counted = await Promise.all(PROBES.map(async (_, i) => (await (await fetch(`http://${http}/api/services/svc-${i}/sla?window=30d`)).json()).minutes.counted));
    if (counted.every((n) => n >= expected)) return (performance.now() - t0) / 1000;
    await new Promise((r) => setTimeout(r, 100));
  }
}

function send(grpc, agentId, firstMs, stepMs) {
  const Client = makeGenericClientConstructor(IngestService, 'Ingest');
  const client = new Client(grpc, credentials.createInsecure());
  const perProbe = Math.ceil(SAMPLES / PROBES.length);
  const batches = Math.ceil(perProbe / PER_BATCH);
  return new Promise((resolve, reject) => {
    const md = new Metadata();
    md.set('authorization', `Bearer ${TOKEN}`);
    const call = client.stream(md);
    let next = 0;
    let acked = 0;
    let t0 = 0;
    const sendOne = () => {
      if (next >= batches) return;
      const b = next++;
      const timestampsMs = timestampsOf(b, perProbe, firstMs, stepMs);
      // Mostly up, a failed minute now and then, so the SLA figures have something to count.
      const series = PROBES.map((probe) => ({ metric: 'vigil_probe_success', labels: { probe }, timestampsMs, values: timestampsMs.map((t) => (t % 3_600_000 < 60_000 ? 0 : 1)) }));
      call.write(vigil.v1.AgentMessage.create({ batch: { seq: b + 1, series, createdMs: timestampsMs[0] } }));
    };
    call.on('data', (m) => {
      if (m.body === 'welcome') {
        t0 = performance.now();
        for (let i = 0; i < WINDOW; i++) sendOne();
      } else if (m.body === 'ack') {
        acked++;
        if (acked === batches) {
          const seconds = (performance.now() - t0) / 1000;
          call.end();
          client.close();
          resolve(seconds);
        } else sendOne();
      }
    });
    call.on('error', reject);
    call.write(vigil.v1.AgentMessage.create({ hello: { agentId, hostname: agentId, version: 'bench', streamEpoch: 'e1', intervalMs: 10_000 } }));
  });
}

async function measure(label, services) {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-replay-'));
  try {
    writeFileSync(join(dir, 'collector.yaml'), config(services));
    const { child, grpc, http } = await startCollector(['--config', join(dir, 'collector.yaml'), '--db', join(dir, 'vigil.db'), '--grpc-listen', '127.0.0.1:0', '--http-listen', '127.0.0.1:0', '--agent-token', TOKEN]);
    try {
      const now = Date.now();
      // Live: the last ~9 minutes, inside the default 15m late-data window.
      const liveFrom = now - 540_000;
      const liveStep = Math.floor(540_000 / (SAMPLES / PROBES.length));
      const live = await send(grpc, 'live', liveFrom, liveStep);
      // Replay: ten-second results of the last ~6 days, as an agent's spool after an outage.
      const replayFrom = now - 6.2 * 86_400_000;
      const replayStarted = performance.now();
      const replay = await send(grpc, 'replay', replayFrom, 10_000);
      let settle = '';
      if (services.length) {
        const expected = new Set([...minutesOf(liveFrom, liveStep), ...minutesOf(replayFrom, 10_000)]).size;
        settle = `   SLA figures include it after ${fmt(await settled(http, expected, replayStarted), 2)} s`;
      }
      const rss = processUsage(child.pid).rssBytes;
      const liveRate = SAMPLES / live;
      const replayRate = SAMPLES / replay;
      console.log(`${label.padEnd(16)} live ${fmt(liveRate)} samples/s (${fmt(live, 2)} s)   replay ${fmt(replayRate)} samples/s (${fmt(replay, 2)} s)   replay/live ${fmt((replayRate / liveRate) * 100)} %${settle}   RSS ${fmt(rss / 2 ** 20)} MiB`);
      return replayRate / liveRate;
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

console.log(`${fmt(SAMPLES)} probe results per phase, ${PROBES.length} probes, ${PER_BATCH} results per probe and batch, ${WINDOW} batches in flight`);
await measure('no services', []);
const ratio = await measure('3 SLA services', PROBES);
console.log(`target                 replay >= 50 % of live with three SLA services: ${ratio >= 0.5 ? 'met' : 'NOT met'}`);
