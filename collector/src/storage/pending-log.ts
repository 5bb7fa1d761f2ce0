// In-memory index of the samples that sit in the durable log and are not yet in chunks. Queries
// read it alongside the chunks; the compactor takes the samples of a few series at a time, up to
// a snapshot row id. It only mirrors committed state: samples are added after the commit that
// logged them and dropped after the commit that put them in chunks.
import type { LogEntry } from './sample-log.js';

export interface SeriesSamples {
  timestamps: number[];
  values: number[];
}

interface PendingSeries extends SeriesSamples {
  /** Log row id of each segment, ascending, and the exclusive end index of each segment. */
  segLog: number[];
  segEnd: number[];
}

interface PendingRow {
  id: number;
  createdMs: number;
  seriesIds: number[];
}

export class PendingLog {
  private readonly rows: PendingRow[] = [];
  private rowHead = 0;
  private readonly bySeries = new Map<number, PendingSeries>();
  private total = 0;

  /** Samples pending compaction. */
  get samples(): number {
    return this.total;
  }
  get rowCount(): number {
    return this.rows.length - this.rowHead;
  }
  /** Id of the newest pending row, or 0. */
  get lastRowId(): number {
    return this.rowCount ? this.rows[this.rows.length - 1]!.id : 0;
  }
  get seriesCount(): number {
    return this.bySeries.size;
  }

  /** When the oldest pending row was written, or undefined when none is pending. */
  get oldestCreatedMs(): number | undefined {
    return this.rowCount ? this.rows[this.rowHead]!.createdMs : undefined;
  }

  /** Adds a committed log row. Row ids must increase. */
  add(rowId: number, createdMs: number, entries: readonly LogEntry[]): void {
    if (this.rowCount && rowId <= this.lastRowId) throw new Error(`log row ${rowId} added after row ${this.lastRowId}`);
    const seriesIds: number[] = [];
    let samples = 0;
    for (const e of entries) {
      const n = e.timestamps.length;
      if (n === 0) continue;
      let p = this.bySeries.get(e.seriesId);
      if (!p) {
        p = { timestamps: [], values: [], segLog: [], segEnd: [] };
        this.bySeries.set(e.seriesId, p);
      }
      for (let i = 0; i < n; i++) {
        p.timestamps.push(e.timestamps[i]!);
        p.values.push(e.values[i]!);
      }
      const last = p.segLog.length - 1;
      if (last >= 0 && p.segLog[last] === rowId) {
        p.segEnd[last] = p.timestamps.length;
      } else {
        p.segLog.push(rowId);
        p.segEnd.push(p.timestamps.length);
        seriesIds.push(e.seriesId);
      }
      samples += n;
    }
    this.rows.push({ id: rowId, createdMs, seriesIds });
    this.total += samples;
  }

  /** True when some pending row has id <= rowId. */
  hasRowsUpTo(rowId: number): boolean {
    return this.rowCount > 0 && this.rows[this.rowHead]!.id <= rowId;
  }

  /** Series with pending samples in rows with id <= endRowId, in id order: one compaction round. */
  seriesUpTo(endRowId: number): number[] {
    const ids = new Set<number>();
    for (let i = this.rowHead; i < this.rows.length && this.rows[i]!.id <= endRowId; i++) {
      for (const id of this.rows[i]!.seriesIds) ids.add(id);
    }
    return [...ids].filter((id) => this.countUpTo(id, endRowId) > 0).sort((a, b) => a - b);
  }

  /** Pending samples of a series in rows with id <= endRowId. */
  countUpTo(seriesId: number, endRowId: number): number {
    const p = this.bySeries.get(seriesId);
    return p ? prefixEnd(p, endRowId) : 0;
  }

  /** Copies of a series' samples in rows with id <= endRowId, in write order. */
  samplesUpTo(seriesId: number, endRowId: number): SeriesSamples {
    const p = this.bySeries.get(seriesId);
    if (!p) return { timestamps: [], values: [] };
    const cut = prefixEnd(p, endRowId);
    return { timestamps: p.timestamps.slice(0, cut), values: p.values.slice(0, cut) };
  }

  /** Forgets a series' samples in rows with id <= endRowId (after the commit that put them in chunks). */
  dropSeries(seriesId: number, endRowId: number): number {
    const p = this.bySeries.get(seriesId);
    if (!p) return 0;
    const segs = segmentsUpTo(p, endRowId);
    if (segs === 0) return 0;
    const cut = p.segEnd[segs - 1]!;
    if (segs === p.segLog.length) {
      this.bySeries.delete(seriesId);
    } else {
      p.timestamps.splice(0, cut);
      p.values.splice(0, cut);
      p.segLog.splice(0, segs);
      p.segEnd.splice(0, segs);
      for (let i = 0; i < p.segEnd.length; i++) p.segEnd[i] = p.segEnd[i]! - cut;
    }
    this.total -= cut;
    return cut;
  }

  /** Forgets the rows with id <= endRowId. Their series must have been dropped (dropSeries) first. */
  dropRows(endRowId: number): void {
    while (this.rowHead < this.rows.length && this.rows[this.rowHead]!.id <= endRowId) this.rowHead++;
    // Reclaim the consumed prefix of the row queue now and then, not on every drop.
    if (this.rowHead > 1024 && this.rowHead * 2 > this.rows.length) {
      this.rows.splice(0, this.rowHead);
      this.rowHead = 0;
    }
  }

  /**
   * Forgets the rows with these ids wherever they sit in the log (PostgreSQL: rows compacted by
   * any collector, not necessarily the oldest first). Costs a pass over the affected series.
   */
  dropRowIds(ids: ReadonlySet<number>): void {
    const affected = new Set<number>();
    for (let i = this.rowHead; i < this.rows.length; i++) {
      const row = this.rows[i]!;
      if (ids.has(row.id)) for (const seriesId of row.seriesIds) affected.add(seriesId);
    }
    for (const seriesId of affected) {
      const p = this.bySeries.get(seriesId)!;
      const kept: PendingSeries = { timestamps: [], values: [], segLog: [], segEnd: [] };
      let start = 0;
      for (let k = 0; k < p.segLog.length; k++) {
        const end = p.segEnd[k]!;
        if (ids.has(p.segLog[k]!)) {
          this.total -= end - start;
        } else {
          for (let j = start; j < end; j++) {
            kept.timestamps.push(p.timestamps[j]!);
            kept.values.push(p.values[j]!);
          }
          kept.segLog.push(p.segLog[k]!);
          kept.segEnd.push(kept.timestamps.length);
        }
        start = end;
      }
      if (kept.segLog.length) this.bySeries.set(seriesId, kept);
      else this.bySeries.delete(seriesId);
    }
    const rest = this.rows.slice(this.rowHead).filter((row) => !ids.has(row.id));
    this.rows.length = 0;
    this.rows.push(...rest);
    this.rowHead = 0;
  }

  /** Pending samples of one series (live arrays: read synchronously, do not keep). */
  series(seriesId: number): SeriesSamples | undefined {
    return this.bySeries.get(seriesId);
  }

  /** Copies of the pending samples of one series within [from, to], in write order. */
  range(seriesId: number, fromMs: number, toMs: number): SeriesSamples {
    const p = this.bySeries.get(seriesId);
    const out: SeriesSamples = { timestamps: [], values: [] };
    if (p) copyInRange(out, p, fromMs, toMs);
    return out;
  }

  seriesIds(): IterableIterator<number> {
    return this.bySeries.keys();
  }
}

/** Appends to `out` the samples of `from` with from <= ts <= to, in their order. */
export function copyInRange(out: SeriesSamples, from: { timestamps: ArrayLike<number>; values: ArrayLike<number> }, fromMs: number, toMs: number): void {
  for (let i = 0; i < from.timestamps.length; i++) {
    const t = from.timestamps[i]!;
    if (t >= fromMs && t <= toMs) {
      out.timestamps.push(t);
      out.values.push(from.values[i]!);
    }
  }
}

function segmentsUpTo(p: PendingSeries, endRowId: number): number {
  let segs = 0;
  while (segs < p.segLog.length && p.segLog[segs]! <= endRowId) segs++;
  return segs;
}

function prefixEnd(p: PendingSeries, endRowId: number): number {
  const segs = segmentsUpTo(p, endRowId);
  return segs === 0 ? 0 : p.segEnd[segs - 1]!;
}
