// What this process knows of the PostgreSQL log: every row not yet compacted, of every writer
// (this store's and other collectors'), indexed by series. Queries read it beside the chunks; the
// follower feeds it. It mirrors committed rows only, in the order this process learned of them
// (per writer, commit order). The samples sit in a PendingLog (packed per series, as on SQLite),
// under local row ids in arrival order.
import { PendingLog, type SeriesSamples } from '../pending-log.js';
import type { LogEntry } from '../sample-log.js';

export interface MirrorRow {
  writer: string;
  seq: number;
  createdMs: number;
  entries: readonly LogEntry[];
  samples: number;
}

export interface RowKey {
  writer: string;
  seq: number;
}

function rowKey(writer: string, seq: number): string {
  return `${writer}\u0000${seq}`;
}

export class LogMirror {
  private readonly log = new PendingLog();
  /** Local row id of each row held, by writer and sequence. */
  private readonly ids = new Map<string, { id: number; key: RowKey }>();
  private nextId = 1;
  /** Highest sequence seen per writer: rows at or below it are known (or already compacted). */
  private readonly cursors = new Map<string, number>();

  get samples(): number {
    return this.log.samples;
  }

  get rowCount(): number {
    return this.log.rowCount;
  }

  /** When the oldest row held was written (its writer's clock), or undefined. */
  get oldestCreatedMs(): number | undefined {
    return this.log.oldestCreatedMs;
  }

  cursor(writer: string): number {
    return this.cursors.get(writer) ?? 0;
  }

  /** Cursors as sent to the follow query. */
  cursorList(): RowKey[] {
    return [...this.cursors].map(([writer, seq]) => ({ writer, seq }));
  }

  /** Adds a committed row; false (and nothing changes) when its writer's cursor is already past it. */
  add(row: MirrorRow): boolean {
    if (row.seq <= this.cursor(row.writer)) return false;
    this.cursors.set(row.writer, row.seq);
    const id = this.nextId++;
    this.ids.set(rowKey(row.writer, row.seq), { id, key: { writer: row.writer, seq: row.seq } });
    this.log.add(id, row.createdMs, row.entries);
    return true;
  }

  /** Forgets rows that were compacted into chunks (or are gone). */
  drop(keys: Iterable<RowKey>): void {
    const gone = new Set<number>();
    for (const { writer, seq } of keys) {
      const key = rowKey(writer, seq);
      const held = this.ids.get(key);
      if (!held) continue;
      this.ids.delete(key);
      gone.add(held.id);
    }
    if (gone.size) this.log.dropRowIds(gone);
  }

  /** The keys of the rows held now (for retainOnly). */
  snapshot(): RowKey[] {
    return [...this.ids.values()].map((held) => held.key);
  }

  /**
   * Of the rows in `known` (a snapshot taken before `present` was read: rows added since, such as
   * this store's own commits, are not judged by it), forgets those no longer in the database. Then
   * forgets the cursors of writers with no row left anywhere (stopped stores; one that goes on is
   * simply read from its next row).
   */
  retainOnly(present: readonly RowKey[], known: readonly RowKey[]): void {
    const keys = new Set(present.map((r) => rowKey(r.writer, r.seq)));
    this.drop(known.filter((row) => !keys.has(rowKey(row.writer, row.seq))));
    const writers = new Set(present.map((r) => r.writer));
    for (const held of this.ids.values()) writers.add(held.key.writer);
    for (const writer of this.cursors.keys()) if (!writers.has(writer)) this.cursors.delete(writer);
  }

  /** Copies of one series' samples within [from, to], in the order the rows were learned. */
  range(seriesId: number, fromMs: number, toMs: number): SeriesSamples {
    return this.log.range(seriesId, fromMs, toMs);
  }
}
