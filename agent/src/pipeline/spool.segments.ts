// Append-only segment files of the spool: many batches per file, so that storing a batch costs one append and one
// fsync instead of a new file (create, fsync, rename, directory fsync, and an unlink after the ack).
//
//   batches/<first seq>.vgs   records, one after another, no file header
// Record: magic u32 | payload length u32 | seq f64 | created ms f64 | crc32 u32 over bytes 4..24 and the payload.
//   "VGS1" a batch: the payload is the protobuf-encoded vigil.v1.Batch.
//   "VGA1" removals (acks, drops): the payload is pairs of f64 [from, to]; no pending batch has a seq in them. They
//          ride along with the next batch's append (no fsync of their own): a lost one only means that acknowledged
//          batches are offered again after a restart, and the collector's Welcome removes them before they are sent.
// A segment is deleted once it and every older one hold no pending batch, so a removal record always outlives the
// batches it names. A torn tail (a crash during an append, before its fsync, so never sent) is truncated at start.
import type { promises as fsp } from 'node:fs';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { decodeFile, type SpoolFs } from './spool.files.js';

export const RECORD_HEADER_BYTES = 28;
const BATCH_MAGIC = 0x56475331; // "VGS1"
const REMOVED_MAGIC = 0x56474131; // "VGA1"
const SEGMENT_FILE = /^(\d{16})\.vgs$/;
/** A segment takes new batches until it is this large; then the next append starts a new one. */
export const SEGMENT_MAX_BYTES = 1 << 20;
/**
 * The segment being appended to is given up once everything in it was removed and it is this large, so that a spool
 * that keeps up with its collector holds at most this much of acknowledged data (and creates a file per this much).
 */
export const SEGMENT_RECLAIM_BYTES = 64 << 10;

export type SeqRange = [from: number, to: number];

export interface SegmentRecord {
  seq: number;
  createdMs: number;
  offset: number;
  /** The whole record, header included: what the spool's size bound counts. */
  bytes: number;
}

export function segmentFileName(firstSeq: number): string {
  return `${String(firstSeq).padStart(16, '0')}.vgs`;
}

/** The first seq of a segment file name, or undefined for other names. */
export function segmentOfFileName(name: string): number | undefined {
  const match = SEGMENT_FILE.exec(name);
  return match ? Number(match[1]) : undefined;
}

export function encodeBatchRecord(seq: number, createdMs: number, payload: Uint8Array): Buffer {
  return encodeRecord(BATCH_MAGIC, seq, createdMs, payload);
}

export function encodeRemovedRecord(ranges: readonly SeqRange[]): Buffer {
  const payload = Buffer.allocUnsafe(ranges.length * 16);
  ranges.forEach(([from, to], i) => {
    payload.writeDoubleBE(from, i * 16);
    payload.writeDoubleBE(to, i * 16 + 8);
  });
  return encodeRecord(REMOVED_MAGIC, 0, 0, payload);
}

function encodeRecord(magic: number, seq: number, createdMs: number, payload: Uint8Array): Buffer {
  const data = Buffer.allocUnsafe(RECORD_HEADER_BYTES + payload.length);
  data.writeUInt32BE(magic, 0);
  data.writeUInt32BE(payload.length, 4);
  data.writeDoubleBE(seq, 8);
  data.writeDoubleBE(createdMs, 16);
  data.set(payload, RECORD_HEADER_BYTES);
  data.writeUInt32BE(checksum(data, 0, data.length), 24);
  return data;
}

function checksum(data: Buffer, start: number, end: number): number {
  return crc32(data.subarray(start + RECORD_HEADER_BYTES, end), crc32(data.subarray(start + 4, start + 24)));
}

/** Validates one batch record (exactly `data`) of `seq`; undefined when torn or corrupt. */
export function decodeBatchRecord(data: Buffer, seq: number): { payload: Buffer; createdMs: number } | undefined {
  const valid =
    data.length >= RECORD_HEADER_BYTES && data.readUInt32BE(0) === BATCH_MAGIC && data.readUInt32BE(4) === data.length - RECORD_HEADER_BYTES &&
    data.readDoubleBE(8) === seq && data.readUInt32BE(24) === checksum(data, 0, data.length);
  return valid ? { payload: data.subarray(RECORD_HEADER_BYTES), createdMs: data.readDoubleBE(16) } : undefined;
}

/** Validates a stored batch: a segment record (also what memory holds), or a file of its own (the format before). */
export function decodeStored(entry: { seq: number; segment?: number; data?: Buffer }, data: Buffer): { payload: Buffer; createdMs: number } | undefined {
  return entry.segment === undefined && !entry.data ? decodeFile(data) : decodeBatchRecord(data, entry.seq);
}

export interface SegmentScan {
  batches: SegmentRecord[];
  removed: SeqRange[];
  /** Length of the intact part; the rest is a torn tail. */
  validBytes: number;
  /** Records that failed their checksum inside the intact part (skipped). */
  corrupt: number;
  /** Highest seq named by any readable header, corrupt records included (never to be reused). */
  highestSeq: number;
}

/**
 * Reads a segment's records. A header that is incomplete, unknown or runs past the end, or a last record that fails
 * its checksum, starts the torn tail. A record that fails its checksum with intact records after it is skipped and
 * counted (a bad block, not a crash).
 */
export function scanSegment(data: Buffer): SegmentScan {
  const scan: SegmentScan = { batches: [], removed: [], validBytes: 0, corrupt: 0, highestSeq: 0 };
  let offset = 0;
  while (offset + RECORD_HEADER_BYTES <= data.length) {
    const magic = data.readUInt32BE(offset);
    if (magic !== BATCH_MAGIC && magic !== REMOVED_MAGIC) break;
    // Even a torn record's seq is not handed out again (the old format did the same for a torn file).
    const seq = data.readDoubleBE(offset + 8);
    if (Number.isSafeInteger(seq) && seq > 0) scan.highestSeq = Math.max(scan.highestSeq, seq);
    const end = offset + RECORD_HEADER_BYTES + data.readUInt32BE(offset + 4);
    if (end > data.length) break;
    const intact = data.readUInt32BE(offset + 24) === checksum(data, offset, end);
    if (!intact && end === data.length) break;
    if (!intact) scan.corrupt++;
    else if (magic === BATCH_MAGIC) scan.batches.push({ seq, createdMs: data.readDoubleBE(offset + 16), offset, bytes: end - offset });
    else for (let at = offset + RECORD_HEADER_BYTES; at + 16 <= end; at += 16) scan.removed.push([data.readDoubleBE(at), data.readDoubleBE(at + 8)]);
    offset = end;
  }
  scan.validBytes = offset;
  return scan;
}

/** Where a batch record lives. */
export interface Placement {
  segment: number;
  offset: number;
}

/**
 * The segments of one spool directory: which exist, how many pending batches each holds, the one appended to, and
 * the removals still to be written. Does the segment I/O; failures are thrown to the caller (SpoolDisk).
 */
export class SegmentLog {
  /** Pending batches per segment, by first seq (ascending). */
  private readonly live = new Map<number, number>();
  private current: { segment: number; bytes: number } | undefined;
  private removedRanges: SeqRange[] = [];

  constructor(
    private readonly fs: SpoolFs,
    private readonly dir: string,
  ) {}

  fileOf(segment: number): string {
    return path.join(this.dir, segmentFileName(segment));
  }

  /** Registers a segment found at start with its pending batches (it is never appended to again). */
  loaded(segment: number, pending: number): void {
    this.live.set(segment, pending);
  }

  /**
   * Appends records (oldest first) and the pending removals to the current segment, or to a new one named after
   * `records[0].seq`, then fsyncs. On failure the segment is given up (a partial append truncated where possible)
   * and the error rethrown. Returns where each record went.
   */
  async append(records: readonly { seq: number; data: Buffer }[], dirFd: fsp.FileHandle | undefined): Promise<Placement[]> {
    if (this.current && this.current.bytes >= SEGMENT_MAX_BYTES && records.length > 0) this.current = undefined;
    const fresh = this.current === undefined;
    if (fresh && records.length === 0) return [];
    const target = this.current ?? { segment: records[0]!.seq, bytes: 0 };
    const removed = this.removedRanges.length > 0 ? encodeRemovedRecord(this.removedRanges) : undefined;
    const parts = removed ? [removed, ...records.map((r) => r.data)] : records.map((r) => r.data);
    const data = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    const file = this.fileOf(target.segment);
    try {
      // A new segment replaces whatever a failed append may have left under its name.
      const handle = await this.fs.open(file, fresh ? 'w' : 'a');
      try {
        await handle.writeFile(data);
        await handle.datasync();
      } finally {
        await handle.close();
      }
    } catch (error) {
      this.current = undefined;
      await this.cutBack(file, target.bytes);
      throw error;
    }
    // A new file is durable only once its directory entry is.
    if (fresh) await dirFd?.sync().catch(() => undefined);
    this.current = target;
    this.removedRanges = [];
    let offset = target.bytes + (removed?.length ?? 0);
    target.bytes += data.length;
    this.live.set(target.segment, (this.live.get(target.segment) ?? 0) + records.length);
    return records.map((record) => {
      const placement = { segment: target.segment, offset };
      offset += record.data.length;
      return placement;
    });
  }

  /** Writes the removals not written yet to the segment appended to (at shutdown); none when there is none. */
  async flushRemovals(): Promise<void> {
    if (this.removedRanges.length > 0) await this.append([], undefined);
  }

  /**
   * Batches removed from a segment: `ranges` (containing no pending seq) are written with the next append. Returns
   * the files of the segments that can now be deleted.
   */
  removed(segments: readonly number[], ranges: readonly SeqRange[], touches: (from: number, to: number) => boolean): string[] {
    for (const segment of segments) this.live.set(segment, this.live.get(segment)! - 1);
    for (const range of ranges) {
      const last = this.removedRanges[this.removedRanges.length - 1];
      // Adjacent ranges merge when no pending batch lies between them: one pair per tick in memory mode.
      if (last && range[0] > last[1] && !touches(last[1], range[0])) last[1] = range[1];
      else this.removedRanges.push([range[0], range[1]]);
    }
    if (this.current && this.live.get(this.current.segment) === 0 && this.current.bytes >= SEGMENT_RECLAIM_BYTES) this.current = undefined;
    return this.reclaimable();
  }

  /** Files of the oldest segments without pending batches (never the one appended to). */
  reclaimable(): string[] {
    const files: string[] = [];
    for (const [segment, pending] of this.live) {
      if (pending > 0 || segment === this.current?.segment) break;
      this.live.delete(segment);
      files.push(this.fileOf(segment));
    }
    return files;
  }

  /** Truncates a segment to its intact part (a torn tail), or deletes it when nothing of it is. */
  async cutBack(file: string, bytes: number): Promise<void> {
    if (bytes === 0) {
      await this.fs.rm(file, { force: true }).catch(() => undefined);
      return;
    }
    const handle = await this.fs.open(file, 'r+').catch(() => undefined);
    if (!handle) return;
    await handle.truncate(bytes).catch(() => undefined);
    await handle.close().catch(() => undefined);
  }
}
