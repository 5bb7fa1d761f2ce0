import { describe, expect, it } from 'vitest';
import { FrameDecoder, FrameError, encodeFrame } from './framing.js';

const bytes = (...values: number[]) => Buffer.from(values);

describe('encodeFrame', () => {
  it('prefixes the message with flag 0 and its big-endian length', () => {
    expect([...encodeFrame(bytes(7, 8, 9))]).toEqual([0, 0, 0, 0, 3, 7, 8, 9]);
    expect([...encodeFrame(new Uint8Array(0))]).toEqual([0, 0, 0, 0, 0]);
    expect([...encodeFrame(Buffer.alloc(0x01_02_03)).subarray(0, 5)]).toEqual([0, 0, 0x01, 0x02, 0x03]);
  });
});

describe('FrameDecoder', () => {
  const messages = [bytes(1), Buffer.alloc(0), Buffer.from('a longer message, spanning several chunks'), bytes(0, 0, 0, 0, 5)];
  const wire = Buffer.concat(messages.map(encodeFrame));

  it('hands out messages whole however the chunks cut them, a byte at a time included', () => {
    for (const size of [1, 2, 3, 4, 5, 6, 7, 11, wire.length]) {
      const decoder = new FrameDecoder(1024);
      const out: Buffer[] = [];
      for (let offset = 0; offset < wire.length; offset += size) out.push(...decoder.push(wire.subarray(offset, offset + size)));
      expect(out.map((m) => m.toString('hex')), `chunks of ${size}`).toEqual(messages.map((m) => m.toString('hex')));
      expect(decoder.buffered).toBe(0);
    }
  });

  it('counts the bytes of an incomplete message, header included', () => {
    const decoder = new FrameDecoder(1024);
    expect(decoder.push(wire.subarray(0, 3))).toEqual([]);
    expect(decoder.buffered).toBe(3);
    expect(decoder.push(wire.subarray(3, 13))).toHaveLength(2); // bytes(1) (6 bytes) and the empty message (5), then 2 of the third
    expect(decoder.buffered).toBe(2);
  });

  it('refuses a message over the limit from its length prefix, before buffering it', () => {
    const decoder = new FrameDecoder(10);
    expect(decoder.push(encodeFrame(Buffer.alloc(10)))).toHaveLength(1);
    expect(() => decoder.push(encodeFrame(Buffer.alloc(11)).subarray(0, 5))).toThrow(new FrameError({ kind: 'too_large', bytes: 11, max: 10 }));
    expect(() => new FrameDecoder(10).push(encodeFrame(Buffer.alloc(11)))).toThrow('Received message larger than max (11 vs. 10)');
  });

  it('refuses a compressed message (the agent accepts identity only)', () => {
    expect(() => new FrameDecoder(10).push(bytes(1, 0, 0, 0, 1, 42))).toThrow('Received a compressed message but no encoding was negotiated');
  });
});
