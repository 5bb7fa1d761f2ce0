// Encodes a batch for the spool: the bytes of `vigil.v1.Batch.encode`, at a fraction of its cost. A series' name,
// labels and type are the same on every tick, so their encoding is kept per series and only the samples are
// encoded per batch. The agent runs without V8's optimising compilers (see bin/vigil-agent.js), where encoding the
// names and labels again costs about 30 µs per series and tick.
//
// A series' fields are written in field-number order: the encoding of {metric, labels, type} followed by that of
// {timestampsMs, values} is the encoding of the whole Series.
import { WireWriter, writeSeriesHead, writeSeriesSamples, type vigil } from '@vigil/proto/agent';
import { seriesKeyOf } from './series-key.js';

/** Encoded heads kept at most; beyond that the cache starts over (a scrape target with churning series). */
const MAX_HEADS = 20_000;

type SeriesProperties = vigil.v1.Series.$Properties;

const NONE: readonly number[] = [];

export class BatchEncoder {
  /** By series key (the batcher's string, whose hash V8 keeps), with the type the head was encoded with. */
  private readonly heads = new Map<string, { type: number; bytes: Uint8Array }>();

  /** The protobuf encoding of Batch {seq, series, createdMs}. */
  encode(seq: number, series: readonly SeriesProperties[], createdMs: number): Uint8Array {
    const writer = new WireWriter();
    if (seq) writer.tag(1, 0).int64(seq);
    for (let i = 0; i < series.length; i++) {
      const s = series[i]!;
      const head = this.headOf(s);
      if (!writer.headAndSamples(2, head, s.timestampsMs ?? NONE, s.values ?? NONE)) writeSeriesSamples(writer.tag(2, 2).fork().raw(head), s).ldelim();
    }
    if (createdMs) writer.tag(3, 0).int64(createdMs);
    return writer.finish();
  }

  private headOf(series: SeriesProperties): Uint8Array {
    const key = seriesKeyOf(series);
    const type = series.type ?? 0;
    let head = this.heads.get(key);
    if (head === undefined || head.type !== type) {
      head = { type, bytes: writeSeriesHead(new WireWriter(64), series).finish() };
      if (this.heads.size >= MAX_HEADS) this.heads.clear();
      this.heads.set(key, head);
    }
    return head.bytes;
  }
}
