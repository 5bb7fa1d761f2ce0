// Reads small kernel files (/proc, /sys) on every tick without reallocating: each file keeps its descriptor open and
// its own buffer, and is re-read from offset 0 (procfs regenerates the content when read from 0).
//
// Reads are synchronous on purpose: the kernel generates these files in memory, so a read never waits for storage and
// takes microseconds, while an asynchronous read costs a thread-pool round trip (futex wake-ups, an event-loop turn)
// that is dearer than the read itself. statfs(2), which can hang on a network mount, stays asynchronous.
import { closeSync, openSync, readSync } from 'node:fs';

const INITIAL_BUFFER = 16 * 1024;
const MAX_BUFFER = 16 * 1024 * 1024;

interface OpenFile {
  fd: number;
  buffer: Buffer;
}

export class KernelFileReader {
  private readonly files = new Map<string, OpenFile>();
  private closed = false;

  /** Current content of `file`, or undefined when it cannot be read (missing file, permission). */
  read(file: string, encoding: BufferEncoding = 'latin1'): string | undefined {
    if (this.closed) return undefined;
    let entry = this.files.get(file);
    try {
      if (!entry) {
        entry = { fd: openSync(file, 'r'), buffer: Buffer.allocUnsafe(INITIAL_BUFFER) };
        this.files.set(file, entry);
      }
      // seq_file hands out at most its internal page per read: keep reading until end of file.
      let length = 0;
      for (;;) {
        if (length === entry.buffer.length) {
          if (length >= MAX_BUFFER) break;
          const bigger = Buffer.allocUnsafe(length * 2);
          entry.buffer.copy(bigger, 0, 0, length);
          entry.buffer = bigger;
        }
        const n = readSync(entry.fd, entry.buffer, length, entry.buffer.length - length, length);
        if (n === 0) break;
        length += n;
      }
      return entry.buffer.toString(encoding, 0, length);
    } catch {
      // Drop the descriptor; the next tick reopens (the file may come back, e.g. a hot-plugged device).
      if (entry && this.files.get(file) === entry) {
        this.files.delete(file);
        closeQuietly(entry.fd);
      }
      return undefined;
    }
  }

  close(): void {
    this.closed = true;
    for (const { fd } of this.files.values()) closeQuietly(fd);
    this.files.clear();
  }
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // Already closed or never valid: nothing to release.
  }
}
