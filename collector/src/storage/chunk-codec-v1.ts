// Decoder of chunk format version 1 (written until format 2 replaced it; databases keep such
// chunks until retention or a rewrite replaces them). Never written any more.
//
// Blob layout: byte 0 = 1, bytes 1-2 = sample count (uint16 LE), then a bit stream: first
// timestamp (64 bits), first value (64 bits), then per sample a timestamp code and an XOR value
// code (xor-values.ts). Timestamp codes (dod = delta - previous delta; the first delta is coded
// against 0):
//   '0'                  dod = 0
//   '10'   + 14 bits     -(2^13-1) <= dod <= 2^13
//   '110'  + 17 bits     likewise for 17 bits
//   '1110' + 20 bits     likewise for 20 bits
//   '1111' + 64 bits     anything else (two's complement)
import { BitReader, TWO_32 } from './bit-stream.js';
import { XorValueReader } from './xor-values.js';

export const V1_HEADER_BYTES = 3;

const DOD_BITS = [14, 17, 20] as const;

function readDod(r: BitReader): number {
  const ones = r.ones(4);
  if (ones === 0) return 0;
  if (ones === 4) {
    const hi = r.read(32) | 0;
    return hi * TWO_32 + r.read(32);
  }
  const bits = DOD_BITS[ones - 1]!;
  const raw = r.read(bits);
  return raw > 2 ** (bits - 1) ? raw - 2 ** bits : raw;
}

/** Decodes the bit stream of a version 1 chunk holding `count` samples into the given arrays. */
export function decodeV1(bytes: Uint8Array, timestamps: number[], values: number[]): void {
  const count = timestamps.length;
  if (count === 0) return;
  const r = new BitReader(bytes, V1_HEADER_BYTES);
  const xor = new XorValueReader();
  let ts = r.readUint(64);
  let delta = 0;
  for (let i = 0; i < count; i++) {
    if (i > 0) {
      delta += readDod(r);
      ts += delta;
    }
    timestamps[i] = ts;
    values[i] = xor.read(r);
  }
}
