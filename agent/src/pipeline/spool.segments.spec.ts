// The spool's segment files on a real directory: crashes (no close) leave torn tails, acks empty segments, the size
// bound drops across segments.
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ClosedBatch } from './batcher.js';
import { Spool, type SpoolOptions } from './spool.js';
import { SEGMENT_MAX_BYTES } from './spool.segments.js';

const DAY = 86_400_000;

/** A batch of one sample; `padding` characters in a label make it large (several per segment, not many). */
function batch(n: number, padding = 0): ClosedBatch {
  const labels = { n: String(n).padStart(4, '0'), ...(padding > 0 ? { pad: 'x'.repeat(padding) } : {}) };
  return { createdMs: 1_000_000, sampleCount: 1, series: [{ metric: 'vigil_test', labels, type: 0, timestampsMs: [1_000_000], values: [n] }] };
}

/** About 300 KB: four fill a segment (the fourth passes SEGMENT_MAX_BYTES), three do not. */
const BIG = 300_000;

describe('Spool segments', () => {
  let dir: string;
  const clock = { now: () => 1_000_000 };
  const open = (extra: Partial<SpoolOptions> = {}) => Spool.open({ dir, maxBytes: 64 << 20, maxAgeMs: 7 * DAY, clock, ...extra });
  const files = () => readdirSync(path.join(dir, 'batches')).sort();
  const segment = (firstSeq: number) => path.join(dir, 'batches', `${String(firstSeq).padStart(16, '0')}.vgs`);
  const values = async (spool: Spool) => {
    const out = [];
    for (const seq of spool.pendingAfter(0, 100)) {
      const read = await spool.read(seq);
      if (read.status !== 'ok') throw new Error(`seq ${seq}: ${read.status}`);
      out.push(read.batch.series[0]!.values[0]);
    }
    return out;
  };

  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-spool-seg-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('truncates a torn tail at start, counts it, and appends after the intact records', async () => {
    const spool = await open();
    await spool.append(batch(1));
    await spool.append(batch(2));
    const intact = statSync(segment(1)).size;
    await spool.append(batch(3));
    // No close(): the agent was killed while appending batch 3, before its fsync (so it was never sent; its seq is
    // not reused all the same).
    truncateSync(segment(1), statSync(segment(1)).size - 5);

    const again = await open();
    expect(again.pendingAfter(0, 10)).toEqual([1, 2]);
    expect(again.dropped.get('corrupt')).toBe(1);
    expect(statSync(segment(1)).size).toBe(intact);
    expect(await again.append(batch(4))).toBe(4);
    expect(files()).toEqual(['0000000000000001.vgs', '0000000000000004.vgs']);
    await again.close();

    // A tail of a few bytes (a header cut short) is truncated the same way; the records before it stay.
    appendFileSync(segment(4), Buffer.from([0x56, 0x47, 0x53]));
    const third = await open();
    expect(await values(third)).toEqual([1, 2, 4]);
    expect(third.dropped.get('corrupt')).toBe(1);
    expect(readFileSync(segment(4)).subarray(-3)).not.toEqual(Buffer.from([0x56, 0x47, 0x53]));
    await third.close();
  });

  it('skips a record that fails its checksum between intact ones, counting it', async () => {
    const spool = await open();
    for (let n = 1; n <= 3; n++) await spool.append(batch(n));
    await spool.close();
    const bytes = readFileSync(segment(1));
    const recordBytes = bytes.length / 3;
    bytes[recordBytes + recordBytes - 3]! ^= 0xff; // in batch 2's payload
    writeFileSync(segment(1), bytes);

    const again = await open();
    expect(again.pendingAfter(0, 10)).toEqual([1, 3]);
    expect(await values(again)).toEqual([1, 3]);
    expect(again.dropped.get('corrupt')).toBe(1);
    expect(await again.append(batch(4))).toBe(4);
    await again.close();
  });

  it('does not offer acknowledged batches again after a crash once a later append carried their removal', async () => {
    const spool = await open();
    await spool.append(batch(1));
    await spool.append(batch(2));
    await spool.ackUpTo(1);
    await spool.append(batch(3));
    // No close().
    const again = await open();
    expect(again.pendingAfter(0, 10)).toEqual([2, 3]);
    // The ack of 1 reserved seqs up to 1 + 1 + 1024 in state.json.
    expect(await again.append(batch(4))).toBe(1026);
    await again.close();
  });

  it('deletes a segment once every batch in it is acknowledged, and gives up an emptied segment being appended to', async () => {
    const spool = await open();
    for (let n = 1; n <= 5; n++) await spool.append(batch(n, BIG));
    expect(statSync(segment(1)).size).toBeGreaterThanOrEqual(SEGMENT_MAX_BYTES);
    expect(files()).toEqual(['0000000000000001.vgs', '0000000000000005.vgs']);
    await spool.ackUpTo(3);
    expect(files()).toEqual(['0000000000000001.vgs', '0000000000000005.vgs']);
    await spool.ackUpTo(4);
    expect(files()).toEqual(['0000000000000005.vgs']);
    // Segment 5 (being appended to) is emptied: larger than the reclaim size, so it is deleted too.
    await spool.append(batch(6, BIG));
    await spool.ackUpTo(6);
    expect(files()).toEqual([]);
    expect(await spool.append(batch(7))).toBe(7);
    expect(files()).toEqual(['0000000000000007.vgs']);
    // A small emptied segment keeps taking batches (no new file per batch).
    await spool.ackUpTo(7);
    expect(await spool.append(batch(8))).toBe(8);
    expect(files()).toEqual(['0000000000000007.vgs']);
    await spool.close();

    const again = await open();
    expect(again.pendingAfter(0, 10)).toEqual([8]);
    expect(await values(again)).toEqual([8]);
    await again.close();
  });

  it('drops the oldest batches across segments when the spool is full, deleting segments emptied by it', async () => {
    const probe = await open();
    await probe.append(batch(1, BIG));
    const size = probe.pendingBytes;
    await probe.ackUpTo(1);
    await probe.close();
    rmSync(dir, { recursive: true, force: true });

    const spool = await open({ maxBytes: size * 5 });
    for (let n = 1; n <= 9; n++) await spool.append(batch(n, BIG));
    // Segments: 1-4, 5-8, 9. The bound holds five batches; 1-4 were dropped, their segment deleted.
    expect(spool.pendingAfter(0, 20)).toEqual([5, 6, 7, 8, 9]);
    expect(spool.pendingBytes).toBe(size * 5);
    expect(spool.dropped.get('spool_full')).toBe(4);
    expect(files()).toEqual(['0000000000000005.vgs', '0000000000000009.vgs']);
    await spool.append(batch(10, BIG));
    expect(spool.pendingAfter(0, 20)).toEqual([6, 7, 8, 9, 10]);
    await spool.close();

    const again = await open({ maxBytes: size * 5 });
    expect(again.pendingAfter(0, 20)).toEqual([6, 7, 8, 9, 10]);
    expect(await values(again)).toEqual([6, 7, 8, 9, 10]);
    expect(again.pendingBytes).toBe(size * 5);
    await again.close();
  });
});
