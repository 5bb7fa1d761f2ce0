// In-memory index of the samples that sit in the durable log and are not yet in chunks. Queries
// read it alongside the chunks; the compactor takes the samples of a few series at a time, up to
// a snapshot row id. It only mirrors committed state: samples are added after the commit that
// logged them and dropped after the commit that put them in chunks.
import { DenseIdMap } from '../common/dense-id-map.js';
import { widened } from '../common/typed-columns.js';
import { visitEntries, visitLogRow, type LogEntry, type LogEntryVisitor } from './sample-log.js';
import { NONE, SampleSlots } from './sample-slots.js';

export interface SeriesSamples {
  timestamps: number[];
  values: number[];
}

/**
 * Each pending series' samples, a list of slots in write order (so in log row order): its first and last slot,
 * its sample count and the log row of its last slot (read on every add), in typed columns by a compact index
 * per series. An object per series was ~56 bytes of heap, made again each time a series drained and came back
 * (5.9 MiB at 100,000 series in a heap snapshot of the ingest bench; issue 14 memory).
 */
class SeriesLists {
  /** Ids in an array slot rather than a Map: every sample added looks its series up (issue 14). */
  private readonly indexOf = new DenseIdMap<number>();
  private readonly freeIndexes: number[] = [];
  private nextIndex = 0;
  head = new Int32Array(0);
  tail = new Int32Array(0);
  count = new Int32Array(0);
  lastRow = new Float64Array(0);

  get size(): number {
    return this.indexOf.size;
  }

  index(seriesId: number): number | undefined {
    return this.indexOf.get(seriesId);
  }

  /** The series' index, with an empty list when it had none. The columns may be new arrays afterwards. */
  open(seriesId: number): number {
    let k = this.indexOf.get(seriesId);
    if (k !== undefined) return k;
    k = this.freeIndexes.pop() ?? this.nextIndex++;
    if (k >= this.head.length) this.grow();
    this.head[k] = NONE;
    this.tail[k] = NONE;
    this.count[k] = 0;
    this.lastRow[k] = 0;
    this.indexOf.set(seriesId, k);
    return k;
  }

  /** Forgets an empty series. */
  close(seriesId: number, k: number): void {
    this.indexOf.delete(seriesId);
    this.freeIndexes.push(k);
    this.head[k] = NONE;
    this.tail[k] = NONE;
  }

  /** Applies `moved` to every list's first and last slot (SampleSlots.shrink); a free index holds NONE. */
  remapSlots(moved: (slot: number) => number): void {
    const { head, tail } = this;
    for (let k = 0; k < this.nextIndex; k++) {
      head[k] = moved(head[k]!);
      tail[k] = moved(tail[k]!);
    }
  }

  /** Visits every series in id order. */
  forEach(visit: (k: number, seriesId: number) => void): void {
    this.indexOf.forEach(visit);
  }

  *ids(): IterableIterator<number> {
    for (const [id] of this.indexOf) yield id;
  }

  private grow(): void {
    const size = Math.max(1024, this.head.length * 2);
    this.head = widened(this.head, size);
    this.tail = widened(this.tail, size);
    this.count = widened(this.count, size);
    this.lastRow = widened(this.lastRow, size);
  }
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
  private readonly lists = new SeriesLists();
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
    return this.lists.size;
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
    this.addVisited(rowId, createdMs, (visit) => visitEntries(entries, visit));
  }

  /** Adds a committed log row from its bytes, read in place (a group commit's own row). Row ids must increase. */
  addRow(rowId: number, createdMs: number, bytes: Uint8Array): void {
    this.addVisited(rowId, createdMs, (visit) => visitLogRow(bytes, visit));
  }

  private addVisited(rowId: number, createdMs: number, each: (visit: LogEntryVisitor) => void): void {
    if (this.rowCount && rowId <= this.lastRowId) throw new Error(`log row ${rowId} added after row ${this.lastRowId}`);
    const { slots, lists } = this;
    const seriesIds: number[] | undefined = this.options.rowSeries === false ? undefined : [];
    each((seriesId, timestamps, tsAt, values, valuesAt, n) => {
      if (n === 0) return;
      const k = lists.open(seriesId);
      const { head, tail } = lists;
      if (seriesIds !== undefined && (tail[k] === NONE || lists.lastRow[k] !== rowId)) seriesIds.push(seriesId);
      for (let i = 0; i < n; i++) {
        const slot = slots.allocate(timestamps[tsAt + i]!, values[valuesAt + i]!, rowId);
        if (tail[k] === NONE) head[k] = slot;
        else slots.link(tail[k]!, slot);
        tail[k] = slot;
      }
      lists.count[k]! += n;
      lists.lastRow[k] = rowId;
    });
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
    const { slots, lists } = this;
    lists.forEach((k, id) => {
      if (slots.rowId(lists.head[k]!) <= endRowId) ids.push(id);
    });
    return ids;
  }

  /** Pending samples of a series in rows with id <= endRowId. */
  countUpTo(seriesId: number, endRowId: number): number {
    const { lists } = this;
    const k = lists.index(seriesId);
    if (k === undefined) return 0;
    if (lists.lastRow[k]! <= endRowId) return lists.count[k]!;
    let n = 0;
    for (let i = lists.head[k]!; i !== NONE && this.slots.rowId(i) <= endRowId; i = this.slots.next(i)) n++;
    return n;
  }

  /** Copies of a series' samples in rows with id <= endRowId, in write order. */
  samplesUpTo(seriesId: number, endRowId: number): SeriesSamples {
    const n = this.countUpTo(seriesId, endRowId);
    const timestamps = new Float64Array(n);
    const values = new Float64Array(n);
    this.copyUpTo(seriesId, endRowId, timestamps, values);
    return { timestamps: Array.from(timestamps), values: Array.from(values) };
  }

  /**
   * A series' samples in rows with id <= endRowId, in write order, copied into `timestamps` and `values` from 0
   * (at least countUpTo long); returns their count. The compactor's way: no arrays per series (eighth pass).
   */
  copyUpTo(seriesId: number, endRowId: number, timestamps: Float64Array, values: Float64Array): number {
    const { slots } = this;
    let n = 0;
    for (let i = this.headOf(seriesId); i !== NONE && slots.rowId(i) <= endRowId; i = slots.next(i)) {
      // A typed array drops writes past its end: never lose a sample silently.
      if (n === timestamps.length) throw new Error(`pending log: series ${seriesId} has more than ${n} samples up to row ${endRowId}`);
      timestamps[n] = slots.ts(i);
      values[n++] = slots.value(i);
    }
    return n;
  }

  /** Forgets a series' samples in rows with id <= endRowId (after the commit that put them in chunks). */
  dropSeries(seriesId: number, endRowId: number): number {
    const { slots, lists } = this;
    const k = lists.index(seriesId);
    if (k === undefined) return 0;
    let cut = 0;
    let i = lists.head[k]!;
    while (i !== NONE && slots.rowId(i) <= endRowId) {
      i = slots.release(i);
      cut++;
    }
    lists.head[k] = i;
    lists.count[k]! -= cut;
    if (i === NONE) lists.close(seriesId, k);
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
    this.slots.shrink((moved) => this.lists.remapSlots(moved));
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
        this.lists.forEach((_, seriesId) => affected.add(seriesId));
        break;
      }
      for (const seriesId of row.seriesIds) affected.add(seriesId);
    }
    const { slots, lists } = this;
    for (const seriesId of affected) {
      const k = lists.index(seriesId)!;
      let kept = NONE;
      for (let i = lists.head[k]!; i !== NONE; ) {
        if (ids.has(slots.rowId(i))) {
          i = slots.release(i);
          lists.count[k]!--;
          if (kept === NONE) lists.head[k] = i;
          else slots.link(kept, i);
        } else {
          kept = i;
          i = slots.next(i);
        }
      }
      lists.tail[k] = kept;
      if (kept === NONE) lists.close(seriesId, k);
      else lists.lastRow[k] = slots.rowId(kept);
    }
    const rest = this.rows.slice(this.rowHead).filter((row) => !ids.has(row.id));
    this.rows.length = 0;
    this.rows.push(...rest);
    this.rowHead = 0;
    this.shrinkSlots();
  }

  /** Copies of the pending samples of one series, in write order. */
  series(seriesId: number): SeriesSamples | undefined {
    return this.lists.index(seriesId) !== undefined ? this.range(seriesId, -Infinity, Infinity) : undefined;
  }

  /** Copies of the pending samples of one series within [from, to], in write order. */
  range(seriesId: number, fromMs: number, toMs: number): SeriesSamples {
    const out: SeriesSamples = { timestamps: [], values: [] };
    const { slots } = this;
    for (let i = this.headOf(seriesId); i !== NONE; i = slots.next(i)) {
      const t = slots.ts(i);
      if (t >= fromMs && t <= toMs) {
        out.timestamps.push(t);
        out.values.push(slots.value(i));
      }
    }
    return out;
  }

  *seriesIds(): IterableIterator<number> {
    yield* this.lists.ids();
  }

  /** The first slot of a series' list, NONE when it has none. */
  private headOf(seriesId: number): number {
    const k = this.lists.index(seriesId);
    return k === undefined ? NONE : this.lists.head[k]!;
  }
}
