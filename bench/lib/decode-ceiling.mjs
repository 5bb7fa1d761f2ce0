// The least work a collector must do per sample, measured on one core in the bench process: decode
// the batches agents send with protobufjs and look each series up (the series cache a collector cannot
// do without). The ingest goal is stated as a fraction of this ceiling.
import { readFileSync } from 'node:fs';
import { vigil, seriesKey } from '@vigil/proto';

/**
 * Samples/s of decode + one lookup per series, for `streams` agents of `series` series of one sample each.
 * `shape` is what the load sends (bench/lib/ingest-load.mjs): `full` batches are looked up by series key,
 * `refs` batches (samples by number, series defined earlier on the stream) by the stream's table of numbers.
 */
export function measureDecodeCeiling({ streams = 100, series = 100, seconds = 2, shape = 'full' } = {}) {
  const ts = Date.now();
  const refs = Array.from({ length: series }, (_, i) => i + 1);
  const frames = Array.from({ length: streams }, (_, s) =>
    vigil.v1.AgentMessage.encode({
      batch:
        shape === 'refs'
          ? { seq: 2, createdMs: ts, refSamples: { refs, values: refs.map((r) => r + s), baseTimestampMs: ts } }
          : { seq: 1, createdMs: ts, series: Array.from({ length: series }, (_, i) => ({ metric: 'vigil_bench_value', labels: { cpu: String(i), stream: String(s) }, timestampsMs: [ts], values: [i] })) },
    }).finish(),
  );
  const known = new Map();
  // Per stream: series number -> series id, as defined by the stream's first batch.
  const tables = Array.from({ length: streams }, (_, s) => Int32Array.from({ length: series + 1 }, (_, r) => s * series + r));
  let samples = 0;
  let checksum = 0;
  const started = performance.now();
  const until = started + seconds * 1000;
  while (performance.now() < until) {
    for (let f = 0; f < frames.length; f++) {
      const batch = vigil.v1.AgentMessage.decode(frames[f]).batch;
      if (shape === 'refs') {
        const { refs: numbers, values } = batch.refSamples;
        const table = tables[f];
        for (let i = 0; i < numbers.length; i++) checksum += table[numbers[i]] + values[i];
        samples += numbers.length;
        continue;
      }
      for (const s of batch.series) {
        const key = seriesKey(s.metric, s.labels);
        let id = known.get(key);
        if (id === undefined) known.set(key, (id = known.size + 1));
        checksum += id + s.values[0];
        samples += s.values.length;
      }
    }
  }
  if (checksum === 0) throw new Error('nothing decoded');
  return samples / ((performance.now() - started) / 1000);
}

/**
 * The ceiling measured again and again through a bench run, per shape: one measurement of a few seconds swings
 * with the machine's other load, the garbage collector's timing and, the first time in a process, the compiler's
 * warm-up. `measure()` adds one measurement of each shape (the same as `measureDecodeCeiling`); the first of each
 * shape is kept apart as the cold one. `summary()` gives the median of the others, the figure to divide by, and
 * their spread, and how much CPU other processes took meanwhile (Linux; the bench has two cores to share).
 */
export function decodeCeilingSeries(shapes, options) {
  const cold = {};
  const warm = Object.fromEntries(shapes.map((shape) => [shape, []]));
  const others = [];
  return {
    measure() {
      for (const shape of shapes) {
        const [busy, own, started] = [machineBusySeconds(), process.cpuUsage(), performance.now()];
        const rate = measureDecodeCeiling({ ...options, shape });
        if (cold[shape] === undefined) {
          cold[shape] = rate;
          continue;
        }
        warm[shape].push(rate);
        const mine = process.cpuUsage(own);
        if (busy !== undefined) others.push(Math.max(0, machineBusySeconds() - busy - (mine.user + mine.system) / 1e6) / ((performance.now() - started) / 1000));
      }
    },
    /**
     * { median, min, max, count, cold, values } of one shape (with no warm measurement, the cold one stands in), and
     * `others`: the least and most cores other processes kept busy during a warm measurement of any shape.
     */
    summary(shape) {
      const values = warm[shape].length ? warm[shape] : [cold[shape]];
      const sorted = [...values].sort((a, b) => a - b);
      const mid = sorted.length >> 1;
      const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
      return { median, min: sorted[0], max: sorted[sorted.length - 1], count: warm[shape].length, cold: cold[shape], values, others: others.length ? [Math.min(...others), Math.max(...others)] : undefined };
    },
  };
}

/** Seconds of CPU the whole machine has spent busy (all but idle and I/O wait), from /proc/stat; undefined without it. */
function machineBusySeconds() {
  try {
    const [user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/).slice(1).map(Number);
    return (user + nice + system + irq + softirq + steal) / 100; // USER_HZ
  } catch {
    return undefined;
  }
}
