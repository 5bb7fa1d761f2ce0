// Encodes a batch for the spool: the bytes `vigil.v1.Batch.encode` writes, at a fraction of its cost. A series'
// name, labels and type are the same on every tick, so their encoding is kept per series and only the samples are
// encoded per batch, all by the generated code into one writer. The agent runs without V8's optimising compilers
// (see bin/vigil-agent.js), where encoding the names and labels again costs about 30 µs per series and tick.
//
// This relies on the generated encoder writing a message's fields in field-number order: the encoding of
// {metric, labels, type} followed by that of {timestampsMs, values} is the encoding of the whole Series.
import { vigil } from '@vigil/proto';
import { seriesKeyOf } from './series-key.js';

/** Encoded heads kept at most; beyond that the cache starts over (a scrape target with churning series). */
const MAX_HEADS = 20_000;
/** Wire tag of Batch.series: field 2, length-delimited. */
const BATCH_SERIES_TAG = (2 << 3) | 2;

type SeriesProperties = vigil.v1.Series.$Properties;

export class BatchEncoder {
  /** By series key (the batcher's string, whose hash V8 keeps), with the type the head was encoded with. */
  private readonly heads = new Map<string, { type: number; bytes: Uint8Array }>();

  /** The protobuf encoding of Batch {seq, series, createdMs}. */
  encode(seq: number, series: readonly SeriesProperties[], createdMs: number): Uint8Array {
    const writer = vigil.v1.Batch.encode({ seq });
    for (const s of series) {
      writer.uint32(BATCH_SERIES_TAG).fork();
      if (s.$unknowns) vigil.v1.Series.encode(s, writer);
      else vigil.v1.Series.encode({ timestampsMs: s.timestampsMs, values: s.values }, writer.raw(this.headOf(s)));
      writer.ldelim();
    }
    return vigil.v1.Batch.encode({ createdMs }, writer).finish();
  }

  private headOf(series: SeriesProperties): Uint8Array {
    const key = seriesKeyOf(series);
    const type = series.type ?? 0;
    let head = this.heads.get(key);
    if (head === undefined || head.type !== type) {
      head = { type, bytes: vigil.v1.Series.encode({ metric: series.metric, labels: series.labels, type: series.type }).finish() };
      if (this.heads.size >= MAX_HEADS) this.heads.clear();
      this.heads.set(key, head);
    }
    return head.bytes;
  }
}
