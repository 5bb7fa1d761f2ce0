// Series references on the wire (proto: Batch.definitions, Batch.ref_samples). The spool keeps every batch in
// full form; a batch is turned into references only when it is sent, against the references of the current
// stream. A new stream starts a new encoder, so a batch replayed after a reconnect defines what it uses again.
import { batchLength, type vigil } from '@vigil/proto/agent';
import { seriesKeyOf } from '../pipeline/series-key.js';

/** Most series the agent defines per stream: numbers up to here take at most 2 bytes on the wire. */
export const MAX_SERIES_REFS = 16_383;

/** The references of one stream, as the agent assigned them. */
export class SeriesRefEncoder {
  private readonly refs = new Map<string, number>();

  /** `limit`: the collector's Welcome.max_series_refs, capped at MAX_SERIES_REFS. */
  constructor(private readonly limit: number) {}

  get defined(): number {
    return this.refs.size;
  }

  /**
   * The form of `batch` to send on this stream: series defined earlier go by number, new ones are defined here
   * (while numbers last; beyond that they stay in full). When the referenced form would not fit `maxBytes`, the
   * full form (`fullBytes`, which fits) is returned and nothing is defined. Definitions count as made once this
   * returns: the caller sends the result on the stream.
   */
  encode(batch: vigil.v1.IBatch, fullBytes: number, maxBytes: number): vigil.v1.IBatch {
    const input = batch.series ?? [];
    const definitions: vigil.v1.ISeriesDefinition[] = [];
    const newKeys: string[] = [];
    const full: vigil.v1.ISeries[] = [];
    const refs: number[] = [];
    const timestamps: number[] = [];
    const values: number[] = [];
    for (const series of input) {
      const key = seriesKeyOf(series);
      let ref = this.refs.get(key);
      if (ref === undefined) {
        if (this.refs.size + definitions.length >= this.limit) {
          full.push(series);
          continue;
        }
        ref = this.refs.size + definitions.length + 1;
        definitions.push({ ref, metric: series.metric, labels: series.labels, type: series.type });
        newKeys.push(key);
      }
      const ts = series.timestampsMs ?? [];
      const vs = series.values ?? [];
      for (let i = 0; i < vs.length; i++) {
        refs.push(ref);
        timestamps.push(Number(ts[i]));
        values.push(vs[i]!);
      }
    }
    const compact: vigil.v1.IBatch = { seq: batch.seq, createdMs: batch.createdMs, series: full, definitions, refSamples: columns(refs, timestamps, values) };
    // The referenced form is smaller but for pathological inputs (huge numbers, scattered timestamps); only a
    // batch near the limit is measured exactly.
    if (fullBytes * 1.5 + 64 > maxBytes && batchLength(compact) > maxBytes) return batch;
    for (let i = 0; i < newKeys.length; i++) this.refs.set(newKeys[i]!, definitions[i]!.ref!);
    return compact;
  }
}

/**
 * Samples as columns. Ordered by time (stable), so that timestamp deltas are mostly 0 (one byte each); none at
 * all when every sample shares the base timestamp (the usual tick).
 */
function columns(refs: number[], timestamps: number[], values: number[]): vigil.v1.IRefSamples | undefined {
  const n = refs.length;
  if (n === 0) return undefined;
  const base = timestamps[0]!;
  let shared = true;
  let sorted = true;
  for (let i = 1; i < n; i++) {
    if (timestamps[i] !== base) shared = false;
    if (timestamps[i]! < timestamps[i - 1]!) sorted = false;
  }
  if (shared) return { refs, values, baseTimestampMs: base };
  const order = Array.from({ length: n }, (_, i) => i);
  if (!sorted) order.sort((a, b) => timestamps[a]! - timestamps[b]! || a - b);
  const outRefs = new Array<number>(n);
  const outValues = new Array<number>(n);
  const deltas = new Array<number>(n);
  let previous = timestamps[order[0]!]!;
  for (let k = 0; k < n; k++) {
    const i = order[k]!;
    outRefs[k] = refs[i]!;
    outValues[k] = values[i]!;
    deltas[k] = timestamps[i]! - previous;
    previous = timestamps[i]!;
  }
  return { refs: outRefs, values: outValues, baseTimestampMs: timestamps[order[0]!]!, timestampDeltasMs: deltas };
}
