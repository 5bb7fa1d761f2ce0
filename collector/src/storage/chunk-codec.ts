// Gorilla-style compression of one series' samples (Pelkonen et al., "Gorilla: A Fast, Scalable,
// In-Memory Time Series Database", VLDB 2015): delta-of-delta timestamps and XOR-encoded float64
// values. Pure code, no I/O. 64-bit quantities are handled as two uint32 halves: no BigInt on the
// hot path.
//
// Blob layout: byte 0 = format version, bytes 1-2 = sample count (uint16 LE), then a bit stream:
//   first timestamp (64 bits), first value (64 bits), then per sample a timestamp code and a value
//   code. Timestamp codes (dod = delta - previous delta; the first delta is coded against 0):
//     '0'                  dod = 0
//     '10'   + 14 bits     -(2^13-1) <= dod <= 2^13
//     '110'  + 17 bits     likewise for 17 bits
//     '1110' + 20 bits     likewise for 20 bits
//     '1111' + 64 bits     anything else (two's complement)
//   Value codes (x = value XOR previous value):
//     '0'                                  x = 0
//     '10' + meaningful bits               x fits the previous leading/trailing-zero window
//     '11' + 5 bits leading zeros + 6 bits length (64 coded as 0) + meaningful bits

export const CHUNK_FORMAT_VERSION = 1;
/** Chunks hold at most this many samples (the header stores the count in 16 bits). */
export const CHUNK_MAX_COUNT = 0xffff;
/** Timestamps must be integers in [0, 2^53 - 1]: ms since the Unix epoch, exact as doubles. */
export const MAX_TIMESTAMP = Number.MAX_SAFE_INTEGER;

const HEADER_BYTES = 3;
const TWO_32 = 0x1_0000_0000;

const scratch = new DataView(new ArrayBuffer(8));

function valueBits(value: number): [hi: number, lo: number] {
  scratch.setFloat64(0, value, true);
  return [scratch.getUint32(4, true), scratch.getUint32(0, true)];
}

function bitsValue(hi: number, lo: number): number {
  scratch.setUint32(4, hi, true);
  scratch.setUint32(0, lo, true);
  return scratch.getFloat64(0, true);
}

function clz64(hi: number, lo: number): number {
  return hi !== 0 ? Math.clz32(hi) : 32 + Math.clz32(lo);
}

function ctz32(x: number): number {
  // Isolate the lowest set bit, then count the zeros above it.
  return x === 0 ? 32 : 31 - Math.clz32(x & -x);
}

function ctz64(hi: number, lo: number): number {
  return lo !== 0 ? ctz32(lo) : 32 + ctz32(hi);
}

class BitWriter {
  buf: Uint8Array;
  /** Bits written after the header. */
  bits = 0;

  constructor(capacity = 64) {
    this.buf = new Uint8Array(Math.max(capacity, HEADER_BYTES + 1));
  }

  /** Writes the low `n` (0..32) bits of `value`, most significant first. */
  write(value: number, n: number): void {
    const needBytes = HEADER_BYTES + ((this.bits + n + 7) >>> 3);
    if (needBytes > this.buf.length) this.grow(needBytes);
    let remaining = n;
    while (remaining > 0) {
      const pos = HEADER_BYTES + (this.bits >>> 3);
      const free = 8 - (this.bits & 7);
      const take = free < remaining ? free : remaining;
      const chunk = (value >>> (remaining - take)) & ((1 << take) - 1);
      this.buf[pos] = this.buf[pos]! | (chunk << (free - take));
      this.bits += take;
      remaining -= take;
    }
  }

  /** Writes the low `n` (0..64) bits of the 64-bit number hi:lo. */
  write64(hi: number, lo: number, n: number): void {
    if (n > 32) {
      this.write(hi, n - 32);
      this.write(lo, 32);
    } else {
      this.write(lo, n);
    }
  }

  private grow(min: number): void {
    const next = new Uint8Array(Math.max(min, this.buf.length * 2));
    next.set(this.buf);
    this.buf = next;
  }
}

class BitReader {
  private bit = 0;
  constructor(private readonly buf: Uint8Array) {}

  read(n: number): number {
    let out = 0;
    let remaining = n;
    while (remaining > 0) {
      const pos = HEADER_BYTES + (this.bit >>> 3);
      if (pos >= this.buf.length) throw new Error('corrupt chunk: bit stream ends early');
      const avail = 8 - (this.bit & 7);
      const take = avail < remaining ? avail : remaining;
      const chunk = (this.buf[pos]! >>> (avail - take)) & ((1 << take) - 1);
      // Multiply instead of shifting so a full 32-bit read stays unsigned.
      out = out * (1 << take) + chunk;
      this.bit += take;
      remaining -= take;
    }
    return out;
  }

  /** Number of leading 1 bits, reading at most `max` bits (stops after the first 0). */
  ones(max: number): number {
    let count = 0;
    while (count < max && this.read(1) === 1) count++;
    return count;
  }
}

const DOD_BUCKETS = [
  { prefix: 0b10, prefixBits: 2, bits: 14 },
  { prefix: 0b110, prefixBits: 3, bits: 17 },
  { prefix: 0b1110, prefixBits: 4, bits: 20 },
] as const;

function fitsSigned(value: number, bits: number): boolean {
  const half = 2 ** (bits - 1);
  return value >= -(half - 1) && value <= half;
}

function writeDod(w: BitWriter, dod: number): void {
  if (dod === 0) {
    w.write(0, 1);
    return;
  }
  for (const b of DOD_BUCKETS) {
    if (fitsSigned(dod, b.bits)) {
      w.write(b.prefix, b.prefixBits);
      w.write(dod < 0 ? dod + 2 ** b.bits : dod, b.bits);
      return;
    }
  }
  w.write(0b1111, 4);
  // Exact for |dod| < 2^53, which holds for timestamps in [0, 2^53).
  const hi = Math.floor(dod / TWO_32);
  w.write64(hi >>> 0, dod - hi * TWO_32, 64);
}

function readDod(r: BitReader): number {
  const ones = r.ones(4);
  if (ones === 0) return 0;
  if (ones === 4) {
    const hi = r.read(32) | 0;
    return hi * TWO_32 + r.read(32);
  }
  const bits = DOD_BUCKETS[ones - 1]!.bits;
  const raw = r.read(bits);
  return raw > 2 ** (bits - 1) ? raw - 2 ** bits : raw;
}

export function assertTimestamp(ts: number): void {
  if (!Number.isSafeInteger(ts) || ts < 0) throw new RangeError(`invalid sample timestamp ${ts}: expected an integer in [0, 2^53-1] ms`);
}

/**
 * Appends samples with strictly increasing timestamps. Can be resumed from stored bytes, so a
 * chunk is extended in place as new samples arrive instead of being rewritten from its samples.
 */
export class ChunkEncoder {
  private readonly w: BitWriter;
  private n = 0;
  private first = 0;
  private last = 0;
  private delta = 0;
  private prevHi = 0;
  private prevLo = 0;
  /** Current leading/trailing-zero window; 0xff = none yet. */
  private leading = 0xff;
  private trailing = 0;

  constructor(capacityBytes = 64) {
    this.w = new BitWriter(capacityBytes);
  }

  /** Rebuilds an encoder positioned after the last sample of `bytes`. */
  static resume(bytes: Uint8Array): ChunkEncoder {
    const { timestamps, values } = decodeChunk(bytes);
    const enc = new ChunkEncoder(bytes.length + 16);
    for (let i = 0; i < timestamps.length; i++) enc.append(timestamps[i]!, values[i]!);
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
    return HEADER_BYTES + ((this.w.bits + 7) >>> 3);
  }

  append(ts: number, value: number): void {
    assertTimestamp(ts);
    const w = this.w;
    if (this.n === 0) {
      const hi = Math.floor(ts / TWO_32);
      w.write64(hi, ts - hi * TWO_32, 64);
      const [vh, vl] = valueBits(value);
      w.write64(vh, vl, 64);
      this.first = this.last = ts;
      this.prevHi = vh;
      this.prevLo = vl;
      this.n = 1;
      return;
    }
    if (ts <= this.last) throw new RangeError(`chunk timestamps must increase: ${ts} after ${this.last}`);
    if (this.n >= CHUNK_MAX_COUNT) throw new RangeError(`chunk is full (${CHUNK_MAX_COUNT} samples)`);
    const delta = ts - this.last;
    writeDod(w, delta - this.delta);
    this.delta = delta;
    this.last = ts;

    const [vh, vl] = valueBits(value);
    const xh = (vh ^ this.prevHi) >>> 0;
    const xl = (vl ^ this.prevLo) >>> 0;
    this.prevHi = vh;
    this.prevLo = vl;
    this.n++;
    if (xh === 0 && xl === 0) {
      w.write(0, 1);
      return;
    }
    let leading = clz64(xh, xl);
    const trailing = ctz64(xh, xl);
    if (leading > 31) leading = 31; // 5-bit field
    if (this.leading !== 0xff && leading >= this.leading && trailing >= this.trailing) {
      w.write(0b10, 2);
      writeShifted(w, xh, xl, this.trailing, 64 - this.leading - this.trailing);
      return;
    }
    this.leading = leading;
    this.trailing = trailing;
    const sig = 64 - leading - trailing;
    w.write(0b11, 2);
    w.write(leading, 5);
    w.write(sig & 63, 6);
    writeShifted(w, xh, xl, trailing, sig);
  }

  /** The serialised chunk (a copy: later appends do not change it). */
  bytes(): Uint8Array {
    const out = this.w.buf.slice(0, this.byteLength);
    out[0] = CHUNK_FORMAT_VERSION;
    out[1] = this.n & 0xff;
    out[2] = this.n >>> 8;
    return out;
  }
}

function writeShifted(w: BitWriter, hi: number, lo: number, shift: number, n: number): void {
  let sh = hi;
  let sl = lo;
  if (shift >= 32) {
    sl = hi >>> (shift - 32);
    sh = 0;
  } else if (shift > 0) {
    sl = ((lo >>> shift) | (hi << (32 - shift))) >>> 0;
    sh = hi >>> shift;
  }
  w.write64(sh, sl, n);
}

/** Sample count stored in a chunk's header. */
export function chunkCount(bytes: Uint8Array): number {
  checkHeader(bytes);
  return bytes[1]! | (bytes[2]! << 8);
}

function checkHeader(bytes: Uint8Array): void {
  if (bytes.length < HEADER_BYTES) throw new Error(`corrupt chunk: ${bytes.length} bytes`);
  if (bytes[0] !== CHUNK_FORMAT_VERSION) throw new Error(`unsupported chunk format version ${bytes[0]}`);
}

export interface DecodedChunk {
  timestamps: number[];
  values: number[];
}

export function decodeChunk(bytes: Uint8Array): DecodedChunk {
  const count = chunkCount(bytes);
  const timestamps = new Array<number>(count);
  const values = new Array<number>(count);
  if (count === 0) return { timestamps, values };
  const r = new BitReader(bytes);
  let ts = r.read(32) * TWO_32 + r.read(32);
  let vh = r.read(32);
  let vl = r.read(32);
  timestamps[0] = ts;
  values[0] = bitsValue(vh, vl);
  let delta = 0;
  let leading = 0;
  let trailing = 0;
  for (let i = 1; i < count; i++) {
    delta += readDod(r);
    ts += delta;
    timestamps[i] = ts;
    if (r.read(1) === 1) {
      if (r.read(1) === 1) {
        leading = r.read(5);
        const sig = r.read(6) || 64;
        trailing = 64 - leading - sig;
      }
      const sig = 64 - leading - trailing;
      let xh: number;
      let xl: number;
      if (sig > 32) {
        xh = r.read(sig - 32);
        xl = r.read(32);
      } else {
        xh = 0;
        xl = r.read(sig);
      }
      // Shift the meaningful bits back into place.
      if (trailing >= 32) {
        xh = xl << (trailing - 32);
        xl = 0;
      } else if (trailing > 0) {
        xh = (xh << trailing) | (xl >>> (32 - trailing));
        xl = xl << trailing;
      }
      vh = (vh ^ xh) >>> 0;
      vl = (vl ^ xl) >>> 0;
    }
    values[i] = bitsValue(vh, vl);
  }
  return { timestamps, values };
}
