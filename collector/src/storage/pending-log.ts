// In-memory index of the samples that sit in the durable log and are not yet in chunks. Queries
// read it alongside the chunks; the compactor takes the samples of a few series at a time, up to
// a snapshot row id. It only mirrors committed state: samples are added after the commit that
// logged them and dropped after the commit that put them in chunks.
import { DenseIdMap } from '../common/dense-id-map.js';
import type { LogEntry } from './sample-log.js';
import { NONE, SampleSlots, type SlotList } from './sample-slots.js';

export interface SeriesSamples {
  timestamps: number[];
  values: number[];
}

/** A series' samples: a list of slots in write order (so in log row order). */
interface PendingSeries extends SlotList {
  count: number;
  /** Log row of the tail slot (read on every add: kept here rather than in the tail's page). */
  lastRow: number;
}

interface PendingRow {
  id: number;
  createdMs: number;
  /** Series with samples in this row, once each (uint32, as in the log's encoding); kept for dropRowIds only. */
  seriesIds?: Uint32Array;
}

export interface PendingLogOptions {
  /**
   * Keep each row's series (default), so dropRowIds visits only those (PostgreSQL, where any collector compacts
   * any row). A log that drops its rows oldest first (SQLite) does without: ~4 bytes a sample, 9 MiB at the
   * behind mark (issue 14 memory); its dropRowIds would visit every pending series.
   */
  rowSeries?: boolean;
}

export class PendingLog {
  constructor(private readonly options: PendingLogOptions = {}) {}

  private readonly rows: PendingRow[] = [];
  private rowHead = 0;
  // By id in an array slot rather than a Map: every sample added looks its series up (issue 14).
  private readonly bySeries = new DenseIdMap<PendingSeries>();
  private readonly slots = new SampleSlots();

  /** Samples pending compaction. */
  get samples(): number {
    return this.slots.size;
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
  /** Bytes of the sample slot pages (in use or free). */
  get slotBytes(): number {
    return this.slots.bytes;
  }

  /** When the oldest pending row was written, or undefined when none is pending. */
  get oldestCreatedMs(): number | undefined {
    return this.rowCount ? this.rows[this.rowHead]!.createdMs : undefined;
  }

  /** Adds a committed log row. Row ids must increase. */
  add(rowId: number, createdMs: number, entries: readonly LogEntry[]): void {
    if (this.rowCount && rowId <= this.lastRowId) throw new Error(`log row ${rowId} added after row ${this.lastRowId}`);
    const { slots } = this;
    const seriesIds: number[] | undefined = this.options.rowSeries === false ? undefined : [];
    for (const e of entries) {
      const n = e.timestamps.length;
      if (n === 0) continue;
      let p = this.bySeries.get(e.seriesId);
      if (!p) {
        p = { head: NONE, tail: NONE, count: 0, lastRow: 0 };
        this.bySeries.set(e.seriesId, p);
      }
      if (seriesIds !== undefined && (p.tail === NONE || p.lastRow !== rowId)) seriesIds.push(e.seriesId);
      for (let i = 0; i < n; i++) {
        const slot = slots.allocate(e.timestamps[i]!, e.values[i]!, rowId);
        if (p.tail === NONE) p.head = slot;
        else slots.link(p.tail, slot);
        p.tail = slot;
      }
      p.count += n;
      p.lastRow = rowId;
    }
    this.rows.push(seriesIds ? { id: rowId, createdMs, seriesIds: Uint32Array.from(seriesIds) } : { id: rowId, createdMs });
  }

  /** True when some pending row has id <= rowId. */
  hasRowsUpTo(rowId: number): boolean {
    return this.rowCount > 0 && this.rows[this.rowHead]!.id <= rowId;
  }

  /**
   * Series with pending samples in rows with id <= endRowId, in id order: one compaction round. A
   * pass over the series in id order (their oldest sample's row) rather than a set of the rows'
   * series sorted: with 100k series the set and the sort held the event loop ~100 ms (issue 14).
   */
  seriesUpTo(endRowId: number): number[] {
    const ids: number[] = [];
    const { slots } = this;
    this.bySeries.forEach((p, id) => {
      if (slots.rowId(p.head) <= endRowId) ids.push(id);
    });
    return ids;
  }

  /** Pending samples of a series in rows with id <= endRowId. */
  countUpTo(seriesId: number, endRowId: number): number {
    const p = this.bySeries.get(seriesId);
    if (!p) return 0;
    if (p.lastRow <= endRowId) return p.count;
    let n = 0;
    for (let i = p.head; i !== NONE && this.slots.rowId(i) <= endRowId; i = this.slots.next(i)) n++;
    return n;
  }

  /** Copies of a series' samples in rows with id <= endRowId, in write order. */
  samplesUpTo(seriesId: number, endRowId: number): SeriesSamples {
    const out: SeriesSamples = { timestamps: [], values: [] };
    const p = this.bySeries.get(seriesId);
    const { slots } = this;
    for (let i = p ? p.head : NONE; i !== NONE && slots.rowId(i) <= endRowId; i = slots.next(i)) {
      out.timestamps.push(slots.ts(i));
      out.values.push(slots.value(i));
    }
    return out;
  }

  /** Forgets a series' samples in rows with id <= endRowId (after the commit that put them in chunks). */
  dropSeries(seriesId: number, endRowId: number): number {
    const p = this.bySeries.get(seriesId);
    if (!p) return 0;
    const { slots } = this;
    let cut = 0;
    let i = p.head;
    while (i !== NONE && slots.rowId(i) <= endRowId) {
      i = slots.release(i);
      cut++;
    }
    p.head = i;
    p.count -= cut;
    if (i === NONE) this.bySeries.delete(seriesId);
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
    this.shrinkSlots();
  }

  /** Gives back the slot pages a drained log no longer needs (SampleSlots.shrink). */
  private shrinkSlots(): void {
    this.slots.shrink((visit) => this.bySeries.forEach(visit));
  }

  /**
   * Forgets the rows with these ids wherever they sit in the log (PostgreSQL: rows compacted by
   * any collector, not necessarily the oldest first). Costs a pass over the affected series.
   */
  dropRowIds(ids: ReadonlySet<number>): void {
    const affected = new Set<number>();
    for (let i = this.rowHead; i < this.rows.length; i++) {
      const row = this.rows[i]!;
      if (!ids.has(row.id)) continue;
      if (!row.seriesIds) {
        this.bySeries.forEach((_, seriesId) => affected.add(seriesId));
        break;
      }
      for (const seriesId of row.seriesIds) affected.add(seriesId);
    }
    const { slots } = this;
    for (const seriesId of affected) {
      const p = this.bySeries.get(seriesId)!;
      let kept = NONE;
      for (let i = p.head; i !== NONE; ) {
        if (ids.has(slots.rowId(i))) {
          i = slots.release(i);
          p.count--;
          if (kept === NONE) p.head = i;
          else slots.link(kept, i);
        } else {
          kept = i;
          i = slots.next(i);
        }
      }
      p.tail = kept;
      if (kept === NONE) this.bySeries.delete(seriesId);
      else p.lastRow = slots.rowId(kept);
    }
    const rest = this.rows.slice(this.rowHead).filter((row) => !ids.has(row.id));
    this.rows.length = 0;
    this.rows.push(...rest);
    this.rowHead = 0;
    this.shrinkSlots();
  }

  /** Copies of the pending samples of one series, in write order. */
  series(seriesId: number): SeriesSamples | undefined {
    return this.bySeries.get(seriesId) !== undefined ? this.range(seriesId, -Infinity, Infinity) : undefined;
  }

  /** Copies of the pending samples of one series within [from, to], in write order. */
  range(seriesId: number, fromMs: number, toMs: number): SeriesSamples {
    const p = this.bySeries.get(seriesId);
    const out: SeriesSamples = { timestamps: [], values: [] };
    const { slots } = this;
    for (let i = p ? p.head : NONE; i !== NONE; i = slots.next(i)) {
      const t = slots.ts(i);
      if (t >= fromMs && t <= toMs) {
        out.timestamps.push(t);
        out.values.push(slots.value(i));
      }
    }
    return out;
  }

  *seriesIds(): IterableIterator<number> {
    for (const [id] of this.bySeries) yield id;
  }
}
