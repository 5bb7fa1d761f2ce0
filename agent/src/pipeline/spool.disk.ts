// The spool's disk, and what happens when it fails. Every operation on the spool directory goes through here: a
// failed one is counted by reason and switches the spool to memory mode (one warning per change of mode); the disk
// is then left alone except for recovery attempts, paced by a growing pause, which redo what it refused (lock,
// state, deletions) and take over the batches held in memory.
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../log.js';
import { ReasonCounter, type Clock } from './types.js';
import { acquireLock, attempt, SpoolLockedError, batchFileName, ioErrorReason, readHeader, saveState, seqOfFileName, type SpoolFs, type SpoolState } from './spool.files.js';
import { scanSegment, SegmentLog, segmentOfFileName, type Placement, type SeqRange } from './spool.segments.js';

/** Pause before the first recovery attempt after the disk failed, doubled per failed attempt up to the maximum. */
const RECOVERY_FIRST_MS = 1_000;
const RECOVERY_MAX_MS = 10_000;
/** A disk that fails again within this time after a recovery (nearly full) keeps the longer pause: fewer flips. */
const FLAPPING_MS = 60_000;

export type SpoolMode = 'disk' | 'memory';

/** A batch held in memory only, that recovery writes to disk. */
export interface MemoryBatch {
  seq: number;
  data?: Buffer;
}

/** A stored batch found at start: in a segment, or in a file of its own (the format before segments). */
export interface ListedBatch extends Partial<Placement> {
  seq: number;
  bytes: number;
  createdMs: number;
}

/** A removed batch: its segment, none for a file of its own, or its data when it was held in memory only. */
export interface RemovedBatch {
  seq: number;
  segment?: number;
  data?: Buffer;
}

export interface SpoolDiskOptions {
  fs: SpoolFs;
  dir: string;
  clock: Clock;
  logger: Logger;
  memoryMaxBytes: number;
}

export class SpoolDisk {
  /** Failed operations by reason (errno code in lower case). */
  readonly errors = new ReasonCounter();
  readonly batchDir: string;
  private currentMode: SpoolMode = 'disk';
  private lockHeld = false;
  private dirFd: fsp.FileHandle | undefined;
  private persisted = 0;
  /** Files of removed batches (old format) and emptied segments that are still to be deleted. */
  private readonly pendingDeletes = new Set<string>();
  private readonly segments: SegmentLog;
  private recoveryDelayMs = RECOVERY_FIRST_MS;
  private nextRecoveryAt = 0;
  private recoveredAt = -Infinity;

  constructor(private readonly options: SpoolDiskOptions) {
    this.batchDir = path.join(options.dir, 'batches');
    this.segments = new SegmentLog(options.fs, this.batchDir);
  }

  get mode(): SpoolMode {
    return this.currentMode;
  }
  get fs(): SpoolFs {
    return this.options.fs;
  }
  /** The next seq state.json promises (0 before it was written). */
  get persistedNextSeq(): number {
    return this.persisted;
  }
  set persistedNextSeq(seq: number) {
    this.persisted = seq;
  }
  get recoveryDue(): boolean {
    return this.currentMode === 'memory' && this.options.clock.now() >= this.nextRecoveryAt;
  }

  /** The file of a batch stored on its own (the format before segments). */
  fileOf(seq: number): string {
    return path.join(this.batchDir, batchFileName(seq));
  }

  /** The bytes of one stored batch: its file, or its record in a segment. ENOENT when gone. */
  async read(entry: ListedBatch): Promise<Buffer> {
    if (entry.segment === undefined) return this.options.fs.readFile(this.fileOf(entry.seq));
    const handle = await this.options.fs.open(this.segments.fileOf(entry.segment), 'r');
    try {
      const data = Buffer.allocUnsafe(entry.bytes);
      const { bytesRead } = await handle.read(data, 0, entry.bytes, entry.offset);
      return data.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  }

  /** Creates the directories, takes the lock and cleans up a state write that a crash interrupted. Throws. */
  async prepare(): Promise<void> {
    const { fs, dir } = this.options;
    await fs.mkdir(this.batchDir, { recursive: true });
    let lockError: unknown;
    if (!this.lockHeld) {
      // A lock that cannot be written for lack of space or permission is no other agent's: cleaning up is safe.
      await acquireLock(fs, dir).then(
        () => (this.lockHeld = true),
        (error: unknown) => (lockError = error),
      );
      if (lockError instanceof SpoolLockedError) throw lockError;
    }
    await fs.rm(path.join(dir, 'state.json.tmp'), { force: true });
    this.dirFd ??= await fs.open(this.batchDir, 'r').catch(() => undefined); // No directory fsync where it cannot be opened.
    if (lockError) throw lockError;
  }

  /**
   * Lists the stored batches (sorted by seq) and the highest seq ever stored. Old-format files: temporary ones (writes
   * that never completed, acknowledged to no one) are deleted, and so are files that fail the header test (`onCorrupt`
   * is told). Segments: torn tails are truncated, corrupt records skipped (both told), batches named in removal
   * records left out, and segments left without pending batches deleted.
   */
  async list(onCorrupt: (name: string) => void): Promise<{ entries: ListedBatch[]; highestSeenSeq: number }> {
    const { fs } = this.options;
    const entries: ListedBatch[] = [];
    const segments: { segment: number; batches: ListedBatch[] }[] = [];
    const removed: SeqRange[] = [];
    let highestSeenSeq = 0;
    const deleteFile = (file: string) => fs.rm(file, { force: true }).catch((error: unknown) => this.failed('delete', error));
    for (const name of (await fs.readdir(this.batchDir)).sort()) {
      const file = path.join(this.batchDir, name);
      const segment = segmentOfFileName(name);
      if (segment !== undefined) {
        const data = await fs.readFile(file);
        const scan = scanSegment(data);
        highestSeenSeq = Math.max(highestSeenSeq, scan.highestSeq);
        for (let i = 0; i < scan.corrupt; i++) onCorrupt(name);
        if (scan.validBytes < data.length) {
          // An append that a crash interrupted: never fsynced, so never sent.
          await this.segments.cutBack(file, scan.validBytes);
          onCorrupt(`${name} (torn tail at byte ${scan.validBytes})`);
        }
        removed.push(...scan.removed);
        segments.push({ segment, batches: scan.batches.map((b) => ({ ...b, segment })) });
        continue;
      }
      const seq = seqOfFileName(name);
      if (seq === undefined) continue;
      if (name.endsWith('.tmp')) {
        // Never completed, so never sent: its seq may be handed out again.
        await deleteFile(file);
        continue;
      }
      highestSeenSeq = Math.max(highestSeenSeq, seq);
      const header = await readHeader(fs, file);
      if (header) entries.push({ seq, bytes: header.fileBytes, createdMs: header.createdMs });
      else {
        await deleteFile(file);
        onCorrupt(name);
      }
    }
    const isRemoved = (seq: number) => removed.some(([from, to]) => seq >= from && seq <= to);
    for (const { segment, batches } of segments) {
      const pending = batches.filter((b) => !isRemoved(b.seq));
      this.segments.loaded(segment, pending.length);
      entries.push(...pending);
    }
    for (const file of this.segments.reclaimable()) await deleteFile(file);
    return { entries: entries.sort((a, b) => a.seq - b.seq), highestSeenSeq };
  }

  /**
   * Appends a batch record to a segment and fsyncs it; where it went, or undefined (and memory mode) when the disk
   * refuses. Never tried in memory mode.
   */
  async writeBatch(seq: number, data: Buffer): Promise<Placement | undefined> {
    if (this.currentMode === 'memory') return undefined;
    let placement: Placement | undefined;
    await this.attempt('write', async () => ([placement] = await this.segments.append([{ seq, data }], this.dirFd)));
    return placement;
  }

  /**
   * Forgets removed batches: files of their own are deleted, segment records are named in a removal record written
   * with the next append (`ranges` hold no pending seq; `pendingBetween` tells whether any is between two seqs), and
   * segments left without pending batches are deleted. In memory mode, or when the disk refuses, the deletions
   * happen on recovery.
   */
  async deleteBatches(batches: readonly RemovedBatch[], ranges: readonly SeqRange[], pendingBetween: (from: number, to: number) => boolean): Promise<void> {
    const inSegments: number[] = [];
    for (const batch of batches) {
      if (batch.data) continue;
      if (batch.segment === undefined) this.pendingDeletes.add(this.fileOf(batch.seq));
      else inSegments.push(batch.segment);
    }
    if (inSegments.length > 0) for (const file of this.segments.removed(inSegments, ranges, pendingBetween)) this.pendingDeletes.add(file);
    if (this.currentMode === 'disk' && this.pendingDeletes.size > 0) await this.attempt('delete', () => this.deletePending());
  }

  /** Persists the state with a next seq of at least `floor`; while the disk refuses, it is saved on recovery. */
  async saveState(state: SpoolState, floor = 0): Promise<void> {
    if (this.currentMode === 'disk') await this.attempt('save_state', () => this.writeState(state, floor));
  }

  /** Counts a failed operation; the first failure in disk mode switches to memory mode (one warning). */
  failed(operation: string, error: unknown): void {
    const reason = ioErrorReason(error);
    this.errors.add(reason);
    if (this.currentMode === 'memory') return;
    this.currentMode = 'memory';
    const now = this.options.clock.now();
    if (now - this.recoveredAt >= FLAPPING_MS) this.recoveryDelayMs = RECOVERY_FIRST_MS;
    this.nextRecoveryAt = now + this.recoveryDelayMs;
    this.options.logger.warn('spool disk refused an operation; holding batches in memory until it accepts writes again', {
      dir: this.options.dir,
      operation,
      reason,
      error: error instanceof Error ? error.message : String(error),
      memory_max_bytes: this.options.memoryMaxBytes,
    });
  }

  /**
   * Tries to get back to disk mode: lock, state, pending deletions, then every batch in `memory` (oldest first;
   * `onMoved` is told each one that is now on disk). Returns how many moved, or undefined when still refused.
   */
  async recover(state: SpoolState, memory: readonly MemoryBatch[], onMoved: (batch: MemoryBatch, placement: Placement) => void): Promise<number | undefined> {
    let moved = 0;
    try {
      await this.prepare();
      // Written even when unchanged: the proof that the disk accepts writes again.
      await this.writeState(state);
      await this.deletePending();
      const held = memory.filter((batch): batch is MemoryBatch & { data: Buffer } => batch.data !== undefined);
      if (held.length > 0) {
        // One append and one fsync for all of them.
        const placements = await this.segments.append(held, this.dirFd);
        held.forEach((batch, i) => onMoved(batch, placements[i]!));
        moved = held.length;
      }
    } catch (error) {
      this.errors.add(ioErrorReason(error));
      this.recoveryDelayMs = Math.min(RECOVERY_MAX_MS, this.recoveryDelayMs * 2);
      this.nextRecoveryAt = this.options.clock.now() + this.recoveryDelayMs;
      return undefined;
    }
    this.currentMode = 'disk';
    this.recoveredAt = this.options.clock.now();
    this.options.logger.warn('spool disk accepts writes again; back to the disk spool', { dir: this.options.dir, moved_from_memory: moved });
    return moved;
  }

  /** Releases the directory fd and the lock (only if ours). */
  async close(): Promise<void> {
    // Without it the batches acknowledged last would be offered again after a restart (and dropped at the Welcome).
    if (this.currentMode === 'disk') await this.attempt('write', () => this.segments.flushRemovals());
    await this.dirFd?.close().catch(() => undefined);
    this.dirFd = undefined;
    if (this.lockHeld) await this.options.fs.rm(path.join(this.options.dir, 'lock'), { force: true }).catch(() => undefined);
    this.lockHeld = false;
  }

  private async writeState(state: SpoolState, floor = 0): Promise<void> {
    const nextSeq = Math.max(floor, state.nextSeq, this.persisted);
    await saveState(this.options.fs, this.options.dir, { ...state, nextSeq });
    this.persisted = nextSeq;
  }

  private async deletePending(): Promise<void> {
    const files = [...this.pendingDeletes];
    const results = await Promise.allSettled(files.map((file) => this.options.fs.rm(file, { force: true })));
    results.forEach((result, i) => result.status === 'fulfilled' && this.pendingDeletes.delete(files[i]!));
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure) throw failure.reason;
  }

  private async attempt(operation: string, work: () => Promise<unknown>): Promise<boolean> {
    const outcome = await attempt(work);
    if (!outcome.ok) this.failed(operation, outcome.error);
    return outcome.ok;
  }
}
