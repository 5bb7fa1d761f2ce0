// Compression of one series' samples into a chunk. Pure code, no I/O.
//
// Format 2 (written): byte 0 = 2, bytes 1-2 = sample count (uint16 LE), byte 3 = value coding
// (0 = float64 XOR, 1 + d = decimal with d digits), then a bit stream (int-coding.ts):
//   first timestamp sized; from the 2nd sample on, before its value, the timestamp: the 2nd as its
//   delta sized, later ones as delta-of-delta in the adaptive Rice code;
//   values: XOR coded as in Gorilla (xor-values.ts), or, when every value of the chunk is an
//   integer count of 10^-d (k = v * 10^d, |k| <= 2^50, v = k / 10^d exactly, not -0), the first k
//   signed-sized and then the deltas of k in the adaptive Rice code.
// Agents' counters are integers and their gauges mostly integers or a few decimals, so most chunks
// take the decimal coding: a random-walk gauge with 2 decimals costs ~1 byte per sample instead of
// ~7 with XOR. The coding starts as the first value allows and widens (more digits, then XOR) when
// a later value needs it, re-encoding the chunk, at most a few times per chunk.
//
// Format 1 (chunk-codec-v1.ts) is still read: chunks stored before format 2 existed.
import { BitReader, BitWriter } from './bit-stream.js';
import { decodeV1, V1_HEADER_BYTES } from './chunk-codec-v1.js';
import { AdaptiveRice, readSignedSized, readSized, writeSignedSized, writeSized } from './int-coding.js';
import { XOR_STATE_FIELDS, XorValueReader, XorValueWriter } from './xor-values.js';

export const CHUNK_FORMAT_VERSION = 2;
/** Chunks hold at most this many samples (the header stores the count in 16 bits). */
export const CHUNK_MAX_COUNT = 0xffff;
/** Timestamps must be integers in [0, 2^53 - 1]: ms since the Unix epoch, exact as doubles. */
export const MAX_TIMESTAMP = Number.MAX_SAFE_INTEGER;

const HEADER_BYTES = 4;
const XOR_CODING = 0;
const MAX_DECIMALS = 9;
const MAX_SCALED = 2 ** 50;
/** Numbers before the bytes in a parked encoder (see ChunkEncoder.park). */
const PARKED_FIELDS = 11 + XOR_STATE_FIELDS;
const POW10 = Array.from({ length: MAX_DECIMALS + 1 }, (_, d) => 10 ** d);

/** v as an integer count of 10^-d, or undefined when that is not exact. */
function scaled(v: number, d: number): number | undefined {
  const k = Math.round(v * POW10[d]!);
  return Math.abs(k) <= MAX_SCALED && k / POW10[d]! === v && !Object.is(v, -0) ? k : undefined;
}

/** The narrowest value coding from `from` on that holds every value given. */
function codingFor(values: ArrayLike<number>, from: number): number {
  for (let d = Math.max(from - 1, 0); d <= MAX_DECIMALS; d++) {
    let all = true;
    for (let i = 0; i < values.length && all; i++) all = scaled(values[i]!, d) !== undefined;
    if (all) return 1 + d;
  }
  return XOR_CODING;
}

export function assertTimestamp(ts: number): void {
  if (!Number.isSafeInteger(ts) || ts < 0) throw new RangeError(`invalid sample timestamp ${ts}: expected an integer in [0, 2^53-1] ms`);
}

/**
 * Appends samples with strictly increasing timestamps. Can be resumed from stored bytes (of either
 * format), so a chunk is extended as new samples arrive instead of being rebuilt from the log.
 */
export class ChunkEncoder {
  private w: BitWriter;
  private n = 0;
  private first = 0;
  private last = 0;
  private delta = 0;
  private dods = new AdaptiveRice();
  /** -1 until the first value chooses. */
  private coding = -1;
  private xor = new XorValueWriter();
  private prevScaled = 0;
  private deltas = new AdaptiveRice();

  constructor(private readonly capacityBytes = 64) {
    this.w = new BitWriter(HEADER_BYTES, capacityBytes);
  }

  /** Rebuilds an encoder positioned after the last sample of `bytes`. */
  static resume(bytes: Uint8Array): ChunkEncoder {
    const { timestamps, values } = decodeChunk(bytes);
    const enc = new ChunkEncoder(bytes.length + 16);
    // The coding a single pass over these values ends with: no widening on the way.
    if (values.length > 0) enc.coding = codingFor(values, 0);
    for (let i = 0; i < timestamps.length; i++) enc.append(timestamps[i]!, values[i]!);
    return enc;
  }

  /**
   * The encoder's whole state and bytes in one typed array, with `tag` (the caller's, e.g. the chunk
   * id) in slot 0: ~150-250 bytes instead of ~680 for the encoder's objects, for caches that keep
   * many heads. `unpark` continues exactly where this encoder stopped.
   */
  park(tag: number): Float64Array {
    const bytes = this.w.byteLength;
    const out = new Float64Array(PARKED_FIELDS + Math.ceil(bytes / 8));
    out[0] = tag;
    out[1] = this.n;
    out[2] = this.first;
    out[3] = this.last;
    out[4] = this.delta;
    out[5] = this.coding;
    out[6] = this.prevScaled;
    out[7] = this.dods.state;
    out[8] = this.deltas.state;
    out[9] = this.w.bits;
    out[10] = this.capacityBytes;
    this.xor.saveState(out, 11);
    new Uint8Array(out.buffer, PARKED_FIELDS * 8, bytes).set(this.w.buf.subarray(0, bytes));
    return out;
  }

  static unpark(parked: Float64Array): ChunkEncoder {
    const enc = new ChunkEncoder(parked[10]!);
    enc.n = parked[1]!;
    enc.first = parked[2]!;
    enc.last = parked[3]!;
    enc.delta = parked[4]!;
    enc.coding = parked[5]!;
    enc.prevScaled = parked[6]!;
    enc.dods = AdaptiveRice.withState(parked[7]!);
    enc.deltas = AdaptiveRice.withState(parked[8]!);
    enc.w.bits = parked[9]!;
    enc.xor = XorValueWriter.withState(parked, 11);
    const bytes = enc.w.byteLength;
    if (bytes > enc.w.buf.length) enc.w.buf = new Uint8Array(bytes);
    enc.w.buf.set(new Uint8Array(parked.buffer, parked.byteOffset + PARKED_FIELDS * 8, bytes));
    return enc;
  }

  get count(): number {
    return this.n;
  }
  get firstTimestamp(): number {
    return this.first;
  }
  get lastTimestamp(): number {
    return this.last;
  }
  /** Bytes the chunk occupies once serialised. */
  get byteLength(): number {
    return this.w.byteLength;
  }

  append(ts: number, value: number): void {
    assertTimestamp(ts);
    if (this.n > 0 && ts <= this.last) throw new RangeError(`chunk timestamps must increase: ${ts} after ${this.last}`);
    if (this.n >= CHUNK_MAX_COUNT) throw new RangeError(`chunk is full (${CHUNK_MAX_COUNT} samples)`);
    if (this.coding === -1) this.coding = codingFor([value], 0);
    else if (this.coding !== XOR_CODING && scaled(value, this.coding - 1) === undefined) this.widen(value);
    const w = this.w;
    if (this.n === 0) {
      writeSized(w, ts);
      this.first = ts;
    } else {
      const delta = ts - this.last;
      if (this.n === 1) writeSized(w, delta);
      else this.dods.write(w, delta - this.delta);
      this.delta = delta;
    }
    this.last = ts;
    this.n++;
    if (this.coding === XOR_CODING) {
      this.xor.write(w, value);
      return;
    }
    const k = scaled(value, this.coding - 1)!;
    if (this.n === 1) writeSignedSized(w, k);
    else this.deltas.write(w, k - this.prevScaled);
    this.prevScaled = k;
  }

  /** Re-encodes the samples so far with a value coding that also holds `value`. */
  private widen(value: number): void {
    const { timestamps, values } = decodeChunk(this.bytes());
    values.push(value);
    const coding = codingFor(values, this.coding + 1);
    this.w = new BitWriter(HEADER_BYTES, Math.max(this.capacityBytes, this.w.buf.length));
    this.n = 0;
    this.delta = 0;
    this.dods = new AdaptiveRice();
    this.xor = new XorValueWriter();
    this.deltas = new AdaptiveRice();
    this.coding = coding;
    for (let i = 0; i < timestamps.length; i++) this.append(timestamps[i]!, values[i]!);
  }

  /** The serialised chunk (a copy: later appends do not change it). */
  bytes(): Uint8Array {
    const out = this.w.buf.slice(0, this.byteLength);
    out[0] = CHUNK_FORMAT_VERSION;
    out[1] = this.n & 0xff;
    out[2] = this.n >>> 8;
    out[3] = Math.max(this.coding, 0);
    return out;
  }
}

/** Sample count stored in a chunk's header. */
export function chunkCount(bytes: Uint8Array): number {
  if (bytes.length < V1_HEADER_BYTES) throw new Error(`corrupt chunk: ${bytes.length} bytes`);
  const version = bytes[0];
  if (version !== 1 && version !== CHUNK_FORMAT_VERSION) throw new Error(`unsupported chunk format version ${version}`);
  if (version === CHUNK_FORMAT_VERSION && bytes.length < HEADER_BYTES) throw new Error(`corrupt chunk: ${bytes.length} bytes`);
  return bytes[1]! | (bytes[2]! << 8);
}

export interface DecodedChunk {
  timestamps: number[];
  values: number[];
}

export function decodeChunk(bytes: Uint8Array): DecodedChunk {
  const count = chunkCount(bytes);
  const timestamps = new Array<number>(count);
  const values = new Array<number>(count);
  if (bytes[0] === 1) decodeV1(bytes, timestamps, values);
  else decodeV2(bytes, timestamps, values);
  return { timestamps, values };
}

function decodeV2(bytes: Uint8Array, timestamps: number[], values: number[]): void {
  const count = timestamps.length;
  if (count === 0) return;
  const coding = bytes[3]!;
  if (coding > 1 + MAX_DECIMALS) throw new Error(`corrupt chunk: unknown value coding ${coding}`);
  const r = new BitReader(bytes, HEADER_BYTES);
  const dods = new AdaptiveRice();
  const xor = new XorValueReader();
  const deltas = new AdaptiveRice();
  const scale = coding === XOR_CODING ? 1 : POW10[coding - 1]!;
  let ts = 0;
  let delta = 0;
  let k = 0;
  for (let i = 0; i < count; i++) {
    if (i === 0) ts = readSized(r);
    else {
      delta = i === 1 ? readSized(r) : delta + dods.read(r);
      ts += delta;
    }
    timestamps[i] = ts;
    if (coding === XOR_CODING) values[i] = xor.read(r);
    else {
      k = i === 0 ? readSignedSized(r) : k + deltas.read(r);
      values[i] = k / scale;
    }
  }
}
