// Samples of the pending log in typed-array pages, one slot per sample (timestamp, value, log row id)
// linked per series. With a pair of growing number arrays per series plus segment arrays, the log
// took ~63 bytes a sample (1.5M samples: 90 MiB of heap, promoted, scanned by every full collection);
// a slot takes 28 bytes outside the JS heap. Pages of a fixed size grow the pool without copying it.

/** No slot (end of a series' list). */
export const NONE = -1;

const PAGE_BITS = 16;
const PAGE_SLOTS = 1 << PAGE_BITS;
const SLOT_MASK = PAGE_SLOTS - 1;
/** Doubles per slot in a data page: timestamp, value, log row id. */
const FIELDS = 3;

export class SampleSlots {
  private readonly data: Float64Array[] = [];
  /** Next slot of the same series, or NONE; also links the free list. */
  private readonly links: Int32Array[] = [];
  private free = NONE;
  private used = 0;

  /** Slots in use. */
  get size(): number {
    return this.used;
  }

  /** Bytes held by the pages (in use or free). */
  get bytes(): number {
    return this.data.length * PAGE_SLOTS * (FIELDS * 8 + 4);
  }

  /** A new slot holding one sample, at the end of no list yet. */
  allocate(ts: number, value: number, rowId: number): number {
    if (this.free === NONE) this.addPage();
    const i = this.free;
    const links = this.links[i >>> PAGE_BITS]!;
    const at = i & SLOT_MASK;
    this.free = links[at]!;
    links[at] = NONE;
    const data = this.data[i >>> PAGE_BITS]!;
    const base = at * FIELDS;
    data[base] = ts;
    data[base + 1] = value;
    data[base + 2] = rowId;
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
    return this.data[i >>> PAGE_BITS]![(i & SLOT_MASK) * FIELDS + 2]!;
  }

  private addPage(): void {
    const page = this.data.length;
    this.data.push(new Float64Array(PAGE_SLOTS * FIELDS));
    const links = new Int32Array(PAGE_SLOTS);
    const first = page * PAGE_SLOTS;
    for (let k = 0; k < PAGE_SLOTS - 1; k++) links[k] = first + k + 1;
    links[PAGE_SLOTS - 1] = this.free;
    this.links.push(links);
    this.free = first;
  }
}
