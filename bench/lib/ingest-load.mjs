// The ingest load of the benchmarks: many simulated agents streaming batches over real gRPC.
import { credentials, makeGenericClientConstructor, Metadata } from '@grpc/grpc-js';
import { IngestService, vigil } from '@vigil/proto';

const CHANNELS = 8;

/**
 * The load's settings from the environment: BENCH_STREAMS (default 1000), BENCH_SERIES (100 per
 * batch), BENCH_SECONDS (20), BENCH_WINDOW (2 batches in flight per stream), BENCH_PACED_RATE (50000
 * samples/s offered in a paced phase).
 */
export function loadSettings() {
  const streams = Number(process.env.BENCH_STREAMS ?? 1000);
  const series = Number(process.env.BENCH_SERIES ?? 100);
  const window = Number(process.env.BENCH_WINDOW ?? 2);
  const token = 'bench-token-1';
  return {
    streams,
    series,
    window,
    token,
    seconds: Number(process.env.BENCH_SECONDS ?? 20),
    pacedRate: Number(process.env.BENCH_PACED_RATE ?? 50_000),
    /** What runPhase takes. */
    load: { streams, series, window, token },
  };
}

/**
 * Streams batches from `streams` simulated agents (`series` per batch) for `seconds`. Closed loop
 * (each stream keeps `window` batches in flight) when `offeredRate` is undefined, else each stream
 * sends on a timer so that all together offer `offeredRate` samples/s. Returns acked samples/s and sorted ack latencies (ms).
 */
export async function runPhase(grpc, name, seconds, offeredRate, { streams: STREAMS, series: SERIES, window: WINDOW, token: TOKEN }) {
  const Client = makeGenericClientConstructor(IngestService, 'Ingest');
  const clients = Array.from({ length: CHANNELS }, (_, i) => new Client(grpc, credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1, 'channel-id': i }));
  const latencies = [];
  const timers = [];
  let ackedSamples = 0;
  let running = true;
  const t0 = performance.now();
  const streams = Array.from({ length: STREAMS }, (_, s) =>
    new Promise((resolve, reject) => {
      const md = new Metadata();
      md.set('authorization', `Bearer ${TOKEN}`);
      const call = clients[s % CHANNELS].stream(md);
      const labels = Array.from({ length: SERIES }, (_, i) => ({ cpu: String(i) }));
      const sentAt = new Map();
      let seq = 0;
      let ts = Date.now() - 60_000;
      const sendOne = () => {
        seq += 1;
        ts += 10;
        const series = labels.map((l, i) => ({ metric: 'vigil_bench_value', labels: l, timestampsMs: [ts], values: [i + seq] }));
        sentAt.set(seq, performance.now());
        call.write(vigil.v1.AgentMessage.create({ batch: { seq, series, createdMs: ts } }));
      };
      call.on('data', (m) => {
        if (m.body === 'welcome') {
          if (offeredRate === undefined) for (let i = 0; i < WINDOW; i++) sendOne();
          else {
            const everyMs = (STREAMS * SERIES * 1000) / offeredRate;
            // Spread the streams' first sends over one period so the load is even.
            timers.push(setTimeout(() => timers.push(setInterval(() => running && sendOne(), everyMs)), Math.random() * everyMs));
          }
        }
        if (m.body !== 'ack') return;
        const seqAcked = Number(m.ack.seq);
        latencies.push(performance.now() - sentAt.get(seqAcked));
        sentAt.delete(seqAcked);
        ackedSamples += SERIES;
        if (running && offeredRate === undefined) sendOne();
        else if (!running && sentAt.size === 0) call.end();
      });
      call.on('error', (e) => (running ? reject(e) : resolve()));
      call.on('end', resolve);
      call.write(vigil.v1.AgentMessage.create({ hello: { agentId: `bench-${name}-${s}`, hostname: `bench-${s}`, version: 'bench', streamEpoch: 'e1', intervalMs: 10_000 } }));
    }),
  );
  await new Promise((r) => setTimeout(r, seconds * 1000));
  running = false;
  for (const t of timers) clearInterval(t);
  const elapsed = (performance.now() - t0) / 1000;
  const samplesAtStop = ackedSamples;
  await Promise.race([Promise.allSettled(streams), new Promise((r) => setTimeout(r, 10_000))]);
  for (const c of clients) c.close();
  latencies.sort((a, b) => a - b);
  return { rate: samplesAtStop / elapsed, elapsed, latencies };
}

