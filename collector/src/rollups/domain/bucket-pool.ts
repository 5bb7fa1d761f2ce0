// Pending rollup buckets of every series in a few typed-array columns. With objects (a bucket object,
// its five boxed numbers and a Map per series and tier) 100,000 series took ~110 MiB of heap; here a
// bucket is 8 numbers in columns and a series holds the index of its first bucket.
import type { Bucket } from './buckets.js';

/** No bucket (end of a series' list). */
export const NONE = -1;

const INITIAL_CAPACITY = 1024;

export class BucketPool {
  private capacity = 0;
  private start = new Float64Array(0);
  private count = new Float64Array(0);
  private sum = new Float64Array(0);
  private min = new Float64Array(0);
  private max = new Float64Array(0);
  private last = new Float64Array(0);
  private lastMs = new Float64Array(0);
  /** Tier index (as in TIERS) of each bucket. */
  private tierOf = new Uint8Array(0);
  /** Next bucket of the same series, or NONE; also links the free list. */
  private nextOf = new Int32Array(0);
  private free = NONE;
  private used = 0;

  /** Buckets in use. */
  get size(): number {
    return this.used;
  }

  /** A new bucket holding one sample, linked before `next`. */
  allocate(tier: number, start: number, ts: number, value: number, next: number): number {
    if (this.free === NONE) this.grow();
    const i = this.free;
    this.free = this.nextOf[i]!;
    this.tierOf[i] = tier;
    this.start[i] = start;
    this.count[i] = 1;
    this.sum[i] = value;
    this.min[i] = value;
    this.max[i] = value;
    this.last[i] = value;
    this.lastMs[i] = ts;
    this.nextOf[i] = next;
    this.used++;
    return i;
  }

  /** Puts bucket i on the free list; returns the bucket that followed it. */
  release(i: number): number {
    const next = this.nextOf[i]!;
    this.nextOf[i] = this.free;
    this.free = i;
    this.used--;
    return next;
  }

  next(i: number): number {
    return this.nextOf[i]!;
  }

  setNext(i: number, next: number): void {
    this.nextOf[i] = next;
  }

  tier(i: number): number {
    return this.tierOf[i]!;
  }

  startOf(i: number): number {
    return this.start[i]!;
  }

  /** addSample on bucket i. */
  add(i: number, ts: number, value: number): void {
    this.count[i]!++;
    this.sum[i]! += value;
    if (value < this.min[i]!) this.min[i] = value;
    if (value > this.max[i]!) this.max[i] = value;
    if (ts >= this.lastMs[i]!) {
      this.last[i] = value;
      this.lastMs[i] = ts;
    }
  }

  /** mergeBucket of `from` into bucket i. */
  merge(i: number, from: Bucket): void {
    this.count[i]! += from.count;
    this.sum[i]! += from.sum;
    if (from.min < this.min[i]!) this.min[i] = from.min;
    if (from.max > this.max[i]!) this.max[i] = from.max;
    if (from.lastMs >= this.lastMs[i]!) {
      this.last[i] = from.last;
      this.lastMs[i] = from.lastMs;
    }
  }

  /** A new bucket with `bucket`'s content, linked before `next`. */
  allocateFrom(tier: number, start: number, bucket: Bucket, next: number): number {
    const i = this.allocate(tier, start, bucket.lastMs, bucket.last, next);
    this.count[i] = bucket.count;
    this.sum[i] = bucket.sum;
    this.min[i] = bucket.min;
    this.max[i] = bucket.max;
    return i;
  }

  /** A copy of bucket i as a plain object. */
  read(i: number): Bucket {
    return { count: this.count[i]!, sum: this.sum[i]!, min: this.min[i]!, max: this.max[i]!, last: this.last[i]!, lastMs: this.lastMs[i]! };
  }

  private grow(): void {
    const old = this.capacity;
    const capacity = Math.max(INITIAL_CAPACITY, old * 2);
    const widen = <T extends Float64Array | Int32Array | Uint8Array>(a: T, make: (n: number) => T): T => {
      const out = make(capacity);
      out.set(a);
      return out;
    };
    const f64 = (n: number) => new Float64Array(n);
    this.start = widen(this.start, f64);
    this.count = widen(this.count, f64);
    this.sum = widen(this.sum, f64);
    this.min = widen(this.min, f64);
    this.max = widen(this.max, f64);
    this.last = widen(this.last, f64);
    this.lastMs = widen(this.lastMs, f64);
    this.tierOf = widen(this.tierOf, (n) => new Uint8Array(n));
    this.nextOf = widen(this.nextOf, (n) => new Int32Array(n));
    // New slots form the free list, lowest index first.
    for (let i = capacity - 1; i >= old; i--) {
      this.nextOf[i] = this.free;
      this.free = i;
    }
    this.capacity = capacity;
  }
}
