import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { vigil } from '@vigil/proto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ClosedBatch } from './batcher.js';
import { Spool, type SpoolOptions } from './spool.js';
import { batchFileName, encodeFile } from './spool.files.js';

const DAY = 86_400_000;

function batch(n: number, createdMs = 1_000_000): ClosedBatch {
  return { createdMs, sampleCount: 1, series: [{ metric: 'vigil_test', labels: { n: String(n).padStart(4, '0') }, type: 0, timestampsMs: [createdMs], values: [n] }] };
}

/** A batch file of the format before segments (one file per batch), as an agent before the upgrade left it. */
function writeOldFormat(dir: string, seq: number, closed: ClosedBatch): void {
  mkdirSync(path.join(dir, 'batches'), { recursive: true });
  const payload = vigil.v1.Batch.encode({ seq, series: closed.series, createdMs: closed.createdMs }).finish();
  writeFileSync(path.join(dir, 'batches', batchFileName(seq)), encodeFile(payload, closed.createdMs));
}

describe('Spool', () => {
  let dir: string;
  let now = 1_000_000;
  const clock = { now: () => now };
  const open = (extra: Partial<SpoolOptions> = {}) => Spool.open({ dir, maxBytes: 1 << 20, maxAgeMs: 7 * DAY, clock, ...extra });
  const batchFiles = () => readdirSync(path.join(dir, 'batches')).sort();

  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-spool-'));
    now = 1_000_000;
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('stores batches durably and replays them in seq order after reopening', async () => {
    const spool = await open();
    expect(await spool.append(batch(1))).toBe(1);
    expect(await spool.append(batch(2))).toBe(2);
    expect(await spool.append(batch(3))).toBe(3);
    const { agentId, streamEpoch } = spool;
    await spool.close();

    const again = await open();
    expect([again.agentId, again.streamEpoch]).toEqual([agentId, streamEpoch]);
    expect(again.pendingAfter(0, 10)).toEqual([1, 2, 3]);
    expect(again.pendingAfter(1, 1)).toEqual([2]);
    const values = [];
    for (const seq of again.pendingAfter(0, 10)) {
      const read = await again.read(seq);
      if (read.status !== 'ok') throw new Error(read.status);
      expect(read.batch.seq).toBe(seq);
      values.push(read.batch.series[0]!.values[0]);
    }
    expect(values).toEqual([1, 2, 3]);
    expect(await again.append(batch(4))).toBe(4);
    await again.close();
  });

  it('deletes acked batches and never reuses a seq, even after everything was acked', async () => {
    const spool = await open();
    for (let i = 1; i <= 3; i++) await spool.append(batch(i));
    const stateFile = () => JSON.parse(readFileSync(path.join(dir, 'state.json'), 'utf8')).nextSeq;
    expect(await spool.ackUpTo(2)).toBe(2);
    // Before deleting seq 2 the state reserves seqs ahead (2 + 1 + 1024), so later acks need no state write.
    expect(stateFile()).toBe(1027);
    // Seq 3 is still pending in the segment that holds 1-3.
    expect(batchFiles()).toEqual(['0000000000000001.vgs']);
    expect(await spool.ackUpTo(3)).toBe(1);
    expect(spool.pendingBatches).toBe(0);
    expect(await spool.append(batch(4))).toBe(4);
    await spool.ackUpTo(4);
    expect(stateFile()).toBe(1027);
    await spool.close();

    const again = await open();
    expect(again.pendingBatches).toBe(0);
    expect(await again.append(batch(5))).toBe(1027);
    await again.close();
  });

  it('starts a new stream epoch at seq 1 for a fresh spool, and keeps a configured agent id', async () => {
    const first = await open();
    await first.close();
    const otherDir = mkdtempSync(path.join(os.tmpdir(), 'vigil-spool-'));
    const second = await Spool.open({ dir: otherDir, maxBytes: 1 << 20, maxAgeMs: DAY, agentId: 'web-01' });
    expect(second.agentId).toBe('web-01');
    expect(second.streamEpoch).not.toBe(first.streamEpoch);
    expect(await second.append(batch(1))).toBe(1);
    await second.close();
    rmSync(otherDir, { recursive: true, force: true });
    const state = JSON.parse(readFileSync(path.join(dir, 'state.json'), 'utf8'));
    expect(state).toEqual({ version: 1, agentId: first.agentId, streamEpoch: first.streamEpoch, nextSeq: 1 });
  });

  it('drops the oldest batches when full, counting them as spool_full', async () => {
    // The size of one batch file, measured in a spool of its own (seqs of the same varint length).
    const probeDir = mkdtempSync(path.join(os.tmpdir(), 'vigil-spool-probe-'));
    const probe = await Spool.open({ dir: probeDir, maxBytes: 1 << 20, maxAgeMs: DAY, clock });
    await probe.append(batch(0));
    const size = statSync(path.join(probeDir, 'batches', readdirSync(path.join(probeDir, 'batches'))[0]!)).size;
    await probe.close();
    rmSync(probeDir, { recursive: true, force: true });

    const spool = await open({ maxBytes: size * 3 });
    for (let i = 1; i <= 5; i++) await spool.append(batch(i));
    expect(spool.pendingAfter(0, 10)).toEqual([3, 4, 5]);
    expect(spool.pendingBytes).toBe(size * 3);
    expect(spool.dropped.get('spool_full')).toBe(2);
    expect(batchFiles()).toEqual(['0000000000000001.vgs']);
    await spool.close();
    const again = await open({ maxBytes: size * 3 });
    expect(again.pendingAfter(0, 10)).toEqual([3, 4, 5]);
    expect(again.pendingBytes).toBe(size * 3);
    await again.close();
  });

  it('drops batches older than max age, counting them as too_old', async () => {
    const spool = await open({ maxAgeMs: DAY });
    await spool.append(batch(1, now));
    await spool.append(batch(2, now + 1000));
    now += DAY + 500;
    await spool.append(batch(3, now));
    expect(spool.pendingAfter(0, 10)).toEqual([2, 3]);
    expect(spool.dropped.get('too_old')).toBe(1);
    now += 1000;
    await spool.expire();
    expect(spool.pendingAfter(0, 10)).toEqual([3]);
    expect(spool.dropped.get('too_old')).toBe(2);
    await spool.close();
  });

  it('replays batch files of the format before segments, detects a corrupt one by its checksum, skips and counts it', async () => {
    // Batches 1-3 as the agent before the upgrade stored them; the same batch written by this spool for comparison.
    for (let i = 1; i <= 3; i++) writeOldFormat(dir, i, batch(i));
    const otherDir = mkdtempSync(path.join(os.tmpdir(), 'vigil-spool-'));
    const writer = await Spool.open({ dir: otherDir, maxBytes: 1 << 20, maxAgeMs: DAY, clock });
    for (let i = 1; i <= 3; i++) await writer.append(batch(i));
    const fromMemory = await writer.read(2);
    await writer.close();
    rmSync(otherDir, { recursive: true, force: true });
    const file = path.join(dir, 'batches', '0000000000000002.vgb');
    const bytes = readFileSync(file);
    const spool = await open();
    const fromDisk = await spool.read(2);
    if (fromMemory.status !== 'ok' || fromDisk.status !== 'ok') throw new Error('batch 2 unreadable');
    expect(fromDisk.payloadBytes).toBe(fromMemory.payloadBytes);
    expect(Buffer.from(vigil.v1.Batch.encode(fromDisk.batch).finish())).toEqual(Buffer.from(vigil.v1.Batch.encode(fromMemory.batch).finish()));
    await spool.close();

    bytes[bytes.length - 3]! ^= 0xff;
    writeFileSync(file, bytes);
    const reopened = await open();
    expect((await reopened.read(1)).status).toBe('ok');
    expect(await reopened.read(2)).toEqual({ status: 'corrupt' });
    expect((await reopened.read(3)).status).toBe('ok');
    expect(reopened.dropped.get('corrupt')).toBe(1);
    expect(existsSync(file)).toBe(false);
    expect(reopened.pendingAfter(0, 10)).toEqual([1, 3]);
    // New batches go to a segment; the old files are deleted as their batches are acknowledged.
    expect(await reopened.append(batch(4))).toBe(4);
    expect(await reopened.ackUpTo(3)).toBe(2);
    expect(batchFiles()).toEqual(['0000000000000004.vgs']);
    expect(reopened.pendingAfter(0, 10)).toEqual([4]);
    await reopened.close();
  });

  it('recovers from a crash mid-write of the format before segments: torn files and temp files are dropped at open', async () => {
    for (let i = 1; i <= 3; i++) writeOldFormat(dir, i, batch(i));
    // A crash of the agent before the upgrade: batch 3 torn, a temp file left behind.
    const file3 = path.join(dir, 'batches', '0000000000000003.vgb');
    writeFileSync(file3, readFileSync(file3).subarray(0, 25));
    writeFileSync(path.join(dir, 'batches', '0000000000000004.vgb.tmp'), 'partial');

    const again = await open();
    expect(again.pendingAfter(0, 10)).toEqual([1, 2]);
    expect(again.dropped.get('corrupt')).toBe(1);
    expect(batchFiles()).toEqual(['0000000000000001.vgb', '0000000000000002.vgb']);
    // Seq 3 was handed out once; it is not reused.
    expect(await again.append(batch(4))).toBe(4);
    expect(batchFiles()).toEqual(['0000000000000001.vgb', '0000000000000002.vgb', '0000000000000004.vgs']);
    await again.close();
  });

  it('starts a new epoch when the state file is corrupt, and keeps seqs above the stored batches', async () => {
    const spool = await open();
    for (let i = 1; i <= 2; i++) await spool.append(batch(i));
    const epoch = spool.streamEpoch;
    await spool.close();
    writeFileSync(path.join(dir, 'state.json'), '{"version":1,');
    const again = await open();
    expect(again.streamEpoch).not.toBe(epoch);
    expect(again.pendingAfter(0, 10)).toEqual([1, 2]);
    expect(await again.append(batch(3))).toBe(3);
    await again.close();
  });

  it('counts a whole-batch rejection and deletes the batch', async () => {
    const spool = await open();
    for (let i = 1; i <= 2; i++) await spool.append(batch(i));
    await spool.discard(1, 'rejected');
    expect(spool.pendingAfter(0, 10)).toEqual([2]);
    expect(spool.dropped.get('rejected')).toBe(1);
    expect(spool.dropped.total()).toBe(1);
    await spool.close();
  });

  it('refuses a spool directory locked by another live process', async () => {
    writeFileSync(path.join(dir, 'lock'), String(process.ppid));
    await expect(open()).rejects.toThrow(`spool directory ${dir} is in use by another agent (pid ${process.ppid}); give each agent its own spool_dir`);
    // A lock left by a dead process is taken over.
    writeFileSync(path.join(dir, 'lock'), '4194303');
    const spool = await open();
    expect(readFileSync(path.join(dir, 'lock'), 'utf8')).toBe(String(process.pid));
    await spool.close();
    expect(existsSync(path.join(dir, 'lock'))).toBe(false);
  });
});
