// Minute bitmaps: one bit per minute of a UTC day (1440 bits in 45 32-bit words). SLA windows
// are computed by AND-ing these with service-hours, maintenance and range masks and counting bits,
// which is what makes 1,000 services x 30 days a few million word operations.

export const MINUTE_MS = 60_000;
export const DAY_MINUTES = 1440;
export const DAY_MS = DAY_MINUTES * MINUTE_MS;
export const DAY_WORDS = DAY_MINUTES / 32;

export type DayBitmap = Uint32Array;

export function emptyDay(): DayBitmap {
  return new Uint32Array(DAY_WORDS);
}

/** All 1440 minutes set; shared, never mutate. */
export const FULL_DAY: DayBitmap = new Uint32Array(DAY_WORDS).fill(0xffffffff);
/** No minute set; shared, never mutate. */
export const EMPTY_DAY: DayBitmap = new Uint32Array(DAY_WORDS);

export function popcount32(x: number): number {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

export function getBit(bits: DayBitmap, minute: number): boolean {
  return ((bits[minute >>> 5]! >>> (minute & 31)) & 1) === 1;
}

export function setBit(bits: DayBitmap, minute: number, on: boolean): void {
  const word = minute >>> 5;
  const mask = 1 << (minute & 31);
  bits[word] = on ? bits[word]! | mask : bits[word]! & ~mask;
}

/** Sets minutes [from, to) of the day (clamped to 0..1440). */
export function fillRange(bits: DayBitmap, from: number, to: number): void {
  const a = Math.max(0, from);
  const b = Math.min(DAY_MINUTES, to);
  if (a >= b) return;
  const firstWord = a >>> 5;
  const lastWord = (b - 1) >>> 5;
  for (let w = firstWord; w <= lastWord; w++) {
    const lo = w === firstWord ? a & 31 : 0;
    const hi = w === lastWord ? ((b - 1) & 31) + 1 : 32;
    const width = hi - lo;
    const mask = width === 32 ? 0xffffffff : ((1 << width) - 1) << lo;
    bits[w] = bits[w]! | mask;
  }
}

export function countBits(bits: DayBitmap): number {
  let n = 0;
  for (let w = 0; w < DAY_WORDS; w++) n += popcount32(bits[w]!);
  return n;
}

export function isEmpty(bits: DayBitmap): boolean {
  for (let w = 0; w < DAY_WORDS; w++) if (bits[w] !== 0) return false;
  return true;
}

/** UTC day number (days since the epoch) of a timestamp. */
export function dayOf(ms: number): number {
  return Math.floor(ms / DAY_MS);
}

export function minuteOf(ms: number): number {
  return Math.floor(ms / MINUTE_MS);
}

/**
 * Converts half-open [start, end) intervals (ms) to per-UTC-day minute masks over days
 * [dayFrom, dayTo]. A minute is covered when the interval covers the minute's first instant,
 * so a window 02:00:30-03:00:30 covers minutes 02:01 … 03:00.
 */
export function intervalsToDayMasks(intervals: readonly Interval[], dayFrom: number, dayTo: number): Map<number, DayBitmap> {
  const masks = new Map<number, DayBitmap>();
  for (const [start, end] of intervals) {
    const firstMinute = Math.ceil(start / MINUTE_MS);
    const endMinute = Math.ceil(end / MINUTE_MS);
    if (endMinute <= firstMinute) continue;
    const d0 = Math.max(dayFrom, Math.floor(firstMinute / DAY_MINUTES));
    const d1 = Math.min(dayTo, Math.floor((endMinute - 1) / DAY_MINUTES));
    for (let d = d0; d <= d1; d++) {
      let mask = masks.get(d);
      if (!mask) masks.set(d, (mask = emptyDay()));
      fillRange(mask, firstMinute - d * DAY_MINUTES, endMinute - d * DAY_MINUTES);
    }
  }
  return masks;
}

/** Half-open time interval in ms since the epoch. */
export type Interval = readonly [startMs: number, endMs: number];

/** Sorts and merges overlapping or touching intervals. */
export function mergeIntervals(intervals: readonly Interval[]): Interval[] {
  const sorted = [...intervals].filter(([a, b]) => b > a).sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  const out: [number, number][] = [];
  for (const [a, b] of sorted) {
    const last = out[out.length - 1];
    if (last && a <= last[1]) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}
