// The spool's index: which batches are pending, in seq order, where each one is (a file on disk or bytes held in
// memory) and how many bytes each place holds. Pure bookkeeping, no I/O.

export interface SpoolEntry {
  seq: number;
  bytes: number;
  createdMs: number;
  /** The segment (named by its first seq) and offset of the batch's record; none for a file of its own. */
  segment?: number;
  offset?: number;
  /** The encoded record, while the batch is held in memory only (the disk refused it). */
  data?: Buffer;
}

export class SpoolIndex {
  /** Sorted by seq: appends always carry the highest seq so far. */
  readonly entries: SpoolEntry[] = [];
  private bytesOnDisk = 0;
  private bytesInMemory = 0;

  get diskBytes(): number {
    return this.bytesOnDisk;
  }
  get memoryBytes(): number {
    return this.bytesInMemory;
  }
  get size(): number {
    return this.entries.length;
  }

  add(entry: SpoolEntry): void {
    this.entries.push(entry);
    if (entry.data) this.bytesInMemory += entry.bytes;
    else this.bytesOnDisk += entry.bytes;
  }

  /**
   * Removes the matching entries and returns them, in seq order, with the seq ranges they covered: runs of adjacent
   * entries, so that no remaining entry has a seq inside a range.
   */
  removeWhere(match: (entry: SpoolEntry) => boolean): { doomed: SpoolEntry[]; ranges: [number, number][] } {
    const doomed: SpoolEntry[] = [];
    const ranges: [number, number][] = [];
    let keep = 0;
    let inRun = false;
    for (const entry of this.entries) {
      if (!match(entry)) {
        this.entries[keep++] = entry;
        inRun = false;
        continue;
      }
      doomed.push(entry);
      if (inRun) ranges[ranges.length - 1]![1] = entry.seq;
      else ranges.push([entry.seq, entry.seq]);
      inRun = true;
      if (entry.data) this.bytesInMemory -= entry.bytes;
      else this.bytesOnDisk -= entry.bytes;
    }
    this.entries.length = keep;
    return { doomed, ranges };
  }

  /** Whether an entry has a seq strictly between `from` and `to`. */
  hasBetween(from: number, to: number): boolean {
    const next = this.entries[this.firstIndexAfter(from)];
    return next !== undefined && next.seq < to;
  }

  /** The entry's bytes are now in a segment: it no longer counts against memory. */
  movedToDisk(entry: SpoolEntry, segment: number, offset: number): void {
    entry.segment = segment;
    entry.offset = offset;
    entry.data = undefined;
    this.bytesInMemory -= entry.bytes;
    this.bytesOnDisk += entry.bytes;
  }

  /** Seqs of the oldest entries held in one place that must go so that `incoming` more bytes fit under `max`. */
  oldestOver(max: number, incoming: number, inMemory: boolean): Set<number> {
    let bytes = inMemory ? this.bytesInMemory : this.bytesOnDisk;
    const doomed = new Set<number>();
    for (const entry of this.entries) {
      if (bytes + incoming <= max) break;
      if ((entry.data !== undefined) !== inMemory) continue;
      doomed.add(entry.seq);
      bytes -= entry.bytes;
    }
    return doomed;
  }

  /** Number of leading entries created before `cutoff`. */
  countOlderThan(cutoff: number): number {
    let n = 0;
    while (n < this.entries.length && this.entries[n]!.createdMs < cutoff) n++;
    return n;
  }

  /** Index of the first entry with a seq above `afterSeq` (binary search). */
  firstIndexAfter(afterSeq: number): number {
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.entries[mid]!.seq <= afterSeq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  get(seq: number): SpoolEntry | undefined {
    const entry = this.entries[this.firstIndexAfter(seq - 1)];
    return entry?.seq === seq ? entry : undefined;
  }
}
