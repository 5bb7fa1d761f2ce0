import fc from 'fast-check';
import { isIP } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ipVersion, monotonicMs, randomUUID } from './builtins.js';

describe('builtins', () => {
  it('makes random version 4 UUIDs without crypto, all different', () => {
    const ids = Array.from({ length: 2000 }, () => randomUUID());
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(ids).size).toBe(ids.length);
    // Every hex digit outside the version and variant takes several values: the bytes are random, not a counter.
    const positions = Array.from({ length: 36 }, (_, i) => i).filter((i) => ![8, 13, 14, 18, 19, 23].includes(i));
    for (const i of positions) expect(new Set(ids.map((id) => id[i])).size).toBeGreaterThan(8);
  });

  it('gives a monotonic clock in milliseconds, as performance.now() does', async () => {
    const [start, perfStart] = [monotonicMs(), performance.now()];
    await new Promise((resolve) => setTimeout(resolve, 50));
    const [elapsed, perfElapsed] = [monotonicMs() - start, performance.now() - perfStart];
    expect(elapsed).toBeGreaterThanOrEqual(49);
    expect(Math.abs(elapsed - perfElapsed)).toBeLessThan(5);
  });

  it("tells IP versions as net.isIP does, addresses, near-addresses and host:port texts alike", () => {
    const cases = ['127.0.0.1', '127.0.0.1:7070', '::', '::1', '[::1]', '[::1]:7070', '::ffff:10.0.0.1', 'fe80::1%eth0', 'fe80::1%', '1::2::3',
      '1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8:9', '0:0:0:0:0:0:1.2.3.4', 'localhost', 'collector.example.com:7070', '', ':', '1.2.3', '256.0.0.1', 'ab:cd'];
    for (const text of cases) expect(ipVersion(text), text).toBe(isIP(text));
    const piece = fc.constantFrom('', ':', '::', '.', '%', '%eth0', '1', 'ff', 'FFFF', '0', '255', '256', '10', 'g', 'x', ' ', '[', ']', '1.2.3.4');
    const texts = fc.oneof(
      fc.ipV4(), fc.ipV4Extended(), fc.ipV6(),
      fc.tuple(fc.ipV6(), fc.stringMatching(/^[0-9a-zA-Z.:-]{0,6}$/)).map(([ip, zone]) => `${ip}%${zone}`),
      fc.tuple(fc.oneof(fc.ipV4(), fc.ipV6()), fc.integer({ min: 0, max: 70_000 })).map(([ip, port]) => `${ip}:${port}`),
      fc.array(piece, { maxLength: 12 }).map((pieces) => pieces.join('')),
      fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEFgG:.%- '), maxLength: 40 }),
    );
    fc.assert(fc.property(texts, (text) => ipVersion(text) === isIP(text)), { numRuns: 20_000 });
  });
});

