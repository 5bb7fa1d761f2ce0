// What this process knows of the PostgreSQL log: every row not yet compacted, of every writer
// (this store's and other collectors'), indexed by series. Queries read it beside the chunks; the
// follower feeds it. It mirrors committed rows only, in the order this process learned of them
// (per writer, commit order).
import type { LogEntry } from '../sample-log.js';
import { copyInRange, type SeriesSamples } from '../pending-log.js';

export interface MirrorRow {
  writer: string;
  seq: number;
  createdMs: number;
  entries: readonly LogEntry[];
  samples: number;
}

interface Segment {
  row: MirrorRow;
  entry: LogEntry;
}

function rowKey(writer: string, seq: number): string {
  return `${writer}\u0000${seq}`;
}

export class LogMirror {
  private readonly rows = new Map<string, MirrorRow>();
  private readonly bySeries = new Map<number, Segment[]>();
  /** Highest sequence seen per writer: rows at or below it are known (or already compacted). */
  private readonly cursors = new Map<string, number>();
  private total = 0;

  get samples(): number {
    return this.total;
  }

  get rowCount(): number {
    return this.rows.size;
  }

  cursor(writer: string): number {
    return this.cursors.get(writer) ?? 0;
  }

  /** Cursors as sent to the follow query. */
  cursorList(): Array<{ writer: string; seq: number }> {
    return [...this.cursors].map(([writer, seq]) => ({ writer, seq }));
  }

  /** Adds a committed row; false (and nothing changes) when its writer's cursor is already past it. */
  add(row: MirrorRow): boolean {
    if (row.seq <= this.cursor(row.writer)) return false;
    this.cursors.set(row.writer, row.seq);
    this.rows.set(rowKey(row.writer, row.seq), row);
    for (const entry of row.entries) {
      if (entry.timestamps.length === 0) continue;
      const list = this.bySeries.get(entry.seriesId);
      if (list) list.push({ row, entry });
      else this.bySeries.set(entry.seriesId, [{ row, entry }]);
    }
    this.total += row.samples;
    return true;
  }

  /** Forgets rows that were compacted into chunks (or are gone). */
  drop(keys: Iterable<{ writer: string; seq: number }>): void {
    for (const { writer, seq } of keys) {
      const key = rowKey(writer, seq);
      const row = this.rows.get(key);
      if (!row) continue;
      this.rows.delete(key);
      this.total -= row.samples;
      for (const entry of row.entries) {
        const list = this.bySeries.get(entry.seriesId);
        if (!list) continue;
        const kept = list.filter((s) => s.row !== row);
        if (kept.length) this.bySeries.set(entry.seriesId, kept);
        else this.bySeries.delete(entry.seriesId);
      }
    }
  }

  /** The rows held now (for retainOnly). */
  snapshot(): MirrorRow[] {
    return [...this.rows.values()];
  }

  /**
   * Of the rows in `known` (a snapshot taken before `present` was read: rows added since, such as
   * this store's own commits, are not judged by it), forgets those no longer in the database. Then
   * forgets the cursors of writers with no row left anywhere (stopped stores; one that goes on is
   * simply read from its next row).
   */
  retainOnly(present: ReadonlyArray<{ writer: string; seq: number }>, known: readonly MirrorRow[]): void {
    const keys = new Set(present.map((r) => rowKey(r.writer, r.seq)));
    this.drop(known.filter((row) => !keys.has(rowKey(row.writer, row.seq))));
    const writers = new Set(present.map((r) => r.writer));
    for (const row of this.rows.values()) writers.add(row.writer);
    for (const writer of this.cursors.keys()) if (!writers.has(writer)) this.cursors.delete(writer);
  }

  /** Copies of one series' samples within [from, to], in the order the rows were learned. */
  range(seriesId: number, fromMs: number, toMs: number): SeriesSamples {
    const out: SeriesSamples = { timestamps: [], values: [] };
    for (const { entry } of this.bySeries.get(seriesId) ?? []) copyInRange(out, entry, fromMs, toMs);
    return out;
  }

  /** When the oldest row was written (its writer's clock), or undefined. */
  get oldestCreatedMs(): number | undefined {
    let oldest: number | undefined;
    for (const row of this.rows.values()) if (oldest === undefined || row.createdMs < oldest) oldest = row.createdMs;
    return oldest;
  }
}
