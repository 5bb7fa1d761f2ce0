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
    this.data[i >>> PAGE_BITS]![at * FIELDS] = NaN;
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
   * the slots in use past the kept pages move below them. `remap` is handed the new place of a slot
   * (the same slot below the kept pages, NONE for NONE) and must apply it to every list's head and tail.
   * Sequential passes over the pages (free slots are told by their timestamp, NaN), not walks along
   * the lists: a walk visits the slots in the order samples came, all over the pages, and took 21-36 ms
   * in one piece for ~500,000 samples kept of 2M (up to 219 ms on a loaded machine; issue 14). The free
   * list comes out in slot order. False when there was nothing to give back.
   */
  shrink(remap: (moved: (i: number) => number) => void): boolean {
    const pages = this.data.length;
    if (pages <= MIN_PAGES || this.used * 4 > pages * PAGE_SLOTS) return false;
    const keptPages = Math.max(MIN_PAGES, Math.ceil((this.used * 2) / PAGE_SLOTS));
    const limit = keptPages * PAGE_SLOTS;
    // The kept pages' free slots, in slot order.
    this.free = NONE;
    for (let page = keptPages - 1; page >= 0; page--) this.free = freeSlots(this.data[page]!, this.links[page]!, page * PAGE_SLOTS, this.free);
    // Each slot in use past them to a free one below; its old link then says where it went.
    for (let page = keptPages; page < pages; page++) this.moveDown(page);
    // Links of the slots in use (the moved ones included) that point past the kept pages.
    for (let page = 0; page < keptPages; page++) forwardLinks(this.data[page]!, this.links[page]!, limit, this.links);
    remap((i) => (i < limit ? i : this.links[i >>> PAGE_BITS]![i & SLOT_MASK]!));
    this.data.length = keptPages;
    this.links.length = keptPages;
    this.rows.length = keptPages;
    return true;
  }

  /** Moves the slots in use of one page to free slots (below it); each moved slot's link then holds its new place. */
  private moveDown(page: number): void {
    const data = this.data[page]!;
    const links = this.links[page]!;
    const rows = this.rows[page]!;
    for (let at = 0, d = 0; at < PAGE_SLOTS; at++, d += FIELDS) {
      const ts = data[d]!;
      if (ts !== ts) continue; // free
      const j = this.free;
      const k = j & SLOT_MASK;
      const toLinks = this.links[j >>> PAGE_BITS]!;
      this.free = toLinks[k]!;
      const toData = this.data[j >>> PAGE_BITS]!;
      toData[k * FIELDS] = ts;
      toData[k * FIELDS + 1] = data[d + 1]!;
      this.rows[j >>> PAGE_BITS]![k] = rows[at]!;
      toLinks[k] = links[at]!;
      links[at] = j;
    }
  }

  private addPage(): void {
    const page = this.data.length;
    // A free slot's timestamp is NaN (stored timestamps are integers), so shrink tells free slots from pages alone.
    this.data.push(new Float64Array(PAGE_SLOTS * FIELDS).fill(NaN));
    this.rows.push(new Uint32Array(PAGE_SLOTS));
    const links = new Int32Array(PAGE_SLOTS);
    const first = page * PAGE_SLOTS;
    for (let k = 0; k < PAGE_SLOTS - 1; k++) links[k] = first + k + 1;
    links[PAGE_SLOTS - 1] = this.free;
    this.links.push(links);
    this.free = first;
  }
}

/** Links a page's free slots (timestamp NaN) in slot order in front of `free`; returns the new first free slot. */
function freeSlots(data: Float64Array, links: Int32Array, first: number, free: number): number {
  for (let at = PAGE_SLOTS - 1, d = at * FIELDS; at >= 0; at--, d -= FIELDS) {
    const ts = data[d]!;
    if (ts === ts) continue; // in use
    links[at] = free;
    free = first + at;
  }
  return free;
}

/** Replaces, in a page's slots in use, each link past `limit` by the new place its old slot holds. */
function forwardLinks(data: Float64Array, links: Int32Array, limit: number, allLinks: readonly Int32Array[]): void {
  for (let at = 0; at < PAGE_SLOTS; at++) {
    const next = links[at]!;
    if (next < limit) continue;
    const ts = data[at * FIELDS]!;
    if (ts === ts) links[at] = allLinks[next >>> PAGE_BITS]![next & SLOT_MASK]!;
  }
}
