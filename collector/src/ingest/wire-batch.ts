// Full-series batches (agents before references) read against the stream's memo (docs/storage.md, "Full batches
// against the stream's memo"). A stream sends the same series in the same order in every batch, so a series whose
// name, labels and type are the very bytes they were at its position last time is the memo's entry again: only its
// samples are read, without protobufjs's objects, strings and arrays per series. Any other series is decoded by
// protobufjs from its own bytes and checked as validateBatch checks it; any message outside the plain form read
// here goes to protobufjs whole. What is stored, rejected and acked is what validateBatch gives for the message
// protobufjs decodes, and a message protobufjs cannot decode is refused the same way (wire-batch.spec.ts).
import { status as GrpcStatus } from '@grpc/grpc-js';
import { WireError, WireReader, vigil } from '@vigil/proto';
import { BatchCheck, batchProblem, kindOf, type ValidationContext } from './batch-validation.js';
import { StreamError } from './ingest.errors.js';
import { seriesBytes, SERIES_BYTES } from './inflight-budget.js';
import type { CheckedBatch } from './ref-batch.js';

/** An AgentMessage that holds a Batch of full series only, as read by readSeriesBatch. */
export interface SeriesBatchWire {
  readonly bytes: Buffer;
  readonly seq: number;
  /** Per series, four numbers: where its bytes start, where its head (fields 1-3) ends, and where its timestamps and values start in the arrays below. */
  readonly layout: number[];
  readonly timestamps: number[];
  readonly values: number[];
}

const LAYOUT = 4;
// Keys (field number << 3 | wire type) of the plain form.
const MESSAGE_BATCH = (2 << 3) | 2;
const BATCH_SEQ = (1 << 3) | 0;
const BATCH_SERIES = (2 << 3) | 2;
const BATCH_CREATED = (3 << 3) | 0;
const SERIES_METRIC = (1 << 3) | 2;
const SERIES_LABEL = (2 << 3) | 2;
const SERIES_TYPE = (3 << 3) | 0;
const TIMESTAMP = (4 << 3) | 0;
const TIMESTAMPS = (4 << 3) | 2;
const VALUE = (5 << 3) | 1;
const VALUES = (5 << 3) | 2;

/**
 * The AgentMessage in `bytes` when it is a Batch of full series in the plain form: fields seq, series and
 * created only; in each series, name, labels and type before any timestamps and values, and nothing else; packed
 * fields that end exactly where their length says. Undefined for anything else (hello, heartbeat, definitions,
 * references, unknown fields, malformed bytes), which protobufjs decodes (or refuses) as before. The heads'
 * contents (the label entries, UTF-8) are protobufjs's to check when a head is not the memo's.
 */
export function readSeriesBatch(bytes: Buffer): SeriesBatchWire | undefined {
  const r = new WireReader(bytes);
  try {
    if (bytes.length === 0 || r.uint32() !== MESSAGE_BATCH || r.delimitedEnd() !== bytes.length) return undefined;
    let seq = 0;
    const layout: number[] = [];
    const timestamps: number[] = [];
    const values: number[] = [];
    while (r.pos < bytes.length) {
      const key = r.uint32();
      if (key === BATCH_SEQ) seq = r.uint64();
      else if (key === BATCH_CREATED) r.int64();
      else if (key !== BATCH_SERIES || !readSeries(r, layout, timestamps, values)) return undefined;
    }
    return { bytes, seq, layout, timestamps, values };
  } catch (error) {
    if (error instanceof WireError) return undefined;
    throw error;
  }
}

function readSeries(r: WireReader, layout: number[], timestamps: number[], values: number[]): boolean {
  const end = r.delimitedEnd();
  const outer = r.end;
  r.end = end;
  const start = r.pos;
  let head = start;
  for (;;) {
    if (r.pos === end) break;
    const key = r.uint32();
    if (key === SERIES_METRIC || key === SERIES_LABEL) r.pos = r.delimitedEnd();
    else if (key === SERIES_TYPE) r.uint32();
    else {
      r.pos = head;
      break;
    }
    head = r.pos;
  }
  layout.push(start, head, timestamps.length, values.length);
  while (r.pos < end) {
    const key = r.uint32();
    if (key === TIMESTAMP) timestamps.push(r.int64());
    else if (key === VALUE) values.push(r.double());
    else if (key === TIMESTAMPS || key === VALUES) {
      const packedEnd = r.delimitedEnd();
      if (key === VALUES && (packedEnd - r.pos) % 8 !== 0) return false;
      r.end = packedEnd;
      if (key === TIMESTAMPS) while (r.pos < packedEnd) timestamps.push(r.int64());
      else while (r.pos < packedEnd) values.push(r.double());
      r.end = end;
    } else return false;
  }
  r.end = outer;
  return true;
}

/** What ingest ends a stream with when a message does not decode (what grpc-js answered when it decoded them). */
export function undecodable(): StreamError {
  return new StreamError(GrpcStatus.INTERNAL, 'Error deserializing request', 'undecodable');
}

/** An AgentMessage decoded by protobufjs; a StreamError (undecodable) when it is not one. */
export function decodeAgentMessage(bytes: Buffer): vigil.v1.AgentMessage {
  try {
    return vigil.v1.AgentMessage.decode(bytes);
  } catch {
    throw undecodable();
  }
}

/**
 * checkStreamBatch for a batch read by readSeriesBatch: the same validation and estimate as for the message
 * protobufjs decodes. Throws undecodable() when the head of a series not in the memo does not decode.
 */
export function checkSeriesBatch(wire: SeriesBatchWire, ctx: ValidationContext): CheckedBatch {
  const { bytes, layout, timestamps, values } = wire;
  const count = layout.length / LAYOUT;
  let estimate = SERIES_BYTES;
  for (let p = 0; p < count; p++) estimate += seriesBytes(Math.max(valuesOf(wire, p), timestampsOf(wire, p)));
  const refused = batchProblem(wire, count, values.length, ctx);
  if (refused) return { validation: refused, bytes: estimate };
  const check = new BatchCheck(ctx, 'columns', count, values.length);
  const memo = ctx.memo;
  memo?.beginHeads(bytes);
  for (let p = 0, at = 0; p < count; p++, at += LAYOUT) {
    const start = layout[at]!;
    const head = layout[at + 1]!;
    const tsFrom = layout[at + 2]!;
    const from = layout[at + 3]!;
    const known = memo?.sameHead(p, bytes, start, head);
    if (known && check.known(known, timestamps, tsFrom, timestampsOf(wire, p), values, from, valuesOf(wire, p))) continue;
    const series = decodeHead(bytes, start, head);
    series.timestampsMs = timestamps.slice(tsFrom, tsFrom + timestampsOf(wire, p));
    series.values = values.slice(from, from + valuesOf(wire, p));
    const entry = check.series(p, series);
    if (entry !== undefined && entry.kind === kindOf(series.type)) memo?.noteHead(p, start, head);
  }
  memo?.keepHeads();
  return { validation: check.result(), bytes: estimate };
}

function decodeHead(bytes: Buffer, start: number, end: number): vigil.v1.Series {
  try {
    return vigil.v1.Series.decode(bytes.subarray(start, end));
  } catch {
    throw undecodable();
  }
}

function timestampsOf(wire: SeriesBatchWire, p: number): number {
  const next = (p + 1) * LAYOUT;
  return (next < wire.layout.length ? wire.layout[next + 2]! : wire.timestamps.length) - wire.layout[p * LAYOUT + 2]!;
}

function valuesOf(wire: SeriesBatchWire, p: number): number {
  const next = (p + 1) * LAYOUT;
  return (next < wire.layout.length ? wire.layout[next + 3]! : wire.values.length) - wire.layout[p * LAYOUT + 3]!;
}
