// The ingest load of the benchmarks: many simulated agents streaming batches over real gRPC.
import { credentials, makeGenericClientConstructor, Metadata, status } from '@grpc/grpc-js';
import { IngestService, vigil } from '@vigil/proto';
import { processUsage } from './processes.mjs';

const CHANNELS = 8;

/**
 * The load's settings from the environment: BENCH_STREAMS (default 1000), BENCH_SERIES (100 per
 * batch), BENCH_SECONDS (20), BENCH_WINDOW (2 batches in flight per stream), BENCH_PACED_RATE (samples/s
 * offered in a paced phase; `pacedRate` by default), BENCH_SHAPE: `refs` (default; what current agents send
 * to a collector that offers series references: each stream defines its series in its first batch, then
 * sends samples by number) or `full` (every batch repeats every series' name and labels: agents before
 * references, or any agent talking to a collector before them). A list (`refs,full`) is for benches that
 * measure each shape in turn: `shapes`; `shape` and `load` take the first.
 */
export function loadSettings({ pacedRate = 50_000 } = {}) {
  const streams = Number(process.env.BENCH_STREAMS ?? 1000);
  const shapes = (process.env.BENCH_SHAPE ?? 'refs').split(',');
  for (const s of shapes) if (s !== 'refs' && s !== 'full') throw new Error(`BENCH_SHAPE must be refs, full or both comma-separated, not ${s}`);
  const shape = shapes[0];
  const series = Number(process.env.BENCH_SERIES ?? 100);
  const window = Number(process.env.BENCH_WINDOW ?? 2);
  const token = 'bench-token-1';
  return {
    streams,
    series,
    window,
    token,
    shape,
    shapes,
    seconds: Number(process.env.BENCH_SECONDS ?? 20),
    pacedRate: Number(process.env.BENCH_PACED_RATE ?? pacedRate),
    /** What runPhase takes. */
    load: { streams, series, window, token, shape },
  };
}

/**
 * Streams batches from `streams` simulated agents (`series` per batch; the same agents and series in
 * every phase, a new stream epoch each, so a later phase measures steady ingest rather than the
 * creation of new series) for `seconds`. Closed loop (each stream keeps `window` batches in flight)
 * when `offeredRate` is undefined, else each stream sends on a fixed schedule so that all together offer
 * `offeredRate` samples/s (open loop: a send the generator was late for goes out at once, so its own delays
 * do not lower the rate offered). With the collector's `pid`, also the collector CPU seconds it took.
 * Returns acked samples/s, sorted ack latencies (ms), streams ended UNAVAILABLE and the CPU seconds.
 * Agents are named bench-<firstAgent + i>, so phases against several collectors can split one fleet.
 */
export async function runPhase(grpc, name, seconds, offeredRate, { streams: STREAMS, series: SERIES, window: WINDOW, token: TOKEN, shape = 'refs', firstAgent = 0 }, pid) {
  const Client = makeGenericClientConstructor(IngestService, 'Ingest');
  const clients = Array.from({ length: CHANNELS }, (_, i) => new Client(grpc, credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1, 'channel-id': i }));
  const latencies = [];
  // BENCH_TIMELINE=1: the phase's acks by the second they were sent in, to see when the slow ones happen.
  const timeline = process.env.BENCH_TIMELINE === '1' ? [] : undefined;
  const timers = [];
  // Paced streams: the next send's time on the schedule, and how to send it.
  const pacers = [];
  const everyMs = offeredRate === undefined ? 0 : (STREAMS * SERIES * 1000) / offeredRate;
  let ackedSamples = 0;
  let sentSamples = 0;
  let refusedStreams = 0;
  const rejections = [];
  let running = true;
  // Paced streams whose last ack came before the stop: nothing more will arrive to end them.
  const endIfIdle = [];
  // The clock starts once every stream got its welcome: connecting 1,000 agents is not ingest.
  let welcomed = 0;
  let measuring = false;
  let markAllWelcomed;
  const allWelcomed = new Promise((r) => (markAllWelcomed = r));
  const streams = Array.from({ length: STREAMS }, (_, s) =>
    new Promise((resolve, reject) => {
      const md = new Metadata();
      md.set('authorization', `Bearer ${TOKEN}`);
      const call = clients[s % CHANNELS].stream(md);
      const labels = Array.from({ length: SERIES }, (_, i) => ({ cpu: String(i) }));
      const refs = Array.from({ length: SERIES }, (_, i) => i + 1);
      // Set by the welcome: whether this stream sends by reference, and whether its series are defined yet.
      let byRef = false;
      let defined = false;
      const sentAt = new Map();
      let seq = 0;
      // Samples carry the time they were taken, as real agents' do (timestamps far in the past would
      // close every rollup bucket at once and measure a flood of rollup writes instead of ingest).
      let ts = 0;
      const sendOne = () => {
        if (measuring) sentSamples += SERIES;
        seq += 1;
        ts = Math.max(ts + 1, Date.now());
        sentAt.set(seq, performance.now());
        if (!byRef) {
          const series = labels.map((l, i) => ({ metric: 'vigil_bench_value', labels: l, timestampsMs: [ts], values: [i + seq] }));
          call.write(vigil.v1.AgentMessage.create({ batch: { seq, series, createdMs: ts } }));
          return;
        }
        // As the agent's SeriesRefEncoder sends a tick: one shared timestamp, samples as columns.
        const definitions = defined ? [] : labels.map((l, i) => ({ ref: i + 1, metric: 'vigil_bench_value', labels: l }));
        defined = true;
        const values = refs.map((ref) => ref - 1 + seq);
        call.write(vigil.v1.AgentMessage.create({ batch: { seq, createdMs: ts, definitions, refSamples: { refs, values, baseTimestampMs: ts } } }));
      };
      call.on('data', (m) => {
        if (m.body === 'welcome') {
          byRef = shape === 'refs' && Number(m.welcome.maxSeriesRefs ?? 0) >= SERIES;
          if (++welcomed === STREAMS) markAllWelcomed();
          if (offeredRate === undefined) for (let i = 0; i < WINDOW; i++) sendOne();
          // Spread the streams' first sends over one period so the load is even; they start together once every
          // stream is connected (the goal is latency at a steady rate, not during 1,000 agents' reconnection).
          else pacers.push({ offset: Math.random() * everyMs, due: measuring ? performance.now() : Infinity, sendOne });
        }
        // A rejected sample is not a durable one: figures with rejections would be wrong.
        if (m.body === 'rejection') rejections.push(`${m.rejection.reason}: ${m.rejection.detail}`);
        if (m.body !== 'ack') return;
        const seqAcked = Number(m.ack.seq);
        if (measuring) {
          const sent = sentAt.get(seqAcked);
          latencies.push(performance.now() - sent);
          timeline?.push([sent, performance.now() - sent]);
        }
        sentAt.delete(seqAcked);
        ackedSamples += SERIES;
        if (running && offeredRate === undefined) sendOne();
        else if (!running && sentAt.size === 0) call.end();
      });
      endIfIdle.push(() => sentAt.size === 0 && call.end());
      call.on('error', (e) => {
        // Offered more than it can take, the collector ends streams UNAVAILABLE (agents retry): counted, not fatal.
        if (e.code === status.UNAVAILABLE) refusedStreams++;
        if (running && e.code !== status.UNAVAILABLE) reject(e);
        else resolve();
      });
      call.on('end', resolve);
      call.write(vigil.v1.AgentMessage.create({ hello: { agentId: `bench-${firstAgent + s}`, hostname: `bench-${firstAgent + s}`, version: 'bench', streamEpoch: name, intervalMs: 10_000 } }));
    }),
  );
  if (offeredRate !== undefined) {
    timers.push(
      setInterval(() => {
        const now = performance.now();
        for (const pacer of pacers) {
          for (; running && pacer.due <= now; pacer.due += everyMs) pacer.sendOne();
        }
      }, 5),
    );
  }
  await Promise.race([allWelcomed, new Promise((r) => setTimeout(r, 60_000))]);
  const t0 = performance.now();
  for (const pacer of pacers) pacer.due = t0 + pacer.offset;
  const cpuAtStart = pid ? processUsage(pid).cpuSeconds : 0;
  measuring = true;
  const samplesAtStart = ackedSamples;
  await new Promise((r) => setTimeout(r, seconds * 1000));
  running = false;
  for (const t of timers) clearInterval(t);
  for (const end of endIfIdle) end();
  const elapsed = (performance.now() - t0) / 1000;
  const cpuSeconds = pid ? processUsage(pid).cpuSeconds - cpuAtStart : 0;
  const samplesAtStop = ackedSamples - samplesAtStart;
  const offered = sentSamples / elapsed;
  // Drain what is in flight before the next phase, so the phases do not overlap.
  await Promise.race([Promise.allSettled(streams), new Promise((r) => setTimeout(r, 60_000))]);
  for (const c of clients) c.close();
  if (rejections.length > 0) throw new Error(`the collector rejected ${rejections.length} batches of the ${name} phase, e.g. ${rejections[0]}`);
  latencies.sort((a, b) => a - b);
  if (timeline) printTimeline(name, timeline, t0);
  // startedMs/stoppedMs (performance.now()) place the phase's events, e.g. the collector's log lines.
  return { rate: samplesAtStop / elapsed, offered, elapsed, latencies, refusedStreams, cpuSeconds, samples: samplesAtStop, startedMs: t0, stoppedMs: t0 + elapsed * 1000 };
}

/** Per second of the phase (by send time): acks, p50, p99 and max latency in ms. */
function printTimeline(name, timeline, t0) {
  const bySecond = new Map();
  for (const [sent, ms] of timeline) {
    const second = Math.floor((sent - t0) / 1000);
    if (!bySecond.has(second)) bySecond.set(second, []);
    bySecond.get(second).push(ms);
  }
  console.log(`timeline of the ${name} phase (second sent: acks, p50 / p99 / max ms)`);
  for (const [second, list] of [...bySecond].sort((a, b) => a[0] - b[0])) {
    list.sort((a, b) => a - b);
    const at = (q) => list[Math.min(list.length - 1, Math.floor((q / 100) * list.length))].toFixed(0);
    console.log(`  ${String(second).padStart(3)} s: ${String(list.length).padStart(5)}  ${at(50)} / ${at(99)} / ${list.at(-1).toFixed(0)}`);
  }
}
