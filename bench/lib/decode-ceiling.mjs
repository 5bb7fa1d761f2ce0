// The least work a collector must do per sample, measured on one core in the bench process: decode
// the batches agents send with protobufjs and look each series up by its key (the series cache a
// collector cannot do without). The ingest goal is stated as a fraction of this ceiling.
import { vigil, seriesKey } from '@vigil/proto';

/** Samples/s of decode + one series-key lookup per series, for `streams` agents of `series` series of one sample each. */
export function measureDecodeCeiling({ streams = 100, series = 100, seconds = 2 } = {}) {
  const ts = Date.now();
  const frames = Array.from({ length: streams }, (_, s) =>
    vigil.v1.AgentMessage.encode({
      batch: { seq: 1, createdMs: ts, series: Array.from({ length: series }, (_, i) => ({ metric: 'vigil_bench_value', labels: { cpu: String(i), stream: String(s) }, timestampsMs: [ts], values: [i] })) },
    }).finish(),
  );
  const known = new Map();
  let samples = 0;
  let checksum = 0;
  const started = performance.now();
  const until = started + seconds * 1000;
  while (performance.now() < until) {
    for (const frame of frames) {
      const batch = vigil.v1.AgentMessage.decode(frame).batch;
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
