// Binary layout of one durable log row: the samples of one group commit, before compaction moves
// them into per-series chunks. Optimised for write and decode speed, not size: the log is short-lived.
//
//   uint32 version, uint32 entry count, then per entry:
//   uint32 series id, uint32 sample count n, n float64 timestamps, n float64 values
// All little-endian; every float64 sits at an 8-byte aligned offset so whole arrays copy at once.
import { endianness } from 'node:os';

export const LOG_FORMAT_VERSION = 1;

// Float64Array/Uint32Array use the host byte order; the layout is little-endian.
if (endianness() !== 'LE') throw new Error('the sample log format needs a little-endian host');

export interface LogEntry {
  seriesId: number;
  timestamps: ArrayLike<number>;
  values: ArrayLike<number>;
}

export function logBytes(entries: readonly LogEntry[]): number {
  let bytes = 8;
  for (const e of entries) bytes += 8 + 16 * e.timestamps.length;
  return bytes;
}

/** Entries up to this many samples are copied by plain stores rather than TypedArray.set. */
const SMALL_ENTRY = 8;

export function encodeLog(entries: readonly LogEntry[]): Buffer {
  const buffer = new ArrayBuffer(logBytes(entries));
  const u32 = new Uint32Array(buffer);
  const f64 = new Float64Array(buffer);
  u32[0] = LOG_FORMAT_VERSION;
  u32[1] = entries.length;
  let word = 2; // position in uint32 units
  for (const e of entries) {
    const n = e.timestamps.length;
    if (e.values.length !== n) throw new Error(`log entry for series ${e.seriesId}: ${n} timestamps but ${e.values.length} values`);
    u32[word] = e.seriesId;
    u32[word + 1] = n;
    const at = (word + 2) >>> 1;
    if (n <= SMALL_ENTRY) {
      // Agents send one or a few samples per series: plain stores beat set()'s per-call cost.
      for (let i = 0; i < n; i++) {
        f64[at + i] = e.timestamps[i]!;
        f64[at + n + i] = e.values[i]!;
      }
    } else {
      f64.set(e.timestamps, at);
      f64.set(e.values, at + n);
    }
    word += 2 + 4 * n;
  }
  return Buffer.from(buffer);
}

export interface DecodedLogEntry {
  seriesId: number;
  timestamps: Float64Array;
  values: Float64Array;
}

export function decodeLog(bytes: Uint8Array): DecodedLogEntry[] {
  // Typed-array views need 8-byte alignment; sqlite3 hands out Buffers at arbitrary offsets.
  const aligned = bytes.byteOffset % 8 === 0 ? bytes : new Uint8Array(bytes);
  if (aligned.byteLength < 8 || aligned.byteLength % 8 !== 0) throw new Error(`corrupt log row: ${aligned.byteLength} bytes`);
  const u32 = new Uint32Array(aligned.buffer, aligned.byteOffset, aligned.byteLength >>> 2);
  if (u32[0] !== LOG_FORMAT_VERSION) throw new Error(`unsupported log format version ${u32[0]}`);
  const count = u32[1]!;
  const out: DecodedLogEntry[] = [];
  let word = 2;
  for (let i = 0; i < count; i++) {
    if (word + 2 > u32.length) throw new Error('corrupt log row: entry header past the end');
    const seriesId = u32[word]!;
    const n = u32[word + 1]!;
    const byteAt = aligned.byteOffset + (word + 2) * 4;
    if ((word + 2 + 4 * n) > u32.length) throw new Error(`corrupt log row: entry ${i} past the end`);
    out.push({ seriesId, timestamps: new Float64Array(aligned.buffer, byteAt, n), values: new Float64Array(aligned.buffer, byteAt + 8 * n, n) });
    word += 2 + 4 * n;
  }
  return out;
}
