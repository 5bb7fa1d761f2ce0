// Protobuf wire reader for the agent's messages (see agent-codec.ts). Reads what the generated protobufjs decoder
// reads for the same fields: 64-bit integers as numbers (exact below 2^53), packed or unpacked repeated scalars, and
// any field it does not know skipped, so that messages from a newer peer decode.

const TWO_32 = 4294967296;

export class WireError extends Error {}

export class WireReader {
  private readonly buf: Buffer;
  pos = 0;
  /** Where the message (or the packed field being read) ends. */
  end: number;

  constructor(bytes: Uint8Array) {
    this.buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.end = bytes.byteLength;
  }

  private overrun(): never {
    throw new WireError(`truncated message: read past byte ${this.end}`);
  }

  /** Of the last 64-bit varint read: low and high 32 bits (fields, not a returned pair: the agent runs interpreted). */
  private lo = 0;
  private hi = 0;

  uint32(): number {
    const buf = this.buf;
    let value = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (this.pos >= this.end) this.overrun();
      const byte = buf[this.pos++]!;
      value |= (byte & 127) << shift;
      if (byte < 128) return value >>> 0;
    }
    // The upper bytes of a longer (negative int32) varint carry nothing for 32 bits.
    for (let i = 0; i < 5; i++) {
      if (this.pos >= this.end) this.overrun();
      if (this.buf[this.pos++]! < 128) return value >>> 0;
    }
    throw new WireError('invalid varint');
  }

  int32(): number {
    return this.uint32() | 0;
  }

  private varint64(): void {
    const buf = this.buf;
    let lo = 0;
    let hi = 0;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) this.overrun();
      const byte = buf[this.pos++]!;
      if (i < 4) lo |= (byte & 127) << (i * 7);
      else if (i === 4) {
        lo |= (byte & 127) << 28;
        hi |= (byte & 127) >> 4;
      } else hi |= (byte & 127) << (i * 7 - 32);
      if (byte < 128) {
        this.lo = lo >>> 0;
        this.hi = hi >>> 0;
        return;
      }
    }
    throw new WireError('invalid varint');
  }

  uint64(): number {
    this.varint64();
    return this.hi * TWO_32 + this.lo;
  }

  int64(): number {
    this.varint64();
    return toSigned(this.lo, this.hi);
  }

  sint64(): number {
    this.varint64();
    const { lo, hi } = this;
    const mask = -(lo & 1);
    return toSigned((((lo >>> 1) | (hi << 31)) ^ mask) >>> 0, ((hi >>> 1) ^ mask) >>> 0);
  }

  bool(): boolean {
    return this.uint32() !== 0;
  }

  double(): number {
    if (this.pos + 8 > this.end) this.overrun();
    const value = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return value;
  }

  /** The end of a length-delimited field that starts here (its length read). */
  delimitedEnd(): number {
    const length = this.uint32();
    const end = this.pos + length;
    if (end > this.end) this.overrun();
    return end;
  }

  string(): string {
    const end = this.delimitedEnd();
    const text = this.buf.toString('utf8', this.pos, end);
    this.pos = end;
    return text;
  }

  /** A repeated scalar field, packed (wire type 2) or one value per key. */
  repeated(wireType: number, read: () => number, into: number[]): void {
    if (wireType !== 2) {
      into.push(read());
      return;
    }
    const end = this.delimitedEnd();
    const outer = this.end;
    this.end = end;
    while (this.pos < end) into.push(read());
    this.end = outer;
  }

  /** Skips a field this reader does not know (or knows with another wire type). */
  skip(wireType: number, field = 0): void {
    switch (wireType) {
      case 0:
        this.varint64();
        return;
      case 1:
        this.advance(8);
        return;
      case 2:
        this.pos = this.delimitedEnd();
        return;
      case 3:
        // A group: skip fields until its end key.
        for (;;) {
          const key = this.uint32();
          if ((key & 7) === 4) {
            if (key >>> 3 !== field) throw new WireError(`group ${field} closed by ${key >>> 3}`);
            return;
          }
          this.skip(key & 7, key >>> 3);
        }
      case 5:
        this.advance(4);
        return;
      default:
        throw new WireError(`invalid wire type ${wireType} at byte ${this.pos}`);
    }
  }

  private advance(bytes: number): void {
    if (this.pos + bytes > this.end) this.overrun();
    this.pos += bytes;
  }
}

function toSigned(lo: number, hi: number): number {
  if (hi >>> 31) {
    // Two's complement: -(~value + 1).
    const negLo = (~lo + 1) >>> 0;
    let negHi = ~hi >>> 0;
    if (!negLo) negHi = (negHi + 1) >>> 0;
    return -(negHi * TWO_32 + negLo);
  }
  return hi * TWO_32 + lo;
}
