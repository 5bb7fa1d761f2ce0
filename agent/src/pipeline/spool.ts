// Durable spool: every closed batch is written and fsynced here before it is sent, and deleted only when its
// outcome is known (acked, permanently rejected, or dropped by the bounds, each drop counted by reason).
//
// Layout of the spool directory:
//   state.json            agent id, stream epoch, the seq to continue from after a restart (tmp + fsync + rename)
//   batches/<seq>.vgb     one file per batch: 20-byte header + protobuf-encoded vigil.v1.Batch
//   lock                  pid of the agent using the directory
// Header: "VGB1" | payload length u32 | created ms f64 | crc32 u32 over bytes 4..16 and the payload.
// A torn or corrupt file fails the length or checksum test and is deleted and counted, never fatal.
import { randomUUID } from 'node:crypto';
import { constants, promises as fsp } from 'node:fs';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { vigil } from '@vigil/proto';
import type { Logger } from '../log.js';
import { silentLogger } from '../log.js';
import type { ClosedBatch } from './batcher.js';
import { ReasonCounter, systemClock, type Clock } from './types.js';

const MAGIC = 0x56474231; // "VGB1"
const HEADER_BYTES = 20;
const STATE_VERSION = 1;
/**
 * Seqs reserved ahead in state.json, so that acks rewrite (and fsync) it once per this many batches instead of
 * after every batch. A restart continues above the reservation; the gap is harmless because acks are cumulative and
 * the collector only compares seqs.
 */
const SEQ_RESERVATION = 1024;
/** Most recent batches also kept in memory: in the steady state the sender sends what was just written, and reading
 * it back from disk would cost more than the sampling itself. Older batches (a backlog) are read from disk. */
const RECENT_BATCHES = 8;

export const SPOOL_DROP_REASONS = ['spool_full', 'too_old', 'corrupt', 'rejected', 'write_error', 'write_backlog', 'too_large'] as const;
export type SpoolDropReason = (typeof SPOOL_DROP_REASONS)[number];

export interface SpoolOptions {
  dir: string;
  maxBytes: number;
  maxAgeMs: number;
  /** Agent id from the config; otherwise the stored one, otherwise a new UUID. */
  agentId?: string;
  clock?: Clock;
  logger?: Logger;
}

interface Entry {
  seq: number;
  bytes: number;
  createdMs: number;
}

interface State {
  version: number;
  agentId: string;
  streamEpoch: string;
  nextSeq: number;
}

export type SpoolRead =
  | { status: 'ok'; batch: vigil.v1.Batch; payloadBytes: number }
  | { status: 'missing' }
  | { status: 'corrupt' };

export class Spool {
  readonly dropped = new ReasonCounter(SPOOL_DROP_REASONS);
  private readonly entries: Entry[] = [];
  private readonly recent = new Map<number, { batch: vigil.v1.Batch; payloadBytes: number }>();
  private totalBytes = 0;
  private persistedNextSeq = 0;
  private highestSeenSeq = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly listeners = new Set<() => void>();
  private closed = false;

  private constructor(
    private readonly options: SpoolOptions,
    private state: State,
    private readonly batchDir: string,
    private dirFd: fsp.FileHandle | undefined,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  /** Opens (or creates) the spool; loads the index of stored batches and drops what is corrupt or too old. */
  static async open(options: SpoolOptions): Promise<Spool> {
    const clock = options.clock ?? systemClock;
    const logger = options.logger ?? silentLogger;
    const batchDir = path.join(options.dir, 'batches');
    await fsp.mkdir(batchDir, { recursive: true });
    await acquireLock(options.dir);
    let dirFd: fsp.FileHandle | undefined;
    try {
      dirFd = await fsp.open(batchDir, constants.O_RDONLY);
    } catch {
      dirFd = undefined; // Platforms that cannot open directories (Windows) skip the directory fsync.
    }
    const loaded = await loadState(options.dir, logger);
    const storedNextSeq = loaded.fresh ? 0 : loaded.state.nextSeq;
    const spool = new Spool(options, loaded.state, batchDir, dirFd, clock, logger);
    await spool.loadIndex();
    let dirty = loaded.fresh;
    if (options.agentId && options.agentId !== spool.state.agentId) {
      spool.state.agentId = options.agentId;
      dirty = true;
    }
    // Seqs of files seen at all (even corrupt ones, which may have been sent before they broke) are never reused.
    if (spool.highestSeenSeq >= spool.state.nextSeq) spool.state.nextSeq = spool.highestSeenSeq + 1;
    spool.persistedNextSeq = storedNextSeq;
    if (dirty || spool.persistedNextSeq !== spool.state.nextSeq) await spool.saveState();
    await spool.enforceBounds(0);
    return spool;
  }

  get agentId(): string {
    return this.state.agentId;
  }
  get streamEpoch(): string {
    return this.state.streamEpoch;
  }
  get pendingBatches(): number {
    return this.entries.length;
  }
  get pendingBytes(): number {
    return this.totalBytes;
  }
  /** Highest seq handed out so far (0 when none). */
  get lastSeq(): number {
    return this.state.nextSeq - 1;
  }
  get firstPendingSeq(): number | undefined {
    return this.entries[0]?.seq;
  }

  /** Called after every successful append (the sender wakes up). */
  onAppend(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Sequence numbers pending after `afterSeq`, in order, at most `limit`. */
  pendingAfter(afterSeq: number, limit: number): number[] {
    const out: number[] = [];
    // Entries are sorted by seq; binary search for the first one after afterSeq.
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.entries[mid]!.seq <= afterSeq) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < this.entries.length && out.length < limit; i++) out.push(this.entries[i]!.seq);
    return out;
  }

  has(seq: number): boolean {
    return this.indexOf(seq) >= 0;
  }

  /** Assigns the next seq, writes the batch durably, returns the seq; undefined when it could not be stored. */
  append(batch: ClosedBatch): Promise<number | undefined> {
    return this.serial(async () => {
      if (this.closed) return undefined;
      const seq = this.state.nextSeq;
      const message = vigil.v1.Batch.create({ seq, series: batch.series, createdMs: batch.createdMs });
      const payload = vigil.v1.Batch.encode(message).finish();
      const bytes = HEADER_BYTES + payload.length;
      if (bytes > this.options.maxBytes) {
        this.drop('too_large', 1, { seq, bytes });
        return undefined;
      }
      this.state.nextSeq = seq + 1;
      await this.enforceBounds(bytes);
      try {
        await this.writeFile(seq, encodeFile(payload, batch.createdMs));
      } catch (error) {
        this.drop('write_error', 1, { seq, error: (error as NodeJS.ErrnoException).code ?? String(error) });
        return undefined;
      }
      this.entries.push({ seq, bytes, createdMs: batch.createdMs });
      this.totalBytes += bytes;
      this.recent.set(seq, { batch: message, payloadBytes: payload.length });
      if (this.recent.size > RECENT_BATCHES) this.recent.delete(this.recent.keys().next().value!);
      for (const listener of this.listeners) listener();
      return seq;
    });
  }

  /** Reads one stored batch. A corrupt file is deleted and counted. */
  read(seq: number): Promise<SpoolRead> {
    return this.serial(async () => {
      if (this.indexOf(seq) < 0) return { status: 'missing' } as const;
      const cached = this.recent.get(seq);
      if (cached) return { status: 'ok', ...cached } as const;
      let data: Buffer;
      try {
        data = await fsp.readFile(this.fileOf(seq));
      } catch {
        await this.remove((e) => e.seq === seq);
        return { status: 'missing' } as const;
      }
      const decoded = decodeFile(data);
      if (decoded) {
        try {
          const batch = vigil.v1.Batch.decode(decoded.payload);
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
    return this.serial(async () => {
      if (seq <= this.state.nextSeq) return;
      this.state.nextSeq = seq;
      await this.saveState();
    });
  }

  /** Drops batches older than max age now (also done on every append). */
  expire(): Promise<void> {
    return this.serial(() => this.enforceBounds(0));
  }

  /** Waits for pending writes and releases the directory. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.serial(async () => {
      this.closed = true;
      await this.dirFd?.close().catch(() => undefined);
      this.dirFd = undefined;
      await fsp.rm(path.join(this.options.dir, 'lock'), { force: true });
    });
  }

  // ---- internals (all run inside `serial`) ----

  private serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private indexOf(seq: number): number {
    let lo = 0;
    let hi = this.entries.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const s = this.entries[mid]!.seq;
      if (s === seq) return mid;
      if (s < seq) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  private fileOf(seq: number): string {
    return path.join(this.batchDir, `${String(seq).padStart(16, '0')}.vgb`);
  }

  private async loadIndex(): Promise<void> {
    const names = await fsp.readdir(this.batchDir);
    const found: Entry[] = [];
    for (const name of names) {
      const file = path.join(this.batchDir, name);
      const seq = Number(/^(\d{16})\.vgb$/.exec(name)?.[1] ?? 0);
      this.highestSeenSeq = Math.max(this.highestSeenSeq, seq);
      if (name.endsWith('.tmp')) {
        // A write that never completed: the batch was not acknowledged to anyone, so dropping it is correct.
        await fsp.rm(file, { force: true });
        continue;
      }
      const match = /^(\d{16})\.vgb$/.exec(name);
      if (!match) continue;
      const header = await readHeader(file);
      if (!header) {
        await fsp.rm(file, { force: true });
        this.drop('corrupt', 1, { file: name });
        continue;
      }
      found.push({ seq, bytes: header.fileBytes, createdMs: header.createdMs });
    }
    found.sort((a, b) => a.seq - b.seq);
    for (const entry of found) {
      this.entries.push(entry);
      this.totalBytes += entry.bytes;
    }
  }

  /** Makes room for `incoming` bytes and drops batches past max age; oldest first. */
  private async enforceBounds(incoming: number): Promise<void> {
    const cutoff = this.clock.now() - this.options.maxAgeMs;
    let tooOld = 0;
    while (tooOld < this.entries.length && this.entries[tooOld]!.createdMs < cutoff) tooOld++;
    if (tooOld > 0) {
      const limit = this.entries[tooOld - 1]!.seq;
      await this.remove((e) => e.seq <= limit);
      this.drop('too_old', tooOld, { up_to_seq: limit });
    }
    let full = 0;
    let bytes = this.totalBytes;
    while (full < this.entries.length && bytes + incoming > this.options.maxBytes) bytes -= this.entries[full++]!.bytes;
    if (full > 0) {
      const limit = this.entries[full - 1]!.seq;
      await this.remove((e) => e.seq <= limit);
      this.drop('spool_full', full, { up_to_seq: limit });
    }
  }

  /** Deletes matching entries (a prefix or a single one). Persists nextSeq first so a seq is never reused. */
  private async remove(match: (entry: Entry) => boolean): Promise<number> {
    const doomed = this.entries.filter(match);
    if (doomed.length === 0) return 0;
    const maxSeq = doomed[doomed.length - 1]!.seq;
    if (maxSeq >= this.persistedNextSeq) await this.saveState(maxSeq + 1 + SEQ_RESERVATION);
    const keep = this.entries.filter((e) => !match(e));
    this.entries.length = 0;
    this.entries.push(...keep);
    for (const entry of doomed) {
      this.totalBytes -= entry.bytes;
      this.recent.delete(entry.seq);
    }
    await Promise.all(doomed.map((e) => fsp.rm(this.fileOf(e.seq), { force: true })));
    return doomed.length;
  }

  private drop(reason: SpoolDropReason, n: number, fields: Record<string, string | number>): void {
    this.dropped.add(reason, n);
    this.logger.warn(`spool dropped ${n} batch${n === 1 ? '' : 'es'}`, { reason, ...fields });
  }

  private async writeFile(seq: number, data: Buffer): Promise<void> {
    const file = this.fileOf(seq);
    const tmp = file + '.tmp';
    const handle = await fsp.open(tmp, 'w');
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fsp.rename(tmp, file);
    // The rename is durable only once the directory itself is synced.
    await this.dirFd?.sync().catch(() => undefined);
  }

  /** Persists the state with a next seq of at least `floor` (never below the one in use). */
  private async saveState(floor = 0): Promise<void> {
    const nextSeq = Math.max(floor, this.state.nextSeq, this.persistedNextSeq);
    const file = path.join(this.options.dir, 'state.json');
    const tmp = file + '.tmp';
    const handle = await fsp.open(tmp, 'w');
    try {
      await handle.writeFile(JSON.stringify({ ...this.state, nextSeq }) + '\n');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fsp.rename(tmp, file);
    this.persistedNextSeq = nextSeq;
  }
}

function encodeFile(payload: Uint8Array, createdMs: number): Buffer {
  const data = Buffer.allocUnsafe(HEADER_BYTES + payload.length);
  data.writeUInt32BE(MAGIC, 0);
  data.writeUInt32BE(payload.length, 4);
  data.writeDoubleBE(createdMs, 8);
  data.set(payload, HEADER_BYTES);
  data.writeUInt32BE(checksum(data), 16);
  return data;
}

function checksum(data: Buffer): number {
  return crc32(data.subarray(HEADER_BYTES), crc32(data.subarray(4, 16)));
}

/** Validates a whole file; undefined when torn or corrupt. */
export function decodeFile(data: Buffer): { payload: Buffer; createdMs: number } | undefined {
  if (data.length < HEADER_BYTES || data.readUInt32BE(0) !== MAGIC) return undefined;
  const length = data.readUInt32BE(4);
  if (data.length !== HEADER_BYTES + length) return undefined;
  if (data.readUInt32BE(16) !== checksum(data)) return undefined;
  return { payload: data.subarray(HEADER_BYTES), createdMs: data.readDoubleBE(8) };
}

/** Reads just the header at startup (cheap for a large spool); the checksum is verified when the batch is read. */
async function readHeader(file: string): Promise<{ createdMs: number; fileBytes: number } | undefined> {
  let handle: fsp.FileHandle | undefined;
  try {
    handle = await fsp.open(file, 'r');
    const { size } = await handle.stat();
    const header = Buffer.alloc(HEADER_BYTES);
    const { bytesRead } = await handle.read(header, 0, HEADER_BYTES, 0);
    if (bytesRead < HEADER_BYTES || header.readUInt32BE(0) !== MAGIC || size !== HEADER_BYTES + header.readUInt32BE(4)) return undefined;
    return { createdMs: header.readDoubleBE(8), fileBytes: size };
  } catch {
    return undefined;
  } finally {
    await handle?.close();
  }
}

async function loadState(dir: string, logger: Logger): Promise<{ state: State; fresh: boolean }> {
  const file = path.join(dir, 'state.json');
  let text: string | undefined;
  try {
    text = await fsp.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (text !== undefined) {
    try {
      const parsed = JSON.parse(text) as Partial<State>;
      if (
        parsed.version === STATE_VERSION &&
        typeof parsed.agentId === 'string' && parsed.agentId !== '' &&
        typeof parsed.streamEpoch === 'string' && parsed.streamEpoch !== '' &&
        Number.isSafeInteger(parsed.nextSeq) && parsed.nextSeq! >= 1
      ) {
        return { state: parsed as State, fresh: false };
      }
    } catch {
      // Handled below.
    }
    const aside = `${file}.corrupt-${Date.now()}`;
    await fsp.rename(file, aside).catch(() => undefined);
    logger.warn('spool state file is corrupt; starting a new stream epoch', { moved_to: aside });
  }
  // A fresh state: new epoch, sequence restarts at 1 (the collector keys sequences by agent id and epoch).
  return { state: { version: STATE_VERSION, agentId: randomUUID(), streamEpoch: randomUUID(), nextSeq: 1 }, fresh: true };
}

async function acquireLock(dir: string): Promise<void> {
  const file = path.join(dir, 'lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await fsp.writeFile(file, String(process.pid), { flag: 'wx' });
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = Number((await fsp.readFile(file, 'utf8').catch(() => '')).trim());
    if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && isAlive(owner)) {
      throw new Error(`spool directory ${dir} is in use by another agent (pid ${owner}); give each agent its own spool_dir`);
    }
    // Left behind by an agent that died (or by ourselves in a previous container life): take it over.
    await fsp.rm(file, { force: true });
  }
  throw new Error(`cannot lock spool directory ${dir}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
