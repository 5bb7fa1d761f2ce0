// The agent's side of the wire contract (vigil/v1/telemetry.proto) without protobufjs: it encodes what the agent
// sends (AgentMessage: Hello, Batch with full series or references, Heartbeat) and decodes what it receives
// (CollectorMessage: Welcome, Ack, Rejection) and reads back from its spool (Batch). protobufjs and its generated
// code cost a running agent more memory than the rest of its transport (docs/agent.md, Footprint); the collector
// keeps them. The bytes are those of the generated encoder (fields in number order, proto3 defaults left out), and
// decoding gives the same values, which `agent-codec.spec.ts` checks against the generated code on random messages.
// Fields this code does not know (from a newer collector) are skipped.
import type { vigil } from '../generated/telemetry.js';
import { WireReader } from './reader.js';
import { WireWriter } from './writer.js';

type Labels = { [name: string]: string } | null | undefined;

function writeMap(w: WireWriter, field: number, map: Labels): void {
  if (map == null) return;
  for (const key of Object.keys(map)) w.tag(field, 2).fork().tag(1, 2).string(key).tag(2, 2).string(map[key]!).ldelim();
}

function writeString(w: WireWriter, field: number, value: string | null | undefined): void {
  if (value != null && value !== '') w.tag(field, 2).string(value);
}

/** uint32 fields; for int32 and enums see writeEnum. */
function writeUint32(w: WireWriter, field: number, value: number | null | undefined): void {
  if (value != null && value !== 0) w.tag(field, 0).uint32(value);
}

function writeEnum(w: WireWriter, field: number, value: number | null | undefined): void {
  if (value != null && value !== 0) w.tag(field, 0).int32(value);
}

/** int64 and uint64 fields (as numbers). */
function writeInt64(w: WireWriter, field: number, value: number | null | undefined): void {
  if (value != null && value !== 0) w.tag(field, 0).int64(value);
}

/** Series fields 1-3: what stays the same from tick to tick (BatchEncoder keeps these bytes per series). */
export function writeSeriesHead(w: WireWriter, series: vigil.v1.Series.$Properties): WireWriter {
  writeString(w, 1, series.metric);
  writeMap(w, 2, series.labels);
  writeEnum(w, 3, series.type);
  return w;
}

/** Series fields 4-5: the samples. */
export function writeSeriesSamples(w: WireWriter, series: vigil.v1.Series.$Properties): WireWriter {
  if (series.timestampsMs?.length) w.tag(4, 2).packedInt64(series.timestampsMs);
  if (series.values?.length) w.tag(5, 2).packedDouble(series.values);
  return w;
}

export function writeBatch(w: WireWriter, batch: vigil.v1.Batch.$Properties): WireWriter {
  writeInt64(w, 1, batch.seq);
  for (const series of batch.series ?? []) writeSeriesSamples(writeSeriesHead(w.tag(2, 2).fork(), series), series).ldelim();
  writeInt64(w, 3, batch.createdMs);
  for (const d of batch.definitions ?? []) {
    w.tag(4, 2).fork();
    writeUint32(w, 1, d.ref);
    writeString(w, 2, d.metric);
    writeMap(w, 3, d.labels);
    writeEnum(w, 4, d.type);
    w.ldelim();
  }
  const refs = batch.refSamples;
  if (refs != null) {
    w.tag(5, 2).fork();
    if (refs.refs?.length) w.tag(1, 2).packedUint32(refs.refs);
    if (refs.values?.length) w.tag(2, 2).packedDouble(refs.values);
    writeInt64(w, 3, refs.baseTimestampMs);
    if (refs.timestampDeltasMs?.length) w.tag(4, 2).packedSint64(refs.timestampDeltasMs);
    w.ldelim();
  }
  return w;
}

/** The encoding of `batch` (what `vigil.v1.Batch.encode(batch).finish()` gives). */
export function encodeBatch(batch: vigil.v1.Batch.$Properties): Buffer {
  return writeBatch(new WireWriter(), batch).finish();
}

/** Encoded size of `batch` in bytes. */
export function batchLength(batch: vigil.v1.Batch.$Properties): number {
  return writeBatch(new WireWriter(), batch).length;
}

export function encodeAgentMessage(message: vigil.v1.AgentMessage.$Properties): Buffer {
  const w = new WireWriter();
  const { hello, batch, heartbeat } = message;
  if (hello != null) {
    w.tag(1, 2).fork();
    writeString(w, 1, hello.agentId);
    writeString(w, 2, hello.hostname);
    writeString(w, 3, hello.version);
    writeMap(w, 4, hello.labels);
    writeString(w, 5, hello.streamEpoch);
    writeUint32(w, 6, hello.intervalMs);
    writeMap(w, 7, hello.inventory);
    w.ldelim();
  }
  if (batch != null) writeBatch(w.tag(2, 2).fork(), batch).ldelim();
  if (heartbeat != null) {
    w.tag(3, 2).fork();
    writeInt64(w, 1, heartbeat.timeMs);
    writeInt64(w, 2, heartbeat.spoolPending);
    writeInt64(w, 3, heartbeat.spoolDropped);
    w.ldelim();
  }
  return w.finish();
}

/** Reads the fields of the message that ends at `end`, calling `field` for each; unknown ones are its to skip. */
function readFields(r: WireReader, end: number, field: (number: number, wireType: number) => void): void {
  while (r.pos < end) {
    const key = r.uint32();
    field(key >>> 3, key & 7);
  }
  if (r.pos !== end) throw new RangeError(`message overruns its length (byte ${r.pos} of ${end})`);
}

function readMapEntry(r: WireReader, into: { [name: string]: string }): void {
  let key = '';
  let value = '';
  readFields(r, r.delimitedEnd(), (n, t) => {
    if (n === 1 && t === 2) key = r.string();
    else if (n === 2 && t === 2) value = r.string();
    else r.skip(t, n);
  });
  into[key] = value;
}

function readSeries(r: WireReader): vigil.v1.Series.$Properties {
  const series = { metric: '', labels: {} as { [name: string]: string }, type: 0, timestampsMs: [] as number[], values: [] as number[] };
  readFields(r, r.delimitedEnd(), (n, t) => {
    if (n === 1 && t === 2) series.metric = r.string();
    else if (n === 2 && t === 2) readMapEntry(r, series.labels);
    else if (n === 3 && t === 0) series.type = r.int32();
    else if (n === 4 && (t === 0 || t === 2)) r.repeated(t, () => r.int64(), series.timestampsMs);
    else if (n === 5 && (t === 1 || t === 2)) r.repeated(t, () => r.double(), series.values);
    else r.skip(t, n);
  });
  return series;
}

function readDefinition(r: WireReader): vigil.v1.SeriesDefinition.$Properties {
  const definition = { ref: 0, metric: '', labels: {} as { [name: string]: string }, type: 0 };
  readFields(r, r.delimitedEnd(), (n, t) => {
    if (n === 1 && t === 0) definition.ref = r.uint32();
    else if (n === 2 && t === 2) definition.metric = r.string();
    else if (n === 3 && t === 2) readMapEntry(r, definition.labels);
    else if (n === 4 && t === 0) definition.type = r.int32();
    else r.skip(t, n);
  });
  return definition;
}

function readRefSamples(r: WireReader): vigil.v1.RefSamples.$Properties {
  const samples = { refs: [] as number[], values: [] as number[], baseTimestampMs: 0, timestampDeltasMs: [] as number[] };
  readFields(r, r.delimitedEnd(), (n, t) => {
    if (n === 1 && (t === 0 || t === 2)) r.repeated(t, () => r.uint32(), samples.refs);
    else if (n === 2 && (t === 1 || t === 2)) r.repeated(t, () => r.double(), samples.values);
    else if (n === 3 && t === 0) samples.baseTimestampMs = r.int64();
    else if (n === 4 && (t === 0 || t === 2)) r.repeated(t, () => r.sint64(), samples.timestampDeltasMs);
    else r.skip(t, n);
  });
  return samples;
}

function readBatch(r: WireReader, end: number): vigil.v1.Batch {
  const batch: vigil.v1.Batch = { seq: 0, series: [], createdMs: 0, definitions: [] };
  readFields(r, end, (n, t) => {
    if (n === 1 && t === 0) batch.seq = r.uint64();
    else if (n === 2 && t === 2) batch.series.push(readSeries(r));
    else if (n === 3 && t === 0) batch.createdMs = r.int64();
    else if (n === 4 && t === 2) batch.definitions.push(readDefinition(r));
    else if (n === 5 && t === 2) batch.refSamples = readRefSamples(r);
    else r.skip(t, n);
  });
  return batch;
}

/** A Batch as the agent's spool stores it. Throws on bytes that are not a Batch (truncated, bad wire types). */
export function decodeBatch(bytes: Uint8Array): vigil.v1.Batch {
  return readBatch(new WireReader(bytes), bytes.byteLength);
}

/** What the collector sends on the stream. Throws on bytes that are not a CollectorMessage. */
export function decodeCollectorMessage(bytes: Uint8Array): vigil.v1.CollectorMessage.$Properties {
  const r = new WireReader(bytes);
  const message: vigil.v1.CollectorMessage.$Properties = {};
  readFields(r, bytes.byteLength, (n, t) => {
    if (n === 1 && t === 2) {
      const welcome = { lastStoredSeq: 0, maxMessageBytes: 0, maxSeriesRefs: 0 };
      readFields(r, r.delimitedEnd(), (m, u) => {
        if (m === 1 && u === 0) welcome.lastStoredSeq = r.uint64();
        else if (m === 2 && u === 0) welcome.maxMessageBytes = r.uint32();
        else if (m === 3 && u === 0) welcome.maxSeriesRefs = r.uint32();
        else r.skip(u, m);
      });
      message.welcome = welcome;
    } else if (n === 2 && t === 2) {
      const ack = { seq: 0 };
      readFields(r, r.delimitedEnd(), (m, u) => {
        if (m === 1 && u === 0) ack.seq = r.uint64();
        else r.skip(u, m);
      });
      message.ack = ack;
    } else if (n === 3 && t === 2) {
      const rejection = { seq: 0, reason: 0, detail: '', rejectedSamples: 0, wholeBatch: false };
      readFields(r, r.delimitedEnd(), (m, u) => {
        if (m === 1 && u === 0) rejection.seq = r.uint64();
        else if (m === 2 && u === 0) rejection.reason = r.int32();
        else if (m === 3 && u === 2) rejection.detail = r.string();
        else if (m === 4 && u === 0) rejection.rejectedSamples = r.uint32();
        else if (m === 5 && u === 0) rejection.wholeBatch = r.bool();
        else r.skip(u, m);
      });
      message.rejection = rejection;
    } else r.skip(t, n);
  });
  return message;
}
