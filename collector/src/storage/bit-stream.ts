// Bit-level writer and reader for the chunk codec. 64-bit quantities are handled as two uint32
// halves: no BigInt on the hot path.

export const TWO_32 = 0x1_0000_0000;

/** Splits a non-negative integer below 2^64 (exact below 2^53) into uint32 halves. */
export function splitUint(value: number): [hi: number, lo: number] {
  const hi = Math.floor(value / TWO_32);
  return [hi >>> 0, value - hi * TWO_32];
}

/** Bits needed to write a non-negative integer below 2^53 (0 for 0). */
export function bitWidth(value: number): number {
  return value < TWO_32 ? 32 - Math.clz32(value) : 64 - Math.clz32(Math.floor(value / TWO_32));
}

export class BitWriter {
  buf: Uint8Array;
  /** Bits written after the header. */
  bits = 0;

  /** `headerBytes` are reserved before the bit stream and filled in by the caller. */
  constructor(
    private readonly headerBytes: number,
    capacity = 64,
  ) {
    this.buf = new Uint8Array(Math.max(capacity, headerBytes + 1));
  }

  /** Bytes the header and the bits written so far occupy. */
  get byteLength(): number {
    return this.headerBytes + ((this.bits + 7) >>> 3);
  }

  /** Writes the low `n` (0..32) bits of `value`, most significant first. */
  write(value: number, n: number): void {
    const needBytes = this.headerBytes + ((this.bits + n + 7) >>> 3);
    if (needBytes > this.buf.length) this.grow(needBytes);
    let remaining = n;
    while (remaining > 0) {
      const pos = this.headerBytes + (this.bits >>> 3);
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

  /** Writes the low `n` (0..64) bits of a non-negative integer below 2^53. */
  writeUint(value: number, n: number): void {
    // splitUint inline: its pair was an allocation per call, several per sample in compaction (docs/storage.md, eighth pass).
    const hi = Math.floor(value / TWO_32);
    this.write64(hi >>> 0, value - hi * TWO_32, n);
  }

  /** `n` one bits (any count). */
  writeOnes(n: number): void {
    for (let left = n; left > 0; left -= 30) this.write(0x3fffffff, Math.min(left, 30));
  }

  private grow(min: number): void {
    const next = new Uint8Array(Math.max(min, this.buf.length * 2));
    next.set(this.buf);
    this.buf = next;
  }
}

export class BitReader {
  private bit = 0;
  constructor(
    private readonly buf: Uint8Array,
    private readonly headerBytes: number,
  ) {}

  read(n: number): number {
    let out = 0;
    let remaining = n;
    while (remaining > 0) {
      const pos = this.headerBytes + (this.bit >>> 3);
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

  /** Reads `n` (0..64) bits as a non-negative integer; exact when the value is below 2^53. */
  readUint(n: number): number {
    return n > 32 ? this.read(n - 32) * TWO_32 + this.read(32) : this.read(n);
  }

  /** Number of leading 1 bits, reading at most `max` bits (stops after the first 0). */
  ones(max: number): number {
    let count = 0;
    while (count < max && this.read(1) === 1) count++;
    return count;
  }
}
