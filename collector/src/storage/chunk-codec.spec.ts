import { describe, expect, it } from 'vitest';
import { ChunkEncoder, chunkCount, decodeChunk } from './chunk-codec.js';
import { seededRandom } from './prng.js';

function encode(timestamps: number[], values: number[]): Uint8Array {
  const enc = new ChunkEncoder();
  for (let i = 0; i < timestamps.length; i++) enc.append(timestamps[i]!, values[i]!);
  return enc.bytes();
}

/** Compares with Object.is so -0 and 0 (and NaN) are told apart. */
function expectSameValues(actual: number[], expected: number[]): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    if (!Object.is(actual[i], expected[i])) throw new Error(`value ${i}: got ${actual[i]}, expected ${expected[i]}`);
  }
}

const EDGE_VALUES = [0, -0, 1, -1, 0.1, -0.1, Number.MAX_VALUE, -Number.MAX_VALUE, Number.MIN_VALUE, -Number.MIN_VALUE, Infinity, -Infinity, 2 ** 53, -(2 ** 53), 1e-300, 123456789.125, 0.5, 0.25];

describe('chunk codec', () => {
  it('round-trips an empty and a single-sample chunk', () => {
    const empty = new ChunkEncoder().bytes();
    expect(chunkCount(empty)).toBe(0);
    expect(decodeChunk(empty)).toEqual({ timestamps: [], values: [] });
    const one = encode([1_700_000_000_000], [-0]);
    // Header, the timestamp sized (6 + 41 bits), -0 as 64 XOR bits (-0 is not decimal). Format 1 took 3 + 16.
    expect(one.length).toBe(4 + 14);
    const decoded = decodeChunk(one);
    expect(decoded.timestamps).toEqual([1_700_000_000_000]);
    expectSameValues(decoded.values, [-0]);
  });

  it('round-trips edge values in every order, keeping -0 apart from 0', () => {
    const rnd = seededRandom(7);
    for (let round = 0; round < 50; round++) {
      const values = [...EDGE_VALUES].sort(() => rnd() - 0.5);
      const timestamps = values.map((_, i) => 1000 + i * 10);
      const d = decodeChunk(encode(timestamps, values));
      expect(d.timestamps).toEqual(timestamps);
      expectSameValues(d.values, values);
    }
  });

  it('round-trips arbitrary 64-bit value patterns and timestamp gaps of every size (seeded property test)', () => {
    const rnd = seededRandom(42);
    const view = new DataView(new ArrayBuffer(8));
    for (let round = 0; round < 300; round++) {
      const n = 1 + Math.floor(rnd() * 300);
      const timestamps: number[] = [];
      const values: number[] = [];
      let ts = Math.floor(rnd() * 2 ** 41);
      const style = round % 4;
      for (let i = 0; i < n; i++) {
        // Gaps: regular, jittered, huge (exercise every delta-of-delta bucket, including 64 bits).
        const gapKind = rnd();
        const gap = gapKind < 0.5 ? 10_000 : gapKind < 0.8 ? 1 + Math.floor(rnd() * 20_000) : gapKind < 0.95 ? Math.floor(rnd() * 2 ** 30) + 1 : Math.floor(rnd() * 2 ** 45) + 1;
        ts += i === 0 ? 0 : gap;
        timestamps.push(ts);
        let v: number;
        if (style === 0) {
          do {
            view.setUint32(0, Math.floor(rnd() * 2 ** 32));
            view.setUint32(4, Math.floor(rnd() * 2 ** 32));
            v = view.getFloat64(0);
          } while (Number.isNaN(v)); // NaN is never stored (validated before the store)
        } else if (style === 1) {
          v = Math.round(rnd() * 10_000) / 100; // gauge with two decimals
        } else if (style === 2) {
          v = i === 0 ? 0 : values[i - 1]! + Math.floor(rnd() * 1000); // counter
        } else {
          v = EDGE_VALUES[Math.floor(rnd() * EDGE_VALUES.length)]!;
        }
        values.push(v);
      }
      const bytes = encode(timestamps, values);
      expect(chunkCount(bytes)).toBe(n);
      const d = decodeChunk(bytes);
      expect(d.timestamps).toEqual(timestamps);
      expectSameValues(d.values, values);
    }
  });

  it('accepts timestamps at both ends of the allowed range', () => {
    const timestamps = [0, 1, Number.MAX_SAFE_INTEGER - 1, Number.MAX_SAFE_INTEGER];
    const d = decodeChunk(encode(timestamps, [1, 2, 3, 4]));
    expect(d.timestamps).toEqual(timestamps);
  });

  it('resumes from stored bytes and produces the same bytes as one pass', () => {
    const rnd = seededRandom(3);
    const ts: number[] = [];
    const vs: number[] = [];
    for (let i = 0; i < 200; i++) {
      ts.push(1_700_000_000_000 + i * 15_000 + Math.floor(rnd() * 5));
      vs.push(Math.round(rnd() * 1000) / 10);
    }
    const whole = encode(ts, vs);
    const first = new ChunkEncoder();
    for (let i = 0; i < 77; i++) first.append(ts[i]!, vs[i]!);
    const resumed = ChunkEncoder.resume(first.bytes());
    for (let i = 77; i < 200; i++) resumed.append(ts[i]!, vs[i]!);
    expect(Buffer.from(resumed.bytes()).equals(Buffer.from(whole))).toBe(true);
    expect(resumed.count).toBe(200);
    expect(resumed.firstTimestamp).toBe(ts[0]);
    expect(resumed.lastTimestamp).toBe(ts[199]);
  });

  it('compresses regular data to about one to two bytes per sample', () => {
    const rnd = seededRandom(11);
    const n = 240;
    const ts = Array.from({ length: n }, (_, i) => 1_700_000_000_000 + i * 10_000);
    const constant = encode(ts, ts.map(() => 1));
    const counter = encode(ts, ts.map((_, i) => i * 100));
    const gauge = encode(ts, ts.map(() => Math.round(rnd() * 100) / 100));
    // Constant: 2 bits per sample after the second (format 1: 82 bytes). Exact figures are the regression guard.
    expect(constant.length).toBe(73);
    expect(counter.length / n).toBeLessThan(2.5);
    expect(gauge.length / n).toBeLessThan(8);
  });

  it('refuses out-of-order, duplicate and invalid timestamps', () => {
    const enc = new ChunkEncoder();
    enc.append(100, 1);
    expect(() => enc.append(100, 2)).toThrow('chunk timestamps must increase: 100 after 100');
    expect(() => enc.append(99, 2)).toThrow('chunk timestamps must increase: 99 after 100');
    expect(() => enc.append(1.5, 2)).toThrow('invalid sample timestamp 1.5');
    expect(() => enc.append(-1, 2)).toThrow('invalid sample timestamp -1');
    expect(() => enc.append(2 ** 53, 2)).toThrow('invalid sample timestamp');
    expect(enc.count).toBe(1);
  });

  it('rejects corrupt or unknown blobs with a clear message', () => {
    expect(() => decodeChunk(new Uint8Array([9, 0, 0]))).toThrow('unsupported chunk format version 9');
    expect(() => decodeChunk(new Uint8Array([1]))).toThrow('corrupt chunk: 1 bytes');
    // Values that need the XOR coding, so the chunk is longer than 10 bytes.
    const bytes = encode([1, 2, 3], [Math.PI, Math.E, Math.SQRT2]);
    expect(() => decodeChunk(bytes.slice(0, 10))).toThrow('corrupt chunk: bit stream ends early');
    expect(() => decodeChunk(new Uint8Array([2, 0, 0]))).toThrow('corrupt chunk: 3 bytes');
    expect(() => decodeChunk(new Uint8Array([2, 1, 0, 77, 0]))).toThrow('corrupt chunk: unknown value coding 77');
  });
});
