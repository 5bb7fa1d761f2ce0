// Gorilla XOR coding of float64 values (Pelkonen et al., "Gorilla: A Fast, Scalable, In-Memory Time
// Series Database", VLDB 2015), shared by both chunk formats. The first value is written as its 64
// bits; then, with x = value XOR previous value:
//   '0'                                  x = 0
//   '10' + meaningful bits               x fits the previous leading/trailing-zero window
//   '11' + 5 bits leading zeros + 6 bits length (64 coded as 0) + meaningful bits
import type { BitReader, BitWriter } from './bit-stream.js';

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

export const XOR_STATE_FIELDS = 5;

export class XorValueWriter {
  private n = 0;
  private prevHi = 0;
  private prevLo = 0;
  /** Current leading/trailing-zero window; 0xff = none yet. */
  private leading = 0xff;
  private trailing = 0;

  /** Its state as XOR_STATE_FIELDS numbers at `out[at]` (a parked chunk encoder keeps them). */
  saveState(out: Float64Array, at: number): void {
    out[at] = this.n;
    out[at + 1] = this.prevHi;
    out[at + 2] = this.prevLo;
    out[at + 3] = this.leading;
    out[at + 4] = this.trailing;
  }

  static withState(from: Float64Array, at: number): XorValueWriter {
    const x = new XorValueWriter();
    x.n = from[at]!;
    x.prevHi = from[at + 1]!;
    x.prevLo = from[at + 2]!;
    x.leading = from[at + 3]!;
    x.trailing = from[at + 4]!;
    return x;
  }

  write(w: BitWriter, value: number): void {
    const [vh, vl] = valueBits(value);
    const first = this.n++ === 0;
    const xh = (vh ^ this.prevHi) >>> 0;
    const xl = (vl ^ this.prevLo) >>> 0;
    this.prevHi = vh;
    this.prevLo = vl;
    if (first) {
      w.write64(vh, vl, 64);
      return;
    }
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
}

export class XorValueReader {
  private n = 0;
  private vh = 0;
  private vl = 0;
  private leading = 0;
  private trailing = 0;

  read(r: BitReader): number {
    if (this.n++ === 0) {
      this.vh = r.read(32);
      this.vl = r.read(32);
      return bitsValue(this.vh, this.vl);
    }
    if (r.read(1) === 1) {
      if (r.read(1) === 1) {
        this.leading = r.read(5);
        const sig = r.read(6) || 64;
        this.trailing = 64 - this.leading - sig;
      }
      const trailing = this.trailing;
      const sig = 64 - this.leading - trailing;
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
      this.vh = (this.vh ^ xh) >>> 0;
      this.vl = (this.vl ^ xl) >>> 0;
    }
    return bitsValue(this.vh, this.vl);
  }
}
