// Samples of the pending log in typed-array pages, one slot per sample (timestamp, value, log row id)
// linked per series. With a pair of growing number arrays per series plus segment arrays, the log
// took ~63 bytes a sample (1.5M samples: 90 MiB of heap, promoted, scanned by every full collection);
// a slot takes 24 bytes outside the JS heap (the row id's low 32 bits: the pending rows span far fewer
// than 2^32 ids, so the newest row id gives the rest). Pages of a fixed size grow the pool without
// copying it, and the pages past what a drained log needs are given back (shrink), so the pool does not
// keep the size of the log's peak (issue 14: ~54 MiB at the behind mark, 63 MiB with 64-bit row ids).

/** No slot (end of a series' list). */
export const NONE = -1;

const PAGE_BITS = 16;
const PAGE_SLOTS = 1 << PAGE_BITS;
const SLOT_MASK = PAGE_SLOTS - 1;
/** Doubles per slot in a data page: timestamp, value. */
const FIELDS = 2;
const ROW_ID_SPAN = 2 ** 32;
/** Pages kept however empty the pool gets (6 MiB), so a light load does not free and regrow pages. */
const MIN_PAGES = 4;

/** A list of slots (a series' samples): first and last slot, NONE when empty. */
export interface SlotList {
  head: number;
  tail: number;
}

export class SampleSlots {
  private readonly data: Float64Array[] = [];
  /** Next slot of the same series, or NONE; also links the free list. */
  private readonly links: Int32Array[] = [];
  /** Log row id modulo 2^32. */
  private readonly rows: Uint32Array[] = [];
  /** The newest row id allocated, split at 2^32: a slot's row id is the one nearest below it with its low bits. */
  private newestLow = 0;
  private newestHigh = 0;
  private free = NONE;
  private used = 0;

  /** Slots in use. */
  get size(): number {
    return this.used;
  }

  /** Bytes held by the pages (in use or free). */
  get bytes(): number {
    return this.data.length * PAGE_SLOTS * (FIELDS * 8 + 4 + 4);
  }

  /** A new slot holding one sample, at the end of no list yet. Row ids are integers >= 0, never far below the newest. */
  allocate(ts: number, value: number, rowId: number): number {
    if (this.free === NONE) this.addPage();
    const i = this.free;
    const page = i >>> PAGE_BITS;
    const links = this.links[page]!;
    const at = i & SLOT_MASK;
    this.free = links[at]!;
    links[at] = NONE;
    const data = this.data[page]!;
    const base = at * FIELDS;
    data[base] = ts;
    data[base + 1] = value;
    const low = rowId % ROW_ID_SPAN;
    this.rows[page]![at] = low;
    if (rowId > this.newestHigh + this.newestLow) {
      this.newestLow = low;
      this.newestHigh = rowId - low;
    }
    this.used++;
    return i;
  }

  /** Puts slot i on the free list; returns the slot that followed it. */
  release(i: number): number {
    const links = this.links[i >>> PAGE_BITS]!;
    const at = i & SLOT_MASK;
    const next = links[at]!;
    links[at] = this.free;
    this.free = i;
    this.used--;
    return next;
  }

  next(i: number): number {
    return this.links[i >>> PAGE_BITS]![i & SLOT_MASK]!;
  }

  link(i: number, next: number): void {
    this.links[i >>> PAGE_BITS]![i & SLOT_MASK] = next;
  }

  ts(i: number): number {
    return this.data[i >>> PAGE_BITS]![(i & SLOT_MASK) * FIELDS]!;
  }

  value(i: number): number {
    return this.data[i >>> PAGE_BITS]![(i & SLOT_MASK) * FIELDS + 1]!;
  }

  rowId(i: number): number {
    const low = this.rows[i >>> PAGE_BITS]![i & SLOT_MASK]!;
    return low <= this.newestLow ? this.newestHigh + low : this.newestHigh - ROW_ID_SPAN + low;
  }

  /**
   * Gives back pages once at most a quarter of the slots are in use, keeping room for twice those:
   * the slots in use past the kept pages move below them. `forEachList` visits every list of slots
   * (each series' head and tail, updated here). Two passes over the slots in use and one over the
   * kept pages; the free list comes out in slot order. False when there was nothing to give back.
   */
  shrink(forEachList: (visit: (list: SlotList) => void) => void): boolean {
    const pages = this.data.length;
    if (pages <= MIN_PAGES || this.used * 4 > pages * PAGE_SLOTS) return false;
    const keptPages = Math.max(MIN_PAGES, Math.ceil((this.used * 2) / PAGE_SLOTS));
    const limit = keptPages * PAGE_SLOTS;
    const inUse = new Uint8Array(limit);
    forEachList((list) => {
      for (let i = list.head; i !== NONE; i = this.next(i)) if (i < limit) inUse[i] = 1;
    });
    this.free = NONE;
    for (let i = limit - 1; i >= 0; i--) {
      if (inUse[i]) continue;
      this.link(i, this.free);
      this.free = i;
    }
    forEachList((list) => {
      let i = (list.head = this.moveBelow(list.head, limit));
      for (let next = this.next(i); next !== NONE; next = this.next(i)) {
        const moved = this.moveBelow(next, limit);
        if (moved !== next) this.link(i, moved);
        i = moved;
      }
      list.tail = i;
    });
    this.data.length = keptPages;
    this.links.length = keptPages;
    this.rows.length = keptPages;
    return true;
  }

  /** Slot i if it is below limit, else a copy of it (sample and link) in a free slot below. */
  private moveBelow(i: number, limit: number): number {
    if (i < limit) return i;
    const j = this.free;
    this.free = this.next(j);
    const from = this.data[i >>> PAGE_BITS]!;
    const to = this.data[j >>> PAGE_BITS]!;
    const a = (i & SLOT_MASK) * FIELDS;
    const b = (j & SLOT_MASK) * FIELDS;
    for (let f = 0; f < FIELDS; f++) to[b + f] = from[a + f]!;
    this.rows[j >>> PAGE_BITS]![j & SLOT_MASK] = this.rows[i >>> PAGE_BITS]![i & SLOT_MASK]!;
    this.link(j, this.next(i));
    return j;
  }

  private addPage(): void {
    const page = this.data.length;
    this.data.push(new Float64Array(PAGE_SLOTS * FIELDS));
    this.rows.push(new Uint32Array(PAGE_SLOTS));
    const links = new Int32Array(PAGE_SLOTS);
    const first = page * PAGE_SLOTS;
    for (let k = 0; k < PAGE_SLOTS - 1; k++) links[k] = first + k + 1;
    links[PAGE_SLOTS - 1] = this.free;
    this.links.push(links);
    this.free = first;
  }
}
