// The spool when its disk fails: a real directory behind a filesystem that can be made read-only (EROFS), full
// (ENOSPC: files are created but writes fail, as on a full tmpfs) or broken (EIO) at any moment.
import { existsSync, promises as fsp, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../log.js';
import type { ClosedBatch } from './batcher.js';
import { Spool, type SpoolFs, type SpoolOptions } from './spool.js';

type Fault = 'EROFS' | 'ENOSPC' | 'EIO' | undefined;

function ioError(code: string, op: string, file: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: fake failure, ${op} '${file}'`), { code });
}

/** node:fs/promises with switchable failures of everything that writes. Reads always work. */
function faultyFs(): SpoolFs & { fault: Fault } {
  const state = { fault: undefined as Fault };
  const writes = (flags: unknown) => typeof flags === 'string' && /[wax+]/.test(flags);
  return {
    get fault() {
      return state.fault;
    },
    set fault(value: Fault) {
      state.fault = value;
    },
    mkdir: (async (dir: string, options: object) => {
      if (state.fault && !existsSync(dir)) throw ioError(state.fault, 'mkdir', dir);
      return fsp.mkdir(dir, options);
    }) as SpoolFs['mkdir'],
    open: (async (file: string, flags?: string) => {
      if (!writes(flags) || !state.fault) return fsp.open(file, flags);
      if (state.fault !== 'ENOSPC') throw ioError(state.fault, 'open', file);
      // A full disk still creates the (empty) file; the write fails.
      const handle = await fsp.open(file, flags);
      return Object.assign(Object.create(handle) as object, {
        writeFile: async () => {
          throw ioError('ENOSPC', 'write', file);
        },
        close: () => handle.close(),
      });
    }) as SpoolFs['open'],
    readFile: fsp.readFile,
    readdir: fsp.readdir,
    writeFile: (async (file: string, data: string, options: { flag?: string }) => {
      if (state.fault === 'ENOSPC') {
        await fsp.writeFile(file, '', options);
        throw ioError('ENOSPC', 'write', file);
      }
      if (state.fault) throw ioError(state.fault, 'open', file);
      return fsp.writeFile(file, data, options);
    }) as SpoolFs['writeFile'],
    rm: (async (file: string, options: object) => {
      // Deleting frees space: only a read-only or broken disk refuses it.
      if (state.fault && state.fault !== 'ENOSPC') throw ioError(state.fault, 'unlink', file);
      return fsp.rm(file, options);
    }) as SpoolFs['rm'],
    rename: (async (from: string, to: string) => {
      if (state.fault && state.fault !== 'ENOSPC') throw ioError(state.fault, 'rename', from);
      return fsp.rename(from, to);
    }) as SpoolFs['rename'],
  };
}

function batch(n: number, createdMs = 1_000_000): ClosedBatch {
  return { createdMs, sampleCount: 1, series: [{ metric: 'vigil_test', labels: { n: String(n).padStart(4, '0') }, type: 0, timestampsMs: [createdMs], values: [n] }] };
}

describe('Spool on a failing disk', () => {
  let dir: string;
  let now = 1_000_000;
  let fs: ReturnType<typeof faultyFs>;
  let lines: string[];
  const clock = { now: () => now };
  const open = (extra: Partial<SpoolOptions> = {}) =>
    Spool.open({ dir, maxBytes: 1 << 20, maxAgeMs: 86_400_000, clock, fs, logger: createLogger('info', (l) => lines.push(l)), ...extra });
  const files = () => readdirSync(path.join(dir, 'batches')).sort();
  const warnings = () => lines.filter((l) => l.includes(' warn ')).map((l) => l.replace(/^\S+ warn {2}/, '').replace(/ \w+=.*$/s, '').trim());
  const valueOf = async (spool: Spool, seq: number) => {
    const read = await spool.read(seq);
    if (read.status !== 'ok') throw new Error(`seq ${seq}: ${read.status}`);
    return read.batch.series[0]!.values[0];
  };

  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-spool-fail-'));
    now = 1_000_000;
    fs = faultyFs();
    lines = [];
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('holds batches in memory while the disk is read-only, and moves them to disk once it is writable again', async () => {
    const spool = await open();
    expect(await spool.append(batch(1))).toBe(1);
    expect(await spool.append(batch(2))).toBe(2);
    fs.fault = 'EROFS';
    expect(await spool.append(batch(3))).toBe(3);
    expect(spool.mode).toBe('memory');
    expect(await spool.append(batch(4))).toBe(4);
    // Acks while read-only neither throw nor lose the index; the segment of 1-2 stays until the disk allows deleting it.
    expect(await spool.ackUpTo(2)).toBe(2);
    expect(files()).toEqual(['0000000000000001.vgs']);
    expect(spool.pendingAfter(0, 10)).toEqual([3, 4]);
    expect(spool.errors.get('erofs')).toBe(1);
    expect(await valueOf(spool, 3)).toBe(3);

    // Still read-only when the first retry is due (1 s later): counted, still in memory.
    now += 1_000;
    expect(await spool.append(batch(5))).toBe(5);
    expect(spool.mode).toBe('memory');
    expect(spool.errors.get('erofs')).toBe(2);

    fs.fault = undefined;
    now += 1_000;
    expect(await spool.append(batch(6))).toBe(6);
    expect(spool.mode).toBe('memory'); // The next retry comes 2 s after the failed one.
    now += 1_000;
    expect(await spool.append(batch(7))).toBe(7);
    expect(spool.mode).toBe('disk');
    expect(spool.errors.get('erofs')).toBe(2);
    expect(spool.memoryPendingBytes).toBe(0);
    now += 1_000;
    expect(await spool.append(batch(8))).toBe(8);
    expect(spool.mode).toBe('disk');
    // 3-7 moved from memory in one append, 8 appended after them; the emptied segment of 1-2 is gone.
    expect(files()).toEqual(['0000000000000003.vgs']);
    expect(spool.dropped.total()).toBe(0);
    // One warning per change of mode.
    expect(warnings()).toEqual(['spool disk refused an operation; holding batches in memory until it accepts writes again', 'spool disk accepts writes again; back to the disk spool']);
    expect(lines[0]).toContain('operation=write reason=erofs');
    await spool.close();

    const again = await open();
    expect(again.pendingAfter(0, 10)).toEqual([3, 4, 5, 6, 7, 8]);
    for (const n of [3, 4, 5, 6, 7, 8]) expect(await valueOf(again, n)).toBe(n);
    await again.close();
  });

  it('on a full disk leaves no temporary file and bounds memory, dropping the oldest batch and counting it', async () => {
    const spool = await open();
    await spool.append(batch(1));
    const size = spool.pendingBytes;
    await spool.close();
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir);

    const full = await open({ memoryMaxBytes: Math.floor(size * 2.5) });
    fs.fault = 'ENOSPC';
    for (let n = 1; n <= 5; n++) expect(await full.append(batch(n))).toBe(n);
    expect(full.mode).toBe('memory');
    expect(full.pendingAfter(0, 10)).toEqual([4, 5]);
    expect(full.memoryPendingBytes).toBe(size * 2);
    expect(full.dropped.get('memory_full')).toBe(3);
    expect(full.errors.get('enospc')).toBe(1);
    expect(files()).toEqual([]);
    expect(lines.filter((l) => l.includes('reason=memory_full')).map((l) => / seqs=(\S+)/.exec(l)?.[1])).toEqual(['1', '2', '3']);
    // Shutting down while the disk is still full: what memory holds is lost, and counted.
    await full.close();
    expect(full.dropped.get('write_error')).toBe(2);
    expect(files()).toEqual([]);
  });

  it('starts on a read-only spool with the stored batches and a stale lock, and releases nothing that is not its own', async () => {
    const first = await open();
    for (let n = 1; n <= 3; n++) await first.append(batch(n));
    const { agentId, streamEpoch } = first;
    await first.close();
    writeFileSync(path.join(dir, 'lock'), '4194303'); // left by a dead agent
    fs.fault = 'EROFS';

    const spool = await open();
    expect(spool.mode).toBe('memory');
    expect([spool.agentId, spool.streamEpoch]).toEqual([agentId, streamEpoch]);
    expect(spool.pendingAfter(0, 10)).toEqual([1, 2, 3]);
    expect(await valueOf(spool, 2)).toBe(2);
    expect(await spool.append(batch(4))).toBe(4);
    expect(await spool.ackUpTo(4)).toBe(4);
    await spool.close();
    expect(existsSync(path.join(dir, 'lock'))).toBe(true);
    expect(warnings()).toEqual(['spool disk refused an operation; holding batches in memory until it accepts writes again']);
  });

  it('starts on a full disk, removes stale temporary files, and goes back to disk once there is room', async () => {
    mkdirSync(path.join(dir, 'batches'));
    writeFileSync(path.join(dir, 'batches', '0000000000000001.vgb.tmp'), '');
    writeFileSync(path.join(dir, 'state.json.tmp'), '');
    fs.fault = 'ENOSPC';
    const spool = await open({ defaultAgentId: 'web-01' });
    expect(spool.mode).toBe('memory');
    expect(spool.agentId).toBe('web-01');
    expect(files()).toEqual([]);
    expect(existsSync(path.join(dir, 'state.json.tmp'))).toBe(false);
    expect(await spool.append(batch(1))).toBe(1);
    fs.fault = undefined;
    now += 1_000;
    expect(await spool.append(batch(2))).toBe(2);
    expect(spool.mode).toBe('disk');
    expect(files()).toEqual(['0000000000000001.vgs']);
    await spool.close();
    const again = await open();
    expect(again.agentId).toBe('web-01');
    expect(again.pendingAfter(0, 10)).toEqual([1, 2]);
    await again.close();
  });

  it('goes back to disk only once a write succeeds, even with nothing to move', async () => {
    const spool = await open();
    fs.fault = 'EROFS';
    await spool.append(batch(1));
    await spool.ackUpTo(1); // delivered from memory: nothing left to move, nothing to delete
    now += 1_000;
    await spool.append(batch(2));
    await spool.ackUpTo(2);
    expect(spool.mode).toBe('memory');
    expect(spool.errors.get('erofs')).toBe(2);
    // A disk that fails again soon after a recovery keeps the longer pause (2 s here), so a nearly full disk
    // does not flip the mode on every batch.
    fs.fault = undefined;
    now += 2_000;
    await spool.append(batch(3));
    expect(spool.mode).toBe('disk');
    fs.fault = 'ENOSPC';
    now += 1_000;
    await spool.append(batch(4));
    expect(spool.mode).toBe('memory');
    fs.fault = undefined;
    now += 1_000;
    await spool.append(batch(5));
    expect(spool.mode).toBe('memory');
    now += 1_000;
    await spool.append(batch(6));
    expect(spool.mode).toBe('disk');
    expect(spool.pendingAfter(0, 10)).toEqual([3, 4, 5, 6]);
    await spool.close();
  });

  it('counts an I/O error by its code and keeps going', async () => {
    const spool = await open();
    fs.fault = 'EIO';
    expect(await spool.append(batch(1))).toBe(1);
    expect(spool.errors.get('eio')).toBe(1);
    expect(spool.mode).toBe('memory');
    await spool.close();
  });

  it('renumbers this run\'s batches when the collector holds their seqs from a run that could not save its state', async () => {
    // Run 1: the state (next seq 1) is saved, then the disk turns read-only; seqs 1-3 go out from memory and the
    // collector stores them; the agent stops.
    const first = await open();
    fs.fault = 'EROFS';
    for (let n = 1; n <= 3; n++) await first.append(batch(n));
    expect(await first.reconcile(0)).toEqual({ renumbered: 0, collectorAhead: false });
    await first.ackUpTo(3);
    await first.close();

    // Run 2: the disk works again, the state still says seq 1.
    fs.fault = undefined;
    const second = await open();
    expect(await second.append(batch(10))).toBe(1);
    expect(await second.append(batch(11))).toBe(2);
    // The collector's Welcome says 3 is stored: seqs 1 and 2 of this run are new data, not duplicates.
    expect(await second.reconcile(3)).toEqual({ renumbered: 2, collectorAhead: true });
    expect(second.pendingAfter(0, 10)).toEqual([4, 5]);
    expect([await valueOf(second, 4), await valueOf(second, 5)]).toEqual([10, 11]);
    expect(await second.append(batch(12))).toBe(6);
    // Later Welcomes of the same run are plain acks.
    expect(await second.reconcile(4)).toEqual({ renumbered: 0, collectorAhead: false });
    expect(second.pendingAfter(0, 10)).toEqual([5, 6]);
    await second.close();
  });
});
