// Pending rollup buckets of every series in a few typed-array columns. With objects (a bucket object,
// its five boxed numbers and a Map per series and tier) 100,000 series took ~110 MiB of heap; here a
// bucket is 8 numbers in columns and a series holds the index of its first bucket.
import type { Bucket } from './buckets.js';

/** No bucket (end of a series' list). */
export const NONE = -1;

/** Buckets per page (~1 MiB). Pages are added as buckets are needed, never copied. */
const PAGE_BITS = 14;
const PAGE_BUCKETS = 1 << PAGE_BITS;
const BUCKET_MASK = PAGE_BUCKETS - 1;
/** Doubles per bucket in a page: start, count, sum, min, max, last, lastMs (one bucket's numbers side by side). */
const FIELDS = 7;
const START = 0;
const COUNT = 1;
const SUM = 2;
const MIN = 3;
const MAX = 4;
const LAST = 5;
const LAST_MS = 6;

/**
 * The pool grows by pages: doubling an array per field (as before) left up to half of them unused (in a heap
 * snapshot of the ingest bench at 100,000 series: room for 524,288 buckets, 30.5 MiB) and held the old and the
 * new arrays at once while copying (issue 14 memory).
 */
export class BucketPool {
  private readonly data: Float64Array[] = [];
  /** Tier index (as in TIERS) of each bucket. */
  private readonly tiers: Uint8Array[] = [];
  /** Next bucket of the same series, or NONE; also links the free list. */
  private readonly links: Int32Array[] = [];
  private free = NONE;
  private used = 0;

  /** Buckets in use. */
  get size(): number {
    return this.used;
  }

  /** A new bucket holding one sample, linked before `next`. */
  allocate(tier: number, start: number, ts: number, value: number, next: number): number {
    if (this.free === NONE) this.addPage();
    const i = this.free;
    const page = i >>> PAGE_BITS;
    const at = i & BUCKET_MASK;
    const links = this.links[page]!;
    this.free = links[at]!;
    links[at] = next;
    this.tiers[page]![at] = tier;
    const d = this.data[page]!;
    const b = at * FIELDS;
    d[b + START] = start;
    d[b + COUNT] = 1;
    d[b + SUM] = value;
    d[b + MIN] = value;
    d[b + MAX] = value;
    d[b + LAST] = value;
    d[b + LAST_MS] = ts;
    this.used++;
    return i;
  }

  /** Puts bucket i on the free list; returns the bucket that followed it. */
  release(i: number): number {
    const links = this.links[i >>> PAGE_BITS]!;
    const at = i & BUCKET_MASK;
    const next = links[at]!;
    links[at] = this.free;
    this.free = i;
    this.used--;
    return next;
  }

  next(i: number): number {
    return this.links[i >>> PAGE_BITS]![i & BUCKET_MASK]!;
  }

  setNext(i: number, next: number): void {
    this.links[i >>> PAGE_BITS]![i & BUCKET_MASK] = next;
  }

  tier(i: number): number {
    return this.tiers[i >>> PAGE_BITS]![i & BUCKET_MASK]!;
  }

  startOf(i: number): number {
    return this.data[i >>> PAGE_BITS]![(i & BUCKET_MASK) * FIELDS + START]!;
  }

  /** addSample on bucket i. */
  add(i: number, ts: number, value: number): void {
    const d = this.data[i >>> PAGE_BITS]!;
    const b = (i & BUCKET_MASK) * FIELDS;
    d[b + COUNT]!++;
    d[b + SUM]! += value;
    if (value < d[b + MIN]!) d[b + MIN] = value;
    if (value > d[b + MAX]!) d[b + MAX] = value;
    if (ts >= d[b + LAST_MS]!) {
      d[b + LAST] = value;
      d[b + LAST_MS] = ts;
    }
  }

  /** mergeBucket of `from` into bucket i. */
  merge(i: number, from: Bucket): void {
    const d = this.data[i >>> PAGE_BITS]!;
    const b = (i & BUCKET_MASK) * FIELDS;
    d[b + COUNT]! += from.count;
    d[b + SUM]! += from.sum;
    if (from.min < d[b + MIN]!) d[b + MIN] = from.min;
    if (from.max > d[b + MAX]!) d[b + MAX] = from.max;
    if (from.lastMs >= d[b + LAST_MS]!) {
      d[b + LAST] = from.last;
      d[b + LAST_MS] = from.lastMs;
    }
  }

  /** A new bucket with `bucket`'s content, linked before `next`. */
  allocateFrom(tier: number, start: number, bucket: Bucket, next: number): number {
    const i = this.allocate(tier, start, bucket.lastMs, bucket.last, next);
    const d = this.data[i >>> PAGE_BITS]!;
    const b = (i & BUCKET_MASK) * FIELDS;
    d[b + COUNT] = bucket.count;
    d[b + SUM] = bucket.sum;
    d[b + MIN] = bucket.min;
    d[b + MAX] = bucket.max;
    return i;
  }

  /** A copy of bucket i as a plain object. */
  read(i: number): Bucket {
    const d = this.data[i >>> PAGE_BITS]!;
    const b = (i & BUCKET_MASK) * FIELDS;
    return { count: d[b + COUNT]!, sum: d[b + SUM]!, min: d[b + MIN]!, max: d[b + MAX]!, last: d[b + LAST]!, lastMs: d[b + LAST_MS]! };
  }

  private addPage(): void {
    const page = this.data.length;
    this.data.push(new Float64Array(PAGE_BUCKETS * FIELDS));
    this.tiers.push(new Uint8Array(PAGE_BUCKETS));
    const links = new Int32Array(PAGE_BUCKETS);
    // The new buckets form the free list, lowest index first.
    const first = page * PAGE_BUCKETS;
    for (let k = 0; k < PAGE_BUCKETS - 1; k++) links[k] = first + k + 1;
    links[PAGE_BUCKETS - 1] = this.free;
    this.links.push(links);
    this.free = first;
  }
}
