// Protobuf wire writer for the agent's messages (see agent-codec.ts): the subset of encodings the contract uses,
// written the way the generated protobufjs code writes them, so that both produce the same bytes.

const TWO_32 = 4294967296;

function varint32Size(value: number): number {
  return value < 0x80 ? 1 : value < 0x4000 ? 2 : value < 0x200000 ? 3 : value < 0x10000000 ? 4 : 5;
}

/** Bytes of the varint of a non-negative integer up to 2^53 (what safeVarint writes). */
function safeVarintSize(value: number): number {
  if (value < 0x10000000) return varint32Size(value);
  return value < 2 ** 35 ? 5 : value < 2 ** 42 ? 6 : value < 2 ** 49 ? 7 : 8;
}

/** Appends fields to one growing buffer; a length-delimited field is opened with fork() and closed with ldelim(). */
export class WireWriter {
  private buf: Buffer;
  /** A view of `buf` for doubles, made when first needed for the current buffer. */
  private view: DataView | undefined;
  private pos = 0;
  /** Positions of the one byte reserved for the length of each open fork. */
  private readonly forks: number[] = [];

  constructor(initialBytes = 1024) {
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  /** Bytes written so far. */
  get length(): number {
    return this.pos;
  }

  private reserve(bytes: number): void {
    if (this.pos + bytes <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + bytes));
    this.buf.copy(grown, 0, 0, this.pos);
    this.buf = grown;
    this.view = undefined;
  }

  /** A field's key: number and wire type (0 varint, 1 64-bit, 2 length-delimited). */
  tag(field: number, wireType: 0 | 1 | 2): this {
    return this.uint32((field << 3) | wireType);
  }

  uint32(value: number): this {
    this.reserve(5);
    this.pos = this.varint32At(this.pos, value >>> 0);
    return this;
  }

  /** Writes `value` at `at` (room already reserved); returns the position after it. */
  private varint32At(at: number, value: number): number {
    const buf = this.buf;
    while (value > 127) {
      buf[at++] = (value & 127) | 128;
      value >>>= 7;
    }
    buf[at++] = value;
    return at;
  }

  /** int32 and enums: negative values take ten bytes, as in every protobuf implementation. */
  int32(value: number): this {
    value |= 0;
    return value < 0 ? this.varint64(value, false) : this.uint32(value);
  }

  /** int64 and uint64 given as numbers (exact below 2^53; fractions truncated, negatives in ten bytes). */
  int64(value: number): this {
    if (value >= 0 && value <= Number.MAX_SAFE_INTEGER && Number.isInteger(value)) return this.safeVarint(value);
    return this.varint64(value, false);
  }

  sint64(value: number): this {
    // Zigzag: 0, -1, 1, -2, ... -> 0, 1, 2, 3, ...
    if (Number.isInteger(value) && Math.abs(value) <= 2 ** 51) return this.safeVarint(value >= 0 ? value * 2 : -value * 2 - 1);
    return this.varint64(value, true);
  }

  /** A varint of a non-negative integer up to 2^53, with arithmetic (no 64-bit split). */
  private safeVarint(value: number): this {
    this.reserve(10);
    this.pos = this.safeVarintAt(this.pos, value);
    return this;
  }

  /** Writes the varint of a non-negative integer up to 2^53 at `at` (room already reserved); returns the position after it. */
  private safeVarintAt(at: number, value: number): number {
    const buf = this.buf;
    while (value > 0xffffffff) {
      buf[at++] = (value % 128) | 128;
      value = Math.floor(value / 128);
    }
    return this.varint32At(at, value);
  }

  /** Writes `values` as little-endian doubles at `at` (room already reserved); returns the position after them. */
  private doublesAt(at: number, values: readonly number[]): number {
    const view = (this.view ??= new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.length));
    for (let i = 0; i < values.length; i++, at += 8) view.setFloat64(at, values[i]!, true);
    return at;
  }

  /** Any number as protobuf's 64-bit varint: truncated, negatives as two's complement, optionally zigzagged. */
  private varint64(value: number, zigzag: boolean): this {
    const negative = value < 0;
    if (negative) value = -value;
    let lo = value >>> 0;
    let hi = ((value - lo) / TWO_32) >>> 0;
    if (negative) {
      hi = ~hi >>> 0;
      lo = ~lo >>> 0;
      if (++lo > 0xffffffff) {
        lo = 0;
        if (++hi > 0xffffffff) hi = 0;
      }
    }
    if (zigzag) {
      const mask = hi >> 31;
      hi = (((hi << 1) | (lo >>> 31)) ^ mask) >>> 0;
      lo = ((lo << 1) ^ mask) >>> 0;
    }
    this.reserve(10);
    const buf = this.buf;
    while (hi) {
      buf[this.pos++] = (lo & 127) | 128;
      lo = ((lo >>> 7) | (hi << 25)) >>> 0;
      hi >>>= 7;
    }
    this.pos = this.varint32At(this.pos, lo);
    return this;
  }

  bool(value: boolean): this {
    return this.uint32(value ? 1 : 0);
  }

  /** UTF-8 with its length. A lone surrogate becomes U+FFFD (proto3 strings are valid UTF-8). */
  string(value: string): this {
    const bytes = Buffer.byteLength(value);
    this.uint32(bytes);
    this.reserve(bytes);
    this.pos += this.buf.write(value, this.pos, bytes, 'utf8');
    return this;
  }

  /** Bytes already encoded (e.g. a cached part of a message), without a length. */
  raw(bytes: Uint8Array): this {
    this.reserve(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
    return this;
  }

  /** Packed repeated fields: the length, then the values. Empty lists are not written at all (callers check). */
  // Indexed loops: the agent runs in V8's interpreter and baseline compiler, where for-of costs an iterator.
  packedUint32(values: readonly number[]): this {
    this.fork();
    this.reserve(values.length * 5);
    let pos = this.pos;
    for (let i = 0; i < values.length; i++) pos = this.varint32At(pos, values[i]! >>> 0);
    this.pos = pos;
    return this.ldelim();
  }

  packedInt64(values: readonly number[]): this {
    this.fork();
    for (let i = 0; i < values.length; i++) this.int64(values[i]!);
    return this.ldelim();
  }

  packedSint64(values: readonly number[]): this {
    this.fork();
    for (let i = 0; i < values.length; i++) this.sint64(values[i]!);
    return this.ldelim();
  }

  packedDouble(values: readonly number[]): this {
    const bytes = values.length * 8;
    this.uint32(bytes);
    this.reserve(bytes);
    this.pos = this.doublesAt(this.pos, values);
    return this;
  }

  /**
   * A length-delimited field holding `head` (bytes already encoded) followed by the packed fields 4 (int64
   * `timestamps`) and 5 (double `values`), each left out when empty: the bytes of
   * `tag(field, 2).fork().raw(head)`, `tag(4, 2).packedInt64(timestamps)`, `tag(5, 2).packedDouble(values)` and
   * `ldelim()`, with the lengths computed first instead of forked. This is a Series of a Batch with its name, labels and
   * type kept encoded (the agent's spool, on every tick): one call per series instead of about twenty, which counts
   * in V8's interpreter and baseline compiler, where the agent runs. Writes nothing and returns false when a
   * timestamp is not an integer in [0, 2^53) (protobuf's 64-bit path: the caller writes those the general way).
   */
  headAndSamples(field: number, head: Uint8Array, timestamps: readonly number[], values: readonly number[]): boolean {
    let timestampBytes = 0;
    for (let i = 0; i < timestamps.length; i++) {
      const t = timestamps[i]!;
      if (!(t >= 0 && t <= Number.MAX_SAFE_INTEGER && Number.isInteger(t))) return false;
      timestampBytes += safeVarintSize(t);
    }
    const valueBytes = values.length * 8;
    const length =
      head.length + (timestamps.length > 0 ? 1 + varint32Size(timestampBytes) + timestampBytes : 0) + (values.length > 0 ? 1 + varint32Size(valueBytes) + valueBytes : 0);
    this.reserve(5 + 5 + length);
    const buf = this.buf;
    let pos = this.varint32At(this.pos, ((field << 3) | 2) >>> 0);
    pos = this.varint32At(pos, length);
    buf.set(head, pos);
    pos += head.length;
    if (timestamps.length > 0) {
      buf[pos++] = (4 << 3) | 2;
      pos = this.varint32At(pos, timestampBytes);
      for (let i = 0; i < timestamps.length; i++) pos = this.safeVarintAt(pos, timestamps[i]!);
    }
    if (values.length > 0) {
      buf[pos++] = (5 << 3) | 2;
      pos = this.doublesAt(this.varint32At(pos, valueBytes), values);
    }
    this.pos = pos;
    return true;
  }

  /** Opens a length-delimited part; its length is written by the matching ldelim(). */
  fork(): this {
    this.reserve(1);
    this.forks.push(this.pos);
    this.pos += 1;
    return this;
  }

  ldelim(): this {
    const at = this.forks.pop();
    if (at === undefined) throw new Error('WireWriter.ldelim() without fork()');
    const length = this.pos - at - 1;
    const size = varint32Size(length);
    if (size > 1) {
      this.reserve(size - 1);
      this.buf.copyWithin(at + size, at + 1, this.pos);
    }
    this.pos = this.varint32At(at, length) + length;
    return this;
  }

  /** A copy of the bytes written. */
  finish(): Buffer {
    if (this.forks.length > 0) throw new Error('WireWriter.finish() with an open fork()');
    return Buffer.from(this.buf.subarray(0, this.pos));
  }
}
