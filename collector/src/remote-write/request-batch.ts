// Cuts a journal row into requests and puts each request's samples in the order receivers need.
// Pure: no I/O, no clock.
import type { DecodedLogEntry } from '../storage/sample-log.js';

export interface SeriesSlice {
  seriesId: number;
  timestamps: number[];
  values: number[];
}

/**
 * Walks the samples of one decoded log row in storage order (entry by entry) and hands them out
 * in slices. The same row, offset and size always give the same slices, so a request resent after
 * a restart is the same request.
 */
export class RowCursor {
  readonly total: number;
  private entry = 0;
  private index = 0;
  private taken = 0;

  constructor(private readonly entries: readonly DecodedLogEntry[], offset = 0) {
    let total = 0;
    for (const e of entries) total += e.timestamps.length;
    this.total = total;
    this.skip(Math.min(offset, total));
  }

  /** Samples handed out so far (the offset in the row). */
  get offset(): number {
    return this.taken;
  }

  get done(): boolean {
    return this.taken >= this.total;
  }

  /** The next `max` samples (fewer at the row's end), grouped by series in first-seen order. */
  take(max: number): SeriesSlice[] {
    const bySeries = new Map<number, SeriesSlice>();
    let left = max;
    while (left > 0 && this.entry < this.entries.length) {
      const e = this.entries[this.entry]!;
      const n = Math.min(left, e.timestamps.length - this.index);
      let slice = bySeries.get(e.seriesId);
      if (!slice) bySeries.set(e.seriesId, (slice = { seriesId: e.seriesId, timestamps: [], values: [] }));
      for (let i = this.index; i < this.index + n; i++) {
        slice.timestamps.push(e.timestamps[i]!);
        slice.values.push(e.values[i]!);
      }
      this.advance(n);
      left -= n;
    }
    return [...bySeries.values()];
  }

  private skip(count: number): void {
    let left = count;
    while (left > 0 && this.entry < this.entries.length) {
      const n = Math.min(left, this.entries[this.entry]!.timestamps.length - this.index);
      this.advance(n);
      left -= n;
    }
  }

  private advance(n: number): void {
    this.index += n;
    this.taken += n;
    while (this.entry < this.entries.length && this.index >= this.entries[this.entry]!.timestamps.length) {
      this.entry++;
      this.index = 0;
    }
  }
}

export interface OrderedSlices {
  series: SeriesSlice[];
  /** Samples left out: not newer than the newest sample already sent for their series, or a repeated timestamp. */
  outOfOrder: number;
}

/**
 * Each series' samples in increasing timestamp order (one value per timestamp: the last written),
 * without those at or before `lastSent` of the series: a receiver such as Prometheus refuses the
 * whole request for one out-of-order sample.
 */
export function orderForSend(slices: readonly SeriesSlice[], lastSent: ReadonlyMap<number, number>): OrderedSlices {
  const series: SeriesSlice[] = [];
  let outOfOrder = 0;
  for (const slice of slices) {
    const n = slice.timestamps.length;
    // Usually in order already (agents send in order): then no index array is built.
    const order = isSorted(slice.timestamps) ? undefined : Array.from({ length: n }, (_, i) => i).sort((a, b) => slice.timestamps[a]! - slice.timestamps[b]! || a - b);
    const after = lastSent.get(slice.seriesId) ?? -Infinity;
    const out: SeriesSlice = { seriesId: slice.seriesId, timestamps: [], values: [] };
    for (let k = 0; k < n; k++) {
      const i = order ? order[k]! : k;
      const t = slice.timestamps[i]!;
      if (t <= after) continue;
      const last = out.timestamps.length - 1;
      if (last >= 0 && out.timestamps[last] === t) {
        out.values[last] = slice.values[i]!; // the later write of the same timestamp wins, as in reads
        continue;
      }
      out.timestamps.push(t);
      out.values.push(slice.values[i]!);
    }
    outOfOrder += n - out.timestamps.length;
    if (out.timestamps.length > 0) series.push(out);
  }
  return { series, outOfOrder };
}

/** After the receiver answered for good: later samples at or before these are not sent. */
export function recordSent(series: readonly SeriesSlice[], lastSent: Map<number, number>): void {
  for (const s of series) lastSent.set(s.seriesId, s.timestamps[s.timestamps.length - 1]!);
}

function isSorted(values: readonly number[]): boolean {
  for (let i = 1; i < values.length; i++) if (values[i]! < values[i - 1]!) return false;
  return true;
}
