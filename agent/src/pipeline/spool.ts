// Durable spool: every closed batch is written and fsynced here before it is sent, and deleted only when its
// outcome is known (acked, permanently rejected, or dropped by the bounds, each drop counted by reason). When the
// disk refuses (read-only, full, I/O error), batches are held in memory, bounded, until it accepts writes again
// (spool.disk.ts). Index: spool.index.ts; segments (the format): spool.segments.ts; state, lock and the format of one
// file per batch, still read after an upgrade: spool.files.ts.
import { promises as fsp } from 'node:fs';
import { decodeBatch, type vigil } from '@vigil/proto/agent';
import { randomUUID } from '../builtins.js';
import type { Logger } from '../log.js';
import { silentLogger } from '../log.js';
import type { ClosedBatch } from './batcher.js';
import { BatchEncoder } from './batch-encoder.js';
import { SpoolDisk, type SpoolMode } from './spool.disk.js';
import { SpoolIndex, type SpoolEntry as Entry } from './spool.index.js';
import { attempt, freshState, ioErrorReason, loadState, SpoolLockedError, type SpoolFs, type SpoolState } from './spool.files.js';
import { decodeStored, encodeBatchRecord, RECORD_HEADER_BYTES } from './spool.segments.js';
import { ReasonCounter, systemClock, type Clock } from './types.js';

export type { SpoolFs } from './spool.files.js';
export type { SpoolMode } from './spool.disk.js';

/**
 * Seqs reserved ahead in state.json, so that acks rewrite (and fsync) it once per this many batches instead of
 * after every batch. A restart continues above the reservation; the gap is harmless because acks are cumulative and
 * the collector only compares seqs.
 */
const SEQ_RESERVATION = 1024;
/** Most recent batches also kept decoded: in the steady state the sender sends what was just written, and decoding
 * it again would cost more than the sampling itself. Older batches (a backlog) are read from disk. */
const RECENT_BATCHES = 8;
/** Default bound of memory mode: about 1,600 typical 10 s batches (4.5 hours), within the agent's memory budget. */
export const DEFAULT_MEMORY_MAX_BYTES = 8 << 20;

export const SPOOL_DROP_REASONS = ['spool_full', 'too_old', 'corrupt', 'rejected', 'write_error', 'write_backlog', 'too_large', 'memory_full'] as const;
export type SpoolDropReason = (typeof SPOOL_DROP_REASONS)[number];

export interface SpoolOptions {
  dir: string;
  maxBytes: number;
  maxAgeMs: number;
  /** Bound of the batches held in memory while the disk refuses writes (default DEFAULT_MEMORY_MAX_BYTES). */
  memoryMaxBytes?: number;
  /** Agent id from the config; it replaces the stored one. */
  agentId?: string;
  /** Id for a new spool without a configured one (the host name); otherwise a new UUID. */
  defaultAgentId?: string;
  clock?: Clock;
  logger?: Logger;
  /** Filesystem (tests inject failures); node:fs/promises by default. */
  fs?: SpoolFs;
}

export type SpoolRead =
  | { status: 'ok'; batch: vigil.v1.Batch; payloadBytes: number }
  | { status: 'missing' }
  | { status: 'corrupt' };

export class Spool {
  readonly dropped = new ReasonCounter(SPOOL_DROP_REASONS);
  private readonly index = new SpoolIndex();
  private readonly recent = new Map<number, { batch: vigil.v1.Batch; payloadBytes: number }>();
  private readonly encoder = new BatchEncoder();
  private highestSeenSeq = 0;
  /** First seq handed out by this process: a collector that stored it before our first Welcome saw a reuse. */
  private runStartSeq = 1;
  private collectorSeen = false;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly listeners = new Set<() => void>();
  private closed = false;
  private readonly disk: SpoolDisk;
  private readonly memoryMaxBytes: number;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private state: SpoolState;

  private constructor(private readonly options: SpoolOptions) {
    this.memoryMaxBytes = options.memoryMaxBytes ?? DEFAULT_MEMORY_MAX_BYTES;
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silentLogger;
    this.disk = new SpoolDisk({ fs: options.fs ?? fsp, dir: options.dir, clock: this.clock, logger: this.logger, memoryMaxBytes: this.memoryMaxBytes });
    this.state = freshState(this.newAgentId());
  }

  /**
   * Opens (or creates) the spool; loads the index of stored batches and drops what is corrupt or too old. A disk
   * that refuses any of this starts the spool in memory mode; only a directory locked by another live agent throws.
   */
  static async open(options: SpoolOptions): Promise<Spool> {
    const spool = new Spool(options);
    await spool.load();
    return spool;
  }

  get agentId(): string {
    return this.state.agentId;
  }
  get streamEpoch(): string {
    return this.state.streamEpoch;
  }
  get mode(): SpoolMode {
    return this.disk.mode;
  }
  /** Failed spool I/O operations by reason (errno code in lower case). */
  get errors(): ReasonCounter {
    return this.disk.errors;
  }
  get pendingBatches(): number {
    return this.index.size;
  }
  get pendingBytes(): number {
    return this.index.diskBytes + this.index.memoryBytes;
  }
  /** Bytes of the batches held in memory only. */
  get memoryPendingBytes(): number {
    return this.index.memoryBytes;
  }
  /** Highest seq handed out so far (0 when none). */
  get lastSeq(): number {
    return this.state.nextSeq - 1;
  }
  get firstPendingSeq(): number | undefined {
    return this.index.entries[0]?.seq;
  }

  /** Called after every successful append (the sender wakes up). */
  onAppend(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Sequence numbers pending after `afterSeq`, in order, at most `limit`. */
  pendingAfter(afterSeq: number, limit: number): number[] {
    const out: number[] = [];
    const { entries } = this.index;
    for (let i = this.index.firstIndexAfter(afterSeq); i < entries.length && out.length < limit; i++) out.push(entries[i]!.seq);
    return out;
  }

  has(seq: number): boolean {
    return this.index.get(seq) !== undefined;
  }

  /** Assigns the next seq, stores the batch (on disk, or in memory while the disk refuses), returns the seq. */
  append(batch: ClosedBatch): Promise<number | undefined> {
    return this.serial(async () => {
      if (this.closed) return undefined;
      const seq = this.state.nextSeq;
      const stored = await this.store(seq, batch.series, batch.createdMs);
      if (stored) for (const listener of this.listeners) listener();
      return stored ? seq : undefined;
    });
  }

  /** Reads one stored batch. A corrupt or unreadable file is deleted and counted. */
  read(seq: number): Promise<SpoolRead> {
    return this.serial(async () => {
      const entry = this.index.get(seq);
      if (!entry) return { status: 'missing' } as const;
      const cached = this.recent.get(seq);
      if (cached) return { status: 'ok', ...cached } as const;
      const data = await this.dataOf(entry);
      if (data === 'missing') return { status: 'missing' } as const;
      const decoded = data && decodeStored(entry, data);
      if (decoded) {
        try {
          const batch = decodeBatch(decoded.payload);
          if (batch.seq === seq) return { status: 'ok', batch, payloadBytes: decoded.payload.length } as const;
        } catch {
          // Falls through to corrupt.
        }
      }
      await this.remove((e) => e.seq === seq);
      this.drop('corrupt', 1, { seq });
      return { status: 'corrupt' } as const;
    });
  }

  /** Cumulative ack: every batch with seq <= `seq` is stored by the collector. Returns how many were deleted. */
  ackUpTo(seq: number): Promise<number> {
    return this.serial(() => this.remove((e) => e.seq <= seq));
  }

  /**
   * Permanent failure of one batch (rejected as a whole, or too large to send): count it and delete it. Counted
   * even when a cumulative ack already deleted the file, since the collector did not store it.
   */
  discard(seq: number, reason: SpoolDropReason): Promise<void> {
    this.dropped.add(reason);
    return this.serial(async () => {
      await this.remove((e) => e.seq === seq);
    });
  }

  /** Replaces a batch by smaller ones (split to fit the collector's message size), appended as new seqs. */
  async replace(seq: number, parts: ClosedBatch[]): Promise<number[]> {
    const seqs: number[] = [];
    for (const part of parts) {
      const newSeq = await this.append(part);
      if (newSeq !== undefined) seqs.push(newSeq);
    }
    await this.serial(() => this.remove((e) => e.seq === seq));
    return seqs;
  }

  /** Makes the next seq at least `seq` (the collector already holds seqs below it in this epoch). */
  skipTo(seq: number): Promise<void> {
    return this.serial(() => this.skip(seq));
  }

  /**
   * Applies a Welcome's last stored seq: deletes what the collector holds and continues above it. At the first
   * Welcome of this process, a collector that holds seqs this process has not sent yet got them from an earlier
   * run that could not persist its reservation (memory mode): this run's batches carry reused seqs and would be
   * taken for duplicates, so they are renumbered above the collector's instead. Returns how many were renumbered
   * and whether the collector was ahead of us.
   */
  reconcile(lastStored: number): Promise<{ renumbered: number; collectorAhead: boolean }> {
    return this.serial(async () => {
      const first = !this.collectorSeen;
      this.collectorSeen = true;
      const collectorAhead = lastStored > this.lastSeq;
      let renumbered = 0;
      if (first && lastStored >= this.runStartSeq) {
        await this.skip(Math.max(lastStored, this.lastSeq) + 1);
        for (const entry of this.index.entries.filter((e) => e.seq >= this.runStartSeq)) if (await this.renumber(entry)) renumbered++;
      } else if (collectorAhead) {
        await this.skip(lastStored + 1);
      }
      if (lastStored > 0) await this.remove((e) => e.seq <= lastStored);
      return { renumbered, collectorAhead };
    });
  }

  /** Drops batches older than max age now (also done on every append). */
  expire(): Promise<void> {
    return this.serial(() => this.enforceBounds(0, 'disk'));
  }

  /** Waits for pending writes and releases the directory. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.serial(async () => {
      this.closed = true;
      if (this.disk.mode === 'memory') await this.recover();
      // What the disk still refuses is lost with the process: counted like a refused write.
      const lost = this.index.entries.filter((e) => e.data);
      if (lost.length > 0) this.drop('write_error', lost.length, { up_to_seq: lost[lost.length - 1]!.seq });
      await this.disk.close();
    });
  }

  // ---- internals (all run inside `serial`) ----

  private serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private newAgentId(): string {
    return this.options.agentId ?? this.options.defaultAgentId ?? randomUUID();
  }

  private async load(): Promise<void> {
    let failure = await attempt(() => this.disk.prepare());
    if (!failure.ok && failure.error instanceof SpoolLockedError) throw failure.error;
    const loaded = await loadState(this.disk.fs, this.options.dir, () => this.newAgentId(), this.logger).catch((error: unknown) => {
      if (failure.ok) failure = { ok: false, error };
      return { state: this.state, fresh: true };
    });
    this.state = loaded.state;
    const listed = await attempt(async () => {
      const index = await this.disk.list((name) => this.drop('corrupt', 1, { file: name }));
      this.highestSeenSeq = index.highestSeenSeq;
      for (const entry of index.entries) this.index.add(entry);
    });
    if (!listed.ok && failure.ok) failure = listed;
    let dirty = loaded.fresh;
    if (this.options.agentId && this.options.agentId !== this.state.agentId) {
      this.state.agentId = this.options.agentId;
      dirty = true;
    }
    // Seqs of files seen at all (even corrupt ones, which may have been sent before they broke) are never reused.
    if (this.highestSeenSeq >= this.state.nextSeq) this.state.nextSeq = this.highestSeenSeq + 1;
    this.runStartSeq = this.state.nextSeq;
    this.disk.persistedNextSeq = loaded.fresh ? 0 : loaded.state.nextSeq;
    if (!failure.ok) this.disk.failed('open', failure.error);
    if (dirty || this.disk.persistedNextSeq !== this.state.nextSeq) await this.disk.saveState(this.state);
    await this.enforceBounds(0, 'disk');
  }

  /** Stores a batch under `seq` (the next one), on disk or in memory. False when a bound refused it. */
  private async store(seq: number, series: vigil.v1.Series.$Properties[], createdMs: number): Promise<boolean> {
    const message: vigil.v1.Batch = { seq, series, createdMs, definitions: [] };
    const payload = this.encoder.encode(seq, series, createdMs);
    const bytes = RECORD_HEADER_BYTES + payload.length;
    if (bytes > this.options.maxBytes) {
      this.drop('too_large', 1, { seq, bytes });
      return false;
    }
    this.state.nextSeq = seq + 1;
    const data = encodeBatchRecord(seq, createdMs, payload);
    if (this.disk.recoveryDue) await this.recover();
    const entry: Entry = { seq, bytes, createdMs };
    if (this.disk.mode === 'disk') {
      await this.enforceBounds(bytes, 'disk');
      const placement = await this.disk.writeBatch(seq, data);
      if (placement) Object.assign(entry, placement);
    }
    if (this.disk.mode === 'memory') {
      if (bytes > this.memoryMaxBytes) {
        this.drop('memory_full', 1, { seq, bytes });
        return false;
      }
      await this.enforceBounds(bytes, 'memory');
      entry.data = data;
    }
    this.index.add(entry);
    this.recent.set(seq, { batch: message, payloadBytes: payload.length });
    if (this.recent.size > RECENT_BATCHES) this.recent.delete(this.recent.keys().next().value!);
    return true;
  }

  /** Gives a batch of this run the next seq (see reconcile). */
  private async renumber(entry: Entry): Promise<boolean> {
    const data = await this.dataOf(entry);
    if (data === 'missing') return false;
    const decoded = data && decodeStored(entry, data);
    await this.remove((e) => e.seq === entry.seq);
    if (!decoded) {
      this.drop('corrupt', 1, { seq: entry.seq });
      return false;
    }
    const batch = decodeBatch(decoded.payload);
    return this.store(this.state.nextSeq, batch.series, decoded.createdMs);
  }

  private async skip(seq: number): Promise<void> {
    if (seq <= this.state.nextSeq) return;
    this.state.nextSeq = seq;
    await this.disk.saveState(this.state);
  }

  /** The stored bytes of an entry: from memory, or read from disk (undefined when unreadable). */
  private async dataOf(entry: Entry): Promise<Buffer | 'missing' | undefined> {
    if (entry.data) return entry.data;
    try {
      return await this.disk.read(entry);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        await this.remove((e) => e.seq === entry.seq);
        return 'missing';
      }
      this.disk.errors.add(ioErrorReason(error));
      return undefined;
    }
  }

  /**
   * Makes room for `incoming` bytes in the disk or the memory bound, oldest first, and drops batches past max age.
   */
  private async enforceBounds(incoming: number, where: SpoolMode): Promise<void> {
    const tooOld = this.index.countOlderThan(this.clock.now() - this.options.maxAgeMs);
    if (tooOld > 0) {
      const limit = this.index.entries[tooOld - 1]!.seq;
      await this.remove((e) => e.seq <= limit);
      this.drop('too_old', tooOld, { up_to_seq: limit });
    }
    const inMemory = where === 'memory';
    const doomed = this.index.oldestOver(inMemory ? this.memoryMaxBytes : this.options.maxBytes, incoming, inMemory);
    if (doomed.size === 0) return;
    await this.remove((e) => doomed.has(e.seq));
    // Named one by one when few (the usual case: one per append), so that a delivery audit can account for them.
    const seqs = [...doomed];
    this.drop(inMemory ? 'memory_full' : 'spool_full', seqs.length, seqs.length <= 16 ? { seqs: seqs.join(',') } : { up_to_seq: seqs[seqs.length - 1]! });
  }

  /** Removes matching entries and deletes their files. Persists nextSeq first so a seq is never reused. */
  private async remove(match: (entry: Entry) => boolean): Promise<number> {
    const doomed = this.index.entries.filter(match);
    if (doomed.length === 0) return 0;
    const maxSeq = doomed[doomed.length - 1]!.seq;
    // Should the state not be writable, the collector's Welcome still protects the seqs (see reconcile).
    if (maxSeq >= this.disk.persistedNextSeq) await this.disk.saveState(this.state, maxSeq + 1 + SEQ_RESERVATION);
    const { ranges } = this.index.removeWhere(match);
    for (const entry of doomed) this.recent.delete(entry.seq);
    await this.disk.deleteBatches(doomed, ranges, (from, to) => this.index.hasBetween(from, to));
    return doomed.length;
  }

  /** Back to the disk when it accepts writes again, taking over what memory holds. */
  private async recover(): Promise<void> {
    const moved = await this.disk.recover(this.state, this.index.entries, (entry, { segment, offset }) => this.index.movedToDisk(entry as Entry, segment, offset));
    if (moved !== undefined) await this.enforceBounds(0, 'disk');
  }

  private drop(reason: SpoolDropReason, n: number, fields: Record<string, string | number>): void {
    this.dropped.add(reason, n);
    this.logger.warn(`spool dropped ${n} batch${n === 1 ? '' : 'es'}`, { reason, ...fields });
  }
}
