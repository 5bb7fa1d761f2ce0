// Pure compaction logic: where each sample taken from the log goes. No I/O.
//
// Per series there is one head chunk: the chunk with the greatest end timestamp (ties: the newest).
// A sample later than the head's end is appended to it (a full head or one spanning too long is
// sealed and a new head started). A sample at or before the head's end (late, out of order, or a
// rewrite of an existing timestamp) goes to a new "late" chunk written after every other chunk of
// the step. Chunk ids increase with write order, so for a timestamp stored more than once the chunk
// with the highest id holds the last written value; queries merge by that rule.
import { CHUNK_MAX_COUNT, ChunkEncoder } from './chunk-codec.js';

export interface ChunkLimits {
  /** Samples per chunk (Prometheus uses 120). */
  maxSamples: number;
  /** Greatest end - start of one chunk; bounds the index range a query scans. */
  maxSpanMs: number;
}

/** Fixed for the life of a database: queries rely on it to bound their index scan. */
export const CHUNK_MAX_SPAN_MS = 2 * 60 * 60 * 1000;

export const DEFAULT_CHUNK_LIMITS: ChunkLimits = { maxSamples: 240, maxSpanMs: CHUNK_MAX_SPAN_MS };

export function checkChunkLimits(limits: ChunkLimits): void {
  if (!Number.isInteger(limits.maxSamples) || limits.maxSamples < 2 || limits.maxSamples > CHUNK_MAX_COUNT) {
    throw new RangeError(`chunk.maxSamples must be an integer in [2, ${CHUNK_MAX_COUNT}], got ${limits.maxSamples}`);
  }
  if (!Number.isInteger(limits.maxSpanMs) || limits.maxSpanMs < 1 || limits.maxSpanMs > CHUNK_MAX_SPAN_MS) {
    throw new RangeError(`chunk.maxSpanMs must be an integer in [1, ${CHUNK_MAX_SPAN_MS}], got ${limits.maxSpanMs}`);
  }
}

export interface HeadChunk {
  id: number;
  encoder: ChunkEncoder;
}

/** One chunk row to insert or replace. */
export interface ChunkWrite {
  id: number;
  seriesId: number;
  startTs: number;
  endTs: number;
  count: number;
  data: Uint8Array;
}

export interface SeriesCompaction {
  writes: ChunkWrite[];
  head: HeadChunk | undefined;
  /** Samples written to late chunks (diagnostics). */
  late: number;
}

function chunkWrite(seriesId: number, id: number, enc: ChunkEncoder): ChunkWrite {
  return { id, seriesId, startTs: enc.firstTimestamp, endTs: enc.lastTimestamp, count: enc.count, data: enc.bytes() };
}

function fits(enc: ChunkEncoder, ts: number, limits: ChunkLimits): boolean {
  return enc.count < limits.maxSamples && ts - enc.firstTimestamp <= limits.maxSpanMs;
}

/**
 * Plans the chunk writes for the samples of one series, given in write order (the first `count`). Appends to
 * `head.encoder` in place: if the writes are not committed, the caller must discard that head.
 */
export function compactSeries(
  seriesId: number,
  head: HeadChunk | undefined,
  timestamps: ArrayLike<number>,
  values: ArrayLike<number>,
  limits: ChunkLimits,
  nextId: () => number,
  count = timestamps.length,
): SeriesCompaction {
  const writes: ChunkWrite[] = [];
  let current = head;
  let touched = false;
  const lateTs: number[] = [];
  const lateVs: number[] = [];
  for (let i = 0; i < count; i++) {
    const ts = timestamps[i]!;
    const v = values[i]!;
    if (current && current.encoder.count > 0 && ts <= current.encoder.lastTimestamp) {
      lateTs.push(ts);
      lateVs.push(v);
      continue;
    }
    if (!current || !fits(current.encoder, ts, limits)) {
      if (current && touched) writes.push(chunkWrite(seriesId, current.id, current.encoder));
      current = { id: nextId(), encoder: new ChunkEncoder() };
    }
    current.encoder.append(ts, v);
    touched = true;
  }
  if (current && touched) writes.push(chunkWrite(seriesId, current.id, current.encoder));
  for (const w of sortedChunks(seriesId, lateTs, lateVs, limits, nextId)) writes.push(w);
  return { writes, head: current, late: lateTs.length };
}

/**
 * Encodes samples in any order as chunks: sorted by time, one sample per timestamp (the last one
 * given wins), split by the limits.
 */
export function sortedChunks(seriesId: number, timestamps: readonly number[], values: readonly number[], limits: ChunkLimits, nextId: () => number): ChunkWrite[] {
  if (timestamps.length === 0) return [];
  const order = timestamps.map((_, i) => i);
  order.sort((a, b) => timestamps[a]! - timestamps[b]! || a - b);
  const out: ChunkWrite[] = [];
  let enc: ChunkEncoder | undefined;
  let id = 0;
  for (let k = 0; k < order.length; k++) {
    const i = order[k]!;
    // Equal timestamps are adjacent and in write order: keep only the last of each run.
    if (k + 1 < order.length && timestamps[order[k + 1]!] === timestamps[i]) continue;
    const ts = timestamps[i]!;
    if (!enc || !fits(enc, ts, limits)) {
      if (enc) out.push(chunkWrite(seriesId, id, enc));
      enc = new ChunkEncoder();
      id = nextId();
    }
    enc.append(ts, values[i]!);
  }
  out.push(chunkWrite(seriesId, id, enc!));
  return out;
}
