// Integer codes of chunk format 2. Inputs are integers with |x| < 2^53.
import { bitWidth, type BitReader, type BitWriter } from './bit-stream.js';

/** Non-negative integer as 6 bits of width, then that many bits. */
export function writeSized(w: BitWriter, m: number): void {
  const width = bitWidth(m);
  w.write(width, 6);
  w.writeUint(m, width);
}

export function readSized(r: BitReader): number {
  return r.readUint(r.read(6));
}

/** Signed integer: a sign bit, then its magnitude sized. */
export function writeSignedSized(w: BitWriter, x: number): void {
  w.write(x < 0 ? 1 : 0, 1);
  writeSized(w, Math.abs(x));
}

export function readSignedSized(r: BitReader): number {
  const negative = r.read(1) === 1;
  const m = readSized(r);
  return negative ? -m : m;
}

/** Quotients from this value on are written sized instead of in unary. */
const ESCAPE_QUOTIENT = 16;

/**
 * Adaptive Golomb-Rice code of a stream of signed integers (residuals: deltas or deltas of deltas).
 * Magnitude m with parameter k: q = floor(m / 2^k) in unary ('1' * q, then '0') and the low k bits
 * of m; q >= 16 is written as sixteen '1's and m sized. Then a sign bit when m != 0. A zero costs
 * one bit while k = 0. k follows the bit widths of recent magnitudes (an exponential average with
 * weight 1/4 kept in fixed point, times 4): an outlier such as a counter reset raises k for a few
 * samples only. Writer and reader update it the same way, so it is never stored.
 */
export class AdaptiveRice {
  private widthSum = 0;

  /** Its whole state as a number (a parked chunk encoder keeps it; see ChunkEncoder.park). */
  get state(): number {
    return this.widthSum;
  }

  static withState(state: number): AdaptiveRice {
    const rice = new AdaptiveRice();
    rice.widthSum = state;
    return rice;
  }

  private param(): number {
    return this.widthSum >>> 2;
  }

  private learn(m: number): void {
    this.widthSum = this.widthSum - (this.widthSum >>> 2) + bitWidth(m);
  }

  write(w: BitWriter, x: number): void {
    const m = Math.abs(x);
    const k = this.param();
    const scale = 2 ** k;
    const q = Math.floor(m / scale);
    if (q < ESCAPE_QUOTIENT) {
      w.writeOnes(q);
      w.write(0, 1);
      w.writeUint(m - q * scale, k);
    } else {
      w.writeOnes(ESCAPE_QUOTIENT);
      writeSized(w, m);
    }
    if (m !== 0) w.write(x < 0 ? 1 : 0, 1);
    this.learn(m);
  }

  read(r: BitReader): number {
    const k = this.param();
    const q = r.ones(ESCAPE_QUOTIENT);
    const m = q < ESCAPE_QUOTIENT ? q * 2 ** k + r.readUint(k) : readSized(r);
    this.learn(m);
    return m !== 0 && r.read(1) === 1 ? -m : m;
  }
}
