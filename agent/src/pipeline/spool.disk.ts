// The spool's disk, and what happens when it fails. Every operation on the spool directory goes through here: a
// failed one is counted by reason and switches the spool to memory mode (one warning per change of mode); the disk
// is then left alone except for recovery attempts, paced by a growing pause, which redo what it refused (lock,
// state, deletions) and take over the batches held in memory.
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../log.js';
import { ReasonCounter, type Clock } from './types.js';
import { acquireLock, attempt, SpoolLockedError, batchFileName, ioErrorReason, readHeader, saveState, seqOfFileName, writeDurable, type SpoolFs, type SpoolState } from './spool.files.js';

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
  /** Files of removed batches that are still to be deleted. */
  private readonly pendingDeletes = new Set<number>();
  private recoveryDelayMs = RECOVERY_FIRST_MS;
  private nextRecoveryAt = 0;
  private recoveredAt = -Infinity;

  constructor(private readonly options: SpoolDiskOptions) {
    this.batchDir = path.join(options.dir, 'batches');
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

  fileOf(seq: number): string {
    return path.join(this.batchDir, batchFileName(seq));
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
   * Lists the stored batches (sorted by seq) and the highest seq of any batch file; deletes temporary files (writes
   * that never completed, acknowledged to no one) and files that fail the header test (`onCorrupt` is told).
   */
  async list(onCorrupt: (name: string) => void): Promise<{ entries: { seq: number; bytes: number; createdMs: number }[]; highestSeenSeq: number }> {
    const { fs } = this.options;
    const entries: { seq: number; bytes: number; createdMs: number }[] = [];
    let highestSeenSeq = 0;
    const deleteFile = (file: string) => fs.rm(file, { force: true }).catch((error: unknown) => this.failed('delete', error));
    for (const name of await fs.readdir(this.batchDir)) {
      const seq = seqOfFileName(name);
      if (seq === undefined) continue;
      const file = path.join(this.batchDir, name);
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
    return { entries: entries.sort((a, b) => a.seq - b.seq), highestSeenSeq };
  }

  /** Writes a batch file; false (and memory mode) when the disk refuses. Never tried in memory mode. */
  async writeBatch(seq: number, data: Buffer): Promise<boolean> {
    if (this.currentMode === 'memory') return false;
    return this.attempt('write', () => writeDurable(this.options.fs, this.fileOf(seq), data, this.dirFd));
  }

  /** Deletes batch files; in memory mode, or when the disk refuses, they are deleted on recovery. */
  async deleteBatches(seqs: readonly number[]): Promise<void> {
    for (const seq of seqs) this.pendingDeletes.add(seq);
    if (this.currentMode === 'disk') await this.attempt('delete', () => this.deletePending());
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
  async recover(state: SpoolState, memory: readonly MemoryBatch[], onMoved: (batch: MemoryBatch) => void): Promise<number | undefined> {
    let moved = 0;
    try {
      await this.prepare();
      // Written even when unchanged: the proof that the disk accepts writes again.
      await this.writeState(state);
      await this.deletePending();
      for (const batch of memory) {
        if (!batch.data) continue;
        await writeDurable(this.options.fs, this.fileOf(batch.seq), batch.data, this.dirFd);
        onMoved(batch);
        moved++;
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
    const seqs = [...this.pendingDeletes];
    const results = await Promise.allSettled(seqs.map((seq) => this.options.fs.rm(this.fileOf(seq), { force: true })));
    results.forEach((result, i) => result.status === 'fulfilled' && this.pendingDeletes.delete(seqs[i]!));
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure) throw failure.reason;
  }

  private async attempt(operation: string, work: () => Promise<unknown>): Promise<boolean> {
    const outcome = await attempt(work);
    if (!outcome.ok) this.failed(operation, outcome.error);
    return outcome.ok;
  }
}
