import { visitEntries, visitLogRow, type LogEntry, type LogEntryVisitor } from './sample-log.js';
import type { LatestTable, Point } from './storage.types.js';

/** Series ids up to this are kept in the columns; larger ones (sparse ids) in a map. */
const MAX_COLUMN_ID = 1 << 24;

/**
 * The newest sample of every series, kept in memory for latest() and the fleet exporter. Updated for
 * every stored series of every commit: two typed-array columns indexed by series id (ids are dense)
 * cost one cache line per series where a map of tuples cost a hash lookup and a pointer chase.
 */
export class LatestPoints {
  /** NaN: no point. */
  private times = new Float64Array(0);
  private values = new Float64Array(0);
  private readonly sparse = new Map<number, Point>();

  set(seriesId: number, point: Point): void {
    if (seriesId >= MAX_COLUMN_ID) {
      this.sparse.set(seriesId, [point[0], point[1]]);
      return;
    }
    this.reserve(seriesId);
    this.times[seriesId] = point[0];
    this.values[seriesId] = point[1];
  }

  update(entries: readonly LogEntry[]): void {
    visitEntries(entries, this.visitor);
  }

  /** Updates from a log row's bytes, read in place (a group commit's own row). */
  updateRow(bytes: Uint8Array): void {
    visitLogRow(bytes, this.visitor);
  }

  private readonly visitor: LogEntryVisitor = (id, ts, tsAt, values, valuesAt, n) => {
    if (id >= MAX_COLUMN_ID) {
      const best = newestAtOrAfter(ts, tsAt, n, this.sparse.get(id)?.[0] ?? -1);
      if (best >= 0) this.sparse.set(id, [ts[best]!, values[valuesAt + best - tsAt]!]);
      return;
    }
    if (id >= this.times.length) this.reserve(id);
    const known = this.times[id]!;
    const best = newestAtOrAfter(ts, tsAt, n, Number.isNaN(known) ? -1 : known);
    if (best < 0) return;
    this.times[id] = ts[best]!;
    this.values[id] = values[valuesAt + best - tsAt]!;
  };

  /** Forgets the points retention deleted. */
  dropBefore(seriesIds: readonly number[], cutoffMs: number): void {
    for (const id of seriesIds) {
      if (id >= MAX_COLUMN_ID) {
        const p = this.sparse.get(id);
        if (p && p[0] < cutoffMs) this.sparse.delete(id);
      } else if (id < this.times.length && this.times[id]! < cutoffMs) {
        this.times[id] = NaN;
      }
    }
  }

  /** Forgets every point older than the cutoff. */
  dropAllBefore(cutoffMs: number): void {
    for (let id = 0; id < this.times.length; id++) if (this.times[id]! < cutoffMs) this.times[id] = NaN;
    for (const [id, p] of this.sparse) if (p[0] < cutoffMs) this.sparse.delete(id);
  }

  /** A copy of every series' point as columns: no object per series (/metrics reads 100,000 per scrape). */
  table(): LatestTable {
    return new LatestColumns(this.times.slice(), this.values.slice(), new Map(this.sparse));
  }

  /** Copies of the points of the given series (of all when omitted). */
  copy(seriesIds?: readonly number[]): Map<number, Point> {
    const out = new Map<number, Point>();
    if (seriesIds) {
      for (const id of seriesIds) {
        const p = this.get(id);
        if (p) out.set(id, p);
      }
      return out;
    }
    for (let id = 0; id < this.times.length; id++) if (!Number.isNaN(this.times[id]!)) out.set(id, [this.times[id]!, this.values[id]!]);
    for (const [id, p] of this.sparse) out.set(id, [p[0], p[1]]);
    return out;
  }

  private get(id: number): Point | undefined {
    if (id >= MAX_COLUMN_ID) {
      const p = this.sparse.get(id);
      return p && [p[0], p[1]];
    }
    return id >= 0 && id < this.times.length && !Number.isNaN(this.times[id]!) ? [this.times[id]!, this.values[id]!] : undefined;
  }

  /** Grows the columns (doubling) so that `id` has a slot. */
  private reserve(id: number): void {
    if (id < this.times.length) return;
    const size = Math.min(MAX_COLUMN_ID, Math.max(1024, id + 1, this.times.length * 2));
    const times = new Float64Array(size).fill(NaN);
    const values = new Float64Array(size);
    times.set(this.times);
    values.set(this.values);
    this.times = times;
    this.values = values;
  }
}

/** The newest point of every series as of one moment, in copied columns (LatestPoints.table). */
class LatestColumns implements LatestTable {
  constructor(
    private readonly times: Float64Array,
    private readonly values: Float64Array,
    private readonly sparse: ReadonlyMap<number, Point>,
  ) {}

  time(id: number): number {
    if (id >= MAX_COLUMN_ID) return this.sparse.get(id)?.[0] ?? NaN;
    return id >= 0 && id < this.times.length ? this.times[id]! : NaN;
  }

  value(id: number): number {
    return id >= MAX_COLUMN_ID ? this.sparse.get(id)![1] : this.values[id]!;
  }
}

/** Index of the newest timestamp at or after `known` among `n` from `at` (equal ones: the later write wins, as in queryRange), or -1. */
function newestAtOrAfter(ts: ArrayLike<number>, at: number, n: number, known: number): number {
  let bestTs = known;
  let best = -1;
  for (let i = at; i < at + n; i++) {
    if (ts[i]! >= bestTs) {
      bestTs = ts[i]!;
      best = i;
    }
  }
  return best;
}
