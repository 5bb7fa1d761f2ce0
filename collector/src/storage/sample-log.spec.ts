import { describe, expect, it } from 'vitest';
import { decodeLog, encodeLog, logBytes } from './sample-log.js';

describe('sample log rows', () => {
  it('round-trips entries, also from a Buffer at an unaligned offset', () => {
    const entries = [
      { seriesId: 1, timestamps: [1_700_000_000_000, 1_700_000_010_000], values: [-0, 1.5] },
      { seriesId: 4_000_000_000, timestamps: [], values: [] },
      { seriesId: 3, timestamps: [0], values: [-Infinity] },
    ];
    const bytes = encodeLog(entries);
    expect(bytes.length).toBe(logBytes(entries));
    expect(bytes.length).toBe(8 + (8 + 32) + 8 + (8 + 16));
    const shifted = Buffer.alloc(bytes.length + 3);
    bytes.copy(shifted, 3);
    for (const source of [bytes, shifted.subarray(3)]) {
      const decoded = decodeLog(source).map((e) => ({ seriesId: e.seriesId, timestamps: [...e.timestamps], values: [...e.values] }));
      expect(decoded).toEqual(entries);
      expect(Object.is(decoded[0]!.values[0], -0)).toBe(true);
    }
  });

  it('rejects corrupt rows', () => {
    expect(() => decodeLog(new Uint8Array(4))).toThrow('corrupt log row: 4 bytes');
    expect(() => decodeLog(new Uint8Array(8))).toThrow('unsupported log format version 0');
    const bytes = encodeLog([{ seriesId: 1, timestamps: [1, 2], values: [1, 2] }]);
    expect(() => decodeLog(bytes.subarray(0, 24))).toThrow('corrupt log row: entry 0 past the end');
    expect(() => encodeLog([{ seriesId: 1, timestamps: [1], values: [] }])).toThrow('log entry for series 1: 1 timestamps but 0 values');
  });
});
