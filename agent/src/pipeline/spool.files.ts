// The spool directory on disk: the batch file format, durable writes, state.json and the lock file.
//
// Layout of the spool directory:
//   state.json            agent id, stream epoch, the seq to continue from after a restart (tmp + fsync + rename)
//   batches/<seq>.vgs     segments of many batches (spool.segments.ts)
//   batches/<seq>.vgb     one file per batch, the format before segments (still read after an upgrade):
//                         20-byte header + protobuf-encoded vigil.v1.Batch
//   lock                  pid of the agent using the directory
// Header: "VGB1" | payload length u32 | created ms f64 | crc32 u32 over bytes 4..16 and the payload.
// Every function takes the filesystem to use, so tests can make the disk full or read-only without root.
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { randomUUID } from '../builtins.js';
import type { Logger } from '../log.js';

/** The part of node:fs/promises the spool uses. */
export type SpoolFs = Pick<typeof fsp, 'mkdir' | 'open' | 'readFile' | 'writeFile' | 'rm' | 'rename' | 'readdir'>;

const MAGIC = 0x56474231; // "VGB1"
export const HEADER_BYTES = 20;
const STATE_VERSION = 1;
const BATCH_FILE = /^(\d{16})\.vgb$/;

export interface SpoolState {
  version: number;
  agentId: string;
  streamEpoch: string;
  nextSeq: number;
}

export function batchFileName(seq: number): string {
  return `${String(seq).padStart(16, '0')}.vgb`;
}

/** The seq of a batch file name (temporary files included), or undefined for other names. */
export function seqOfFileName(name: string): number | undefined {
  const match = BATCH_FILE.exec(name.endsWith('.tmp') ? name.slice(0, -4) : name);
  return match ? Number(match[1]) : undefined;
}

export function encodeFile(payload: Uint8Array, createdMs: number): Buffer {
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
export async function readHeader(fs: SpoolFs, file: string): Promise<{ createdMs: number; fileBytes: number } | undefined> {
  let handle: fsp.FileHandle | undefined;
  try {
    handle = await fs.open(file, 'r');
    const { size } = await handle.stat();
    const header = Buffer.alloc(HEADER_BYTES);
    const { bytesRead } = await handle.read(header, 0, HEADER_BYTES, 0);
    if (bytesRead < HEADER_BYTES || header.readUInt32BE(0) !== MAGIC || size !== HEADER_BYTES + header.readUInt32BE(4)) return undefined;
    return { createdMs: header.readDoubleBE(8), fileBytes: size };
  } catch {
    return undefined;
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

/**
 * Writes `data` to `file` durably: a temporary file, fsynced, renamed over `file`, then the directory fsynced.
 * A failed write removes its temporary file (a full disk must not fill up with empty ones) and rethrows.
 */
export async function writeDurable(fs: SpoolFs, file: string, data: Buffer | string, dirFd?: fsp.FileHandle): Promise<void> {
  const tmp = file + '.tmp';
  try {
    const handle = await fs.open(tmp, 'w');
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(tmp, file);
  } catch (error) {
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    throw error;
  }
  // The rename is durable only once the directory itself is synced.
  await dirFd?.sync().catch(() => undefined);
}

/** Loads state.json; a missing or corrupt one gives a fresh state (new epoch, seq 1). Read errors are thrown. */
export async function loadState(fs: SpoolFs, dir: string, newAgentId: () => string, logger: Logger): Promise<{ state: SpoolState; fresh: boolean }> {
  const file = path.join(dir, 'state.json');
  let text: string | undefined;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (text !== undefined) {
    const parsed = parseState(text);
    if (parsed) return { state: parsed, fresh: false };
    const aside = `${file}.corrupt-${Date.now()}`;
    await fs.rename(file, aside).catch(() => undefined);
    logger.warn('spool state file is corrupt; starting a new stream epoch', { moved_to: aside });
  }
  return { state: freshState(newAgentId()), fresh: true };
}

/** A fresh state: new epoch, sequence restarts at 1 (the collector keys sequences by agent id and epoch). */
export function freshState(agentId: string): SpoolState {
  return { version: STATE_VERSION, agentId, streamEpoch: randomUUID(), nextSeq: 1 };
}

function parseState(text: string): SpoolState | undefined {
  try {
    const parsed = JSON.parse(text) as Partial<SpoolState>;
    const valid =
      parsed.version === STATE_VERSION &&
      typeof parsed.agentId === 'string' && parsed.agentId !== '' &&
      typeof parsed.streamEpoch === 'string' && parsed.streamEpoch !== '' &&
      Number.isSafeInteger(parsed.nextSeq) && parsed.nextSeq! >= 1;
    return valid ? (parsed as SpoolState) : undefined;
  } catch {
    return undefined;
  }
}

export function saveState(fs: SpoolFs, dir: string, state: SpoolState): Promise<void> {
  return writeDurable(fs, path.join(dir, 'state.json'), JSON.stringify(state) + '\n');
}

/** Another live agent holds the spool directory: a configuration mistake, reported instead of worked around. */
export class SpoolLockedError extends Error {}

export async function acquireLock(fs: SpoolFs, dir: string): Promise<void> {
  const file = path.join(dir, 'lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await fs.writeFile(file, String(process.pid), { flag: 'wx' });
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        // Created but not written (a full disk): an empty lock would only confuse the next start.
        await fs.rm(file, { force: true }).catch(() => undefined);
        throw error;
      }
    }
    const owner = Number((await fs.readFile(file, 'utf8').catch(() => '')).trim());
    if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && isAlive(owner)) {
      throw new SpoolLockedError(`spool directory ${dir} is in use by another agent (pid ${owner}); give each agent its own spool_dir`);
    }
    // Left behind by an agent that died (or by ourselves in a previous container life): take it over.
    await fs.rm(file, { force: true });
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

/** Error codes counted under their own reason; anything else counts as "other" (bounded label values). */
const KNOWN_ERROR_CODES = ['EROFS', 'ENOSPC', 'EDQUOT', 'EIO', 'EACCES', 'EPERM', 'ENOENT', 'ENOTDIR', 'EMFILE', 'ENFILE', 'EBUSY'];

/** Reason label of an I/O error: its errno code in lower case ("enospc"), or "other". */
export function ioErrorReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code && KNOWN_ERROR_CODES.includes(code) ? code.toLowerCase() : 'other';
}

/** Runs an I/O operation and reports its outcome instead of throwing. */
export async function attempt(work: () => Promise<unknown>): Promise<{ ok: true } | { ok: false; error: unknown }> {
  try {
    await work();
    return { ok: true };
  } catch (error) {
    return { ok: false, error };
  }
}
