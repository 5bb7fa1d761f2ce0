#!/usr/bin/env node
// Bytes per sample on the wire: the same batches sent in full (every batch repeats every series' name and
// labels; what a collector without series references gets) and with series references (defined once per
// stream, then sent by number), encoded by the agent's own encoder and resolved by the collector's own table
// (every batch is checked to come back identical). Counts the AgentMessage plus gRPC's 5-byte message prefix.
// Needs `npm run build`.
//   node bench/wire.mjs        env: BENCH_WIRE_BATCHES (default 1000 per shape)
import { seriesKey, vigil } from '@vigil/proto';
import { SeriesRefEncoder, MAX_SERIES_REFS } from '../agent/dist/transport/series-refs.js';
import { SeriesRefTable } from '../collector/dist/ingest/series-refs.js';

const BATCHES = Number(process.env.BENCH_WIRE_BATCHES ?? 1000);
const GRPC_PREFIX = 5;
const MAX_MESSAGE = 4 << 20;

/** Series of a typical host tick: the names and labels the agent's samplers emit (100 in all). */
function hostSeries() {
  const out = [];
  for (let cpu = 0; cpu < 8; cpu++) for (const mode of ['user', 'system', 'iowait', 'idle', 'steal']) out.push(['vigil_cpu_seconds_total', { cpu: String(cpu), mode }, 1]);
  for (const dev of ['sda', 'sdb', 'nvme0n1']) for (const m of ['vigil_disk_read_bytes_total', 'vigil_disk_written_bytes_total', 'vigil_disk_io_time_seconds_total']) out.push([m, { device: dev }, 1]);
  for (const dev of ['eth0', 'eth1', 'lo']) for (const m of ['vigil_network_receive_bytes_total', 'vigil_network_transmit_bytes_total', 'vigil_network_receive_errors_total']) out.push([m, { device: dev }, 1]);
  for (const mp of ['/', '/boot', '/var', '/home']) for (const m of ['vigil_filesystem_size_bytes', 'vigil_filesystem_used_bytes', 'vigil_filesystem_used_ratio']) out.push([m, { mountpoint: mp, device: `/dev/sda${mp.length}`, fstype: 'ext4' }, 0]);
  for (const m of ['vigil_load1', 'vigil_load5', 'vigil_load15', 'vigil_memory_used_bytes', 'vigil_memory_available_bytes', 'vigil_memory_used_ratio', 'vigil_swap_used_bytes']) out.push([m, {}, 0]);
  for (const target of ['https://example.org/health', 'https://api.example.org/v1/ping']) for (const m of ['vigil_probe_success', 'vigil_probe_duration_seconds', 'vigil_probe_http_status_code']) out.push([m, { probe: 'http', target }, 0]);
  while (out.length < 100) out.push(['vigil_process_cpu_seconds_total', { process: `worker-${out.length}` }, 1]);
  return out.slice(0, 100);
}

const shapes = [
  { name: 'bench/ingest.mjs shape (100 series {cpu=N}, 1 sample each, 1 tick per batch)', series: Array.from({ length: 100 }, (_, i) => ['vigil_bench_value', { cpu: String(i) }, 0]), ticks: 1 },
  { name: 'host tick (100 series, 1 sample each, 1 tick per batch)', series: hostSeries(), ticks: 1 },
  { name: 'host, 10 ticks per batch (1 s interval, 10 s batches)', series: hostSeries(), ticks: 10 },
];

function batchOf(seq, shape, t0) {
  const series = shape.series.map(([metric, labels, counter], i) => ({
    metric,
    labels,
    type: counter,
    timestampsMs: Array.from({ length: shape.ticks }, (_, k) => t0 + k * 1000),
    values: Array.from({ length: shape.ticks }, (_, k) => (counter ? 1e6 + seq * 37.25 + i + k : Math.random())),
  }));
  return vigil.v1.Batch.create({ seq, createdMs: t0 + shape.ticks * 1000, series });
}

const wireBytes = (batch) => GRPC_PREFIX + vigil.v1.AgentMessage.encode({ batch }).finish().length;
const canonical = (series) =>
  series.flatMap((s) => s.values.map((v, i) => `${seriesKey(s.metric, s.labels)} ${s.type ?? 0} ${Number(s.timestampsMs[i])} ${v}`)).sort().join('\n');

console.log(`bytes per sample on the wire, ${BATCHES} batches per shape (steady state excludes each stream's first batch)`);
for (const shape of shapes) {
  const encoder = new SeriesRefEncoder(MAX_SERIES_REFS);
  const table = new SeriesRefTable(MAX_SERIES_REFS);
  let full = 0;
  let refs = 0;
  let samples = 0;
  let first = 0;
  let t0 = Date.now() - 3_600_000;
  const started = performance.now();
  let encodeMs = 0;
  for (let seq = 1; seq <= BATCHES; seq++) {
    const batch = batchOf(seq, shape, t0);
    t0 += shape.ticks * 1000;
    const payload = vigil.v1.Batch.encode(batch).finish();
    const e0 = performance.now();
    const compact = encoder.encode(batch, payload.length, MAX_MESSAGE);
    const bytes = wireBytes(compact);
    encodeMs += performance.now() - e0;
    // What the collector receives: decode the wire bytes, resolve, compare with what the agent stored.
    const received = vigil.v1.AgentMessage.decode(vigil.v1.AgentMessage.encode({ batch: compact }).finish()).batch;
    const resolved = table.resolve(received);
    if (resolved.problem || canonical(resolved.batch.series) !== canonical(batch.series)) throw new Error(`batch ${seq} did not survive the round trip: ${resolved.problem?.detail ?? 'samples differ'}`);
    const n = shape.series.length * shape.ticks;
    if (seq === 1) {
      first = bytes / n;
      continue;
    }
    full += wireBytes(batch);
    refs += bytes;
    samples += n;
  }
  console.log(`\n${shape.name}`);
  console.log(`  full series (old collector, or old agent): ${(full / samples).toFixed(2)} B/sample`);
  console.log(`  series references, steady state:           ${(refs / samples).toFixed(2)} B/sample  (${((100 * refs) / full).toFixed(0)}% of full; goal <= 12)`);
  console.log(`  series references, a stream's first batch: ${first.toFixed(2)} B/sample (definitions)`);
  console.log(`  agent encode + measure: ${((1000 * encodeMs) / BATCHES).toFixed(1)} us/batch; round trip checked in ${(performance.now() - started).toFixed(0)} ms`);
}
