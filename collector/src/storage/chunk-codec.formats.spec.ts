import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChunkEncoder, chunkCount, decodeChunk, MAX_TIMESTAMP } from './chunk-codec.js';
import { V1_CHUNKS_BASE64 } from './chunk-codec.v1-fixture.js';

function encode(timestamps: readonly number[], values: readonly number[]): Uint8Array {
  const enc = new ChunkEncoder();
  for (let i = 0; i < timestamps.length; i++) enc.append(timestamps[i]!, values[i]!);
  return enc.bytes();
}

function sameValues(actual: number[], expected: readonly number[]): boolean {
  return actual.length === expected.length && expected.every((v, i) => Object.is(actual[i], v));
}

/** Byte 3 of a format 2 chunk: 0 = XOR, 1 + d = decimal with d digits. */
const coding = (bytes: Uint8Array): number => bytes[3]!;

// The samples of the format 1 fixtures (chunk-codec.v1-fixture.ts), as they were encoded.
const V1_SAMPLES: Record<keyof typeof V1_CHUNKS_BASE64, { timestamps: number[]; values: number[] }> = {
  regularGauge: {
    timestamps: Array.from({ length: 12 }, (_, i) => 1_700_000_000_000 + i * 10_000),
    values: [50, 50.25, 49.9, 49.9, 51.13, 48, 0, -0, 12.5, 12.5, 99.99, 1e-7],
  },
  jitteredCounter: {
    timestamps: [1_700_000_000_003, 1_700_000_010_001, 1_700_000_020_007, 1_700_000_030_000, 1_700_000_040_012, 1_700_000_050_004, 1_700_003_650_004, 1_700_003_650_005],
    values: [0, 1200, 2390, 2390, 5000, 123456789, 123456790, 0],
  },
  edges: { timestamps: [0, 1, 2 ** 40, MAX_TIMESTAMP - 1, MAX_TIMESTAMP], values: [Infinity, -Infinity, Number.MAX_VALUE, Number.MIN_VALUE, NaN] },
  single: { timestamps: [1_700_000_000_000], values: [-0] },
  empty: { timestamps: [], values: [] },
  formula: {
    timestamps: Array.from({ length: 240 }, (_, i) => 1_700_000_000_000 + i * 10_000 + ((i * 7) % 5)),
    values: Array.from({ length: 240 }, (_, i) => (i % 2 ? i * 1000 : Math.round(Math.sin(i) * 10_000) / 100)),
  },
};

describe('chunk format 1 (stored before format 2)', () => {
  const fixtures = Object.entries(V1_CHUNKS_BASE64).map(([name, b64]) => [name, new Uint8Array(Buffer.from(b64, 'base64'))] as const);

  it.each(fixtures)('decodes the stored %s chunk', (name, bytes) => {
    const expected = V1_SAMPLES[name as keyof typeof V1_SAMPLES];
    expect(bytes[0]).toBe(1);
    expect(chunkCount(bytes)).toBe(expected.timestamps.length);
    const d = decodeChunk(bytes);
    expect(d.timestamps).toEqual(expected.timestamps);
    expect(sameValues(d.values, expected.values)).toBe(true);
  });

  it('kept its sizes: 3 + 16 bytes for one sample', () => {
    expect(Buffer.from(V1_CHUNKS_BASE64.single, 'base64').length).toBe(3 + 16);
  });

  it.each(fixtures)('resumes the stored %s chunk and goes on in format 2', (name, bytes) => {
    const expected = V1_SAMPLES[name as keyof typeof V1_SAMPLES];
    const enc = ChunkEncoder.resume(bytes);
    const next = (expected.timestamps.at(-1) ?? 0) + 10_000;
    if (next <= MAX_TIMESTAMP) enc.append(next, 7.5);
    const out = enc.bytes();
    expect(out[0]).toBe(2);
    const d = decodeChunk(out);
    const ts = next <= MAX_TIMESTAMP ? [...expected.timestamps, next] : expected.timestamps;
    const vs = next <= MAX_TIMESTAMP ? [...expected.values, 7.5] : expected.values;
    expect(d.timestamps).toEqual(ts);
    expect(sameValues(d.values, vs)).toBe(true);
    // The re-encoded chunk is the one a single pass over the same samples writes.
    expect(Buffer.from(out).equals(Buffer.from(encode(ts, vs)))).toBe(true);
  });
});

// Gaps: regular, jittered, any size (timestamps stop below 2^53).
const gap = fc.oneof(fc.constant(10_000), fc.integer({ min: 9_990, max: 10_010 }), fc.integer({ min: 1, max: 2 ** 20 }), fc.integer({ min: 1, max: 2 ** 48 }));
const valueStyles = {
  anyDouble: fc.double(), // NaN, ±Infinity, -0, subnormals, extremes
  decimals: fc.integer({ min: -10_000_000, max: 10_000_000 }).map((k) => k / 100),
  percent1or2: fc.oneof(fc.integer({ min: 0, max: 1000 }).map((k) => k / 10), fc.integer({ min: 0, max: 10_000 }).map((k) => k / 100)),
  safeIntegers: fc.maxSafeInteger(),
  bigIntegers: fc.integer({ min: 2 ** 49, max: 2 ** 51 }), // around the decimal coding's bound
  repeats: fc.constantFrom(0, 1, 2.5, 99.99, -0, 3),
  mixed: fc.oneof(fc.integer({ min: 0, max: 100 }), fc.constantFrom(0.001, 1e-9, 1e-10, NaN, Infinity, Math.PI)),
};
const chunkSamples = fc.oneof(...Object.values(valueStyles).map((v) => fc.array(fc.tuple(gap, v), { maxLength: 400 })));

function samplesFrom(start: number, pairs: [number, number][]): { timestamps: number[]; values: number[] } {
  const timestamps: number[] = [];
  const values: number[] = [];
  let ts = start;
  for (const [g, v] of pairs) {
    if (timestamps.length > 0) ts += g;
    if (ts > MAX_TIMESTAMP) break;
    timestamps.push(ts);
    values.push(v);
  }
  return { timestamps, values };
}

describe('chunk format 2 (property tests)', () => {
  it('round-trips every value coding, and resuming anywhere gives the same bytes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 44 }), chunkSamples, fc.nat(), (start, pairs, cut) => {
        const { timestamps, values } = samplesFrom(start, pairs);
        const bytes = encode(timestamps, values);
        expect(chunkCount(bytes)).toBe(timestamps.length);
        const d = decodeChunk(bytes);
        expect(d.timestamps).toEqual(timestamps);
        expect(sameValues(d.values, values)).toBe(true);
        const at = timestamps.length ? cut % timestamps.length : 0;
        const resumed = ChunkEncoder.resume(encode(timestamps.slice(0, at), values.slice(0, at)));
        for (let i = at; i < timestamps.length; i++) resumed.append(timestamps[i]!, values[i]!);
        expect(Buffer.from(resumed.bytes()).equals(Buffer.from(bytes))).toBe(true);
      }),
      { numRuns: 400, seed: 14 },
    );
  });

  it('parking an encoder anywhere and unparking it continues with the same bytes (head cache)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 44 }), chunkSamples, fc.nat(), fc.nat(), (start, pairs, cut, tag) => {
        const { timestamps, values } = samplesFrom(start, pairs);
        const at = timestamps.length ? cut % (timestamps.length + 1) : 0;
        const first = new ChunkEncoder();
        for (let i = 0; i < at; i++) first.append(timestamps[i]!, values[i]!);
        const parked = first.park(tag);
        expect(parked[0]).toBe(tag);
        const unparked = ChunkEncoder.unpark(parked);
        expect([unparked.count, unparked.byteLength]).toEqual([first.count, first.byteLength]);
        for (let i = at; i < timestamps.length; i++) unparked.append(timestamps[i]!, values[i]!);
        expect(Buffer.from(unparked.bytes()).equals(Buffer.from(encode(timestamps, values)))).toBe(true);
        if (timestamps.length) expect([unparked.firstTimestamp, unparked.lastTimestamp]).toEqual([timestamps[0], timestamps.at(-1)]);
      }),
      { numRuns: 400, seed: 15 },
    );
  });

  it('refuses out-of-order and duplicate timestamps whatever the coding, and keeps the chunk intact', () => {
    fc.assert(
      fc.property(chunkSamples.filter((p) => p.length > 1), fc.nat(), (pairs, pick) => {
        const { timestamps, values } = samplesFrom(1_700_000_000_000, pairs);
        const enc = new ChunkEncoder();
        for (let i = 0; i < timestamps.length; i++) enc.append(timestamps[i]!, values[i]!);
        const last = timestamps.at(-1)!;
        const earlier = timestamps[pick % timestamps.length]!;
        expect(() => enc.append(earlier, 1)).toThrow(`chunk timestamps must increase: ${earlier} after ${last}`);
        const d = decodeChunk(enc.bytes());
        expect(d.timestamps).toEqual(timestamps);
        expect(sameValues(d.values, values)).toBe(true);
      }),
      { numRuns: 100, seed: 15 },
    );
  });

  it('takes the narrowest value coding and widens it when a value needs more', () => {
    const ts = [1000, 2000, 3000, 4000, 5000];
    expect(coding(encode(ts.slice(0, 2), [3, 4]))).toBe(1);
    expect(coding(encode(ts.slice(0, 3), [3, 4.25, 5]))).toBe(3);
    expect(coding(encode(ts.slice(0, 4), [3, 4.25, 0.001, 5]))).toBe(4);
    expect(coding(encode(ts, [3, 4.25, 0.001, Math.PI, 1]))).toBe(0);
    expect(coding(encode(ts.slice(0, 2), [-0, 1]))).toBe(0); // -0 is not an integer count
    expect(coding(encode(ts.slice(0, 2), [2 ** 50, 1]))).toBe(1);
    expect(coding(encode(ts.slice(0, 2), [2 ** 50 + 1, 1]))).toBe(0);
  });

  it('stores agent-like data in a few bits per sample', () => {
    const n = 240;
    const jitter = [3, 0, 4, 1, 1, 2, 0, 4, 2, 3];
    const ts = Array.from({ length: n }, (_, i) => 1_700_000_000_000 + i * 10_000 + jitter[i % jitter.length]!);
    const regular = Array.from({ length: n }, (_, i) => 1_700_000_000_000 + i * 10_000);
    const percent = regular.map((_, i) => Math.round(5000 + 1000 * Math.sin(i / 7)) / 100);
    const counter = regular.map((_, i) => i * 1234 + (i % 3));
    // Exact figures are the regression guard (format 1: 1,692 and 1,075 bytes; jitter costs it 16 bits a sample).
    expect(encode(regular, percent).length).toBe(326);
    expect(encode(ts, counter).length).toBe(551);
  });
});
