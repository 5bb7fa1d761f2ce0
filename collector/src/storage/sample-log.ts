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
  let samples = 0;
  for (const e of entries) samples += e.timestamps.length;
  return rowBytes(entries.length, samples);
}

function rowBytes(entries: number, samples: number): number {
  return 8 + 8 * entries + 16 * samples;
}

/** Entries up to this many samples are copied by plain stores rather than TypedArray.set. */
const SMALL_ENTRY = 8;

/**
 * Writes one log row entry by entry, into a buffer of the size announced (entry and sample counts). A
 * group commit writes the batches' samples straight from their arrays or columns, with no object per
 * series on the way.
 */
export class LogWriter {
  private readonly u32: Uint32Array;
  private readonly f64: Float64Array;
  private entries = 0;
  private word = 2; // position in uint32 units

  constructor(
    private readonly expectedEntries: number,
    expectedSamples: number,
  ) {
    const buffer = new ArrayBuffer(rowBytes(expectedEntries, expectedSamples));
    this.u32 = new Uint32Array(buffer);
    this.f64 = new Float64Array(buffer);
    this.u32[0] = LOG_FORMAT_VERSION;
  }

  /** One entry: the `n` samples of `timestamps` and `values` from `from` on. */
  entry(seriesId: number, timestamps: ArrayLike<number>, values: ArrayLike<number>, from: number, n: number): void {
    const { u32, f64, word } = this;
    if (word + 2 + 4 * n > u32.length) throw new Error(`log row: more samples than the ${this.expectedEntries} entries announced hold`);
    u32[word] = seriesId;
    u32[word + 1] = n;
    const at = (word + 2) >>> 1;
    if (n > SMALL_ENTRY && from === 0 && n === timestamps.length && n === values.length) {
      f64.set(timestamps, at);
      f64.set(values, at + n);
    } else {
      // Agents send one or a few samples per series: plain stores beat set()'s per-call cost.
      for (let i = 0; i < n; i++) {
        f64[at + i] = timestamps[from + i]!;
        f64[at + n + i] = values[from + i]!;
      }
    }
    this.word = word + 2 + 4 * n;
    this.entries++;
  }

  /** The row; every entry and sample announced must have been written. */
  finish(): Buffer {
    if (this.entries !== this.expectedEntries || this.word !== this.u32.length) {
      throw new Error(`log row: ${this.entries} entries written of ${this.expectedEntries} announced, ${this.word * 4} bytes of ${this.u32.length * 4}`);
    }
    this.u32[1] = this.entries;
    return Buffer.from(this.u32.buffer);
  }
}

export function encodeLog(entries: readonly LogEntry[]): Buffer {
  let samples = 0;
  for (const e of entries) samples += e.timestamps.length;
  const writer = new LogWriter(entries.length, samples);
  for (const e of entries) {
    const n = e.timestamps.length;
    if (e.values.length !== n) throw new Error(`log entry for series ${e.seriesId}: ${n} timestamps but ${e.values.length} values`);
    writer.entry(e.seriesId, e.timestamps, e.values, 0, n);
  }
  return writer.finish();
}

export interface DecodedLogEntry {
  seriesId: number;
  timestamps: Float64Array;
  values: Float64Array;
}

/** One log entry as a visitor gets it: `n` timestamps of `timestamps` from `tsAt`, `n` values of `values` from `valuesAt`. */
export type LogEntryVisitor = (seriesId: number, timestamps: ArrayLike<number>, tsAt: number, values: ArrayLike<number>, valuesAt: number, n: number) => void;

/** Visits entries given as objects. */
export function visitEntries(entries: readonly LogEntry[], visit: LogEntryVisitor): void {
  for (const e of entries) visit(e.seriesId, e.timestamps, 0, e.values, 0, e.timestamps.length);
}

/**
 * Visits the entries of a log row in place, in the row's own float64 view: no object per entry. A group commit
 * hands its row to the pending log and the latest points this way (docs/storage.md, eighth pass).
 */
export function visitLogRow(bytes: Uint8Array, visit: LogEntryVisitor): void {
  // Typed-array views need 8-byte alignment; sqlite3 hands out Buffers at arbitrary offsets.
  const aligned = bytes.byteOffset % 8 === 0 ? bytes : new Uint8Array(bytes);
  if (aligned.byteLength < 8 || aligned.byteLength % 8 !== 0) throw new Error(`corrupt log row: ${aligned.byteLength} bytes`);
  const u32 = new Uint32Array(aligned.buffer, aligned.byteOffset, aligned.byteLength >>> 2);
  if (u32[0] !== LOG_FORMAT_VERSION) throw new Error(`unsupported log format version ${u32[0]}`);
  const f64 = new Float64Array(aligned.buffer, aligned.byteOffset, aligned.byteLength >>> 3);
  const count = u32[1]!;
  let word = 2;
  for (let i = 0; i < count; i++) {
    if (word + 2 > u32.length) throw new Error('corrupt log row: entry header past the end');
    const seriesId = u32[word]!;
    const n = u32[word + 1]!;
    if ((word + 2 + 4 * n) > u32.length) throw new Error(`corrupt log row: entry ${i} past the end`);
    const at = (word + 2) >>> 1;
    visit(seriesId, f64, at, f64, at + n, n);
    word += 2 + 4 * n;
  }
}

export function decodeLog(bytes: Uint8Array): DecodedLogEntry[] {
  const out: DecodedLogEntry[] = [];
  visitLogRow(bytes, (seriesId, f64, at, _values, valuesAt, n) => {
    const { buffer, byteOffset } = f64 as Float64Array;
    out.push({ seriesId, timestamps: new Float64Array(buffer, byteOffset + 8 * at, n), values: new Float64Array(buffer, byteOffset + 8 * valuesAt, n) });
  });
  return out;
}
