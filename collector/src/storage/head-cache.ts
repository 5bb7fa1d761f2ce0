import { DenseIdMap } from '../common/dense-id-map.js';
import type { DialectName, SqlReader } from '../database/database.js';
import { ChunkEncoder } from './chunk-codec.js';
import type { HeadChunk } from './compaction.js';

const ID_LIST_CHUNK = 500;

// The head chunk of each listed series: greatest end timestamp, the newest on a tie.
const HEADS_SQL: Record<DialectName, string> = {
  sqlite: `SELECT j.value AS series_id, c.id AS id, c.data AS data FROM json_each(?) j
    JOIN chunk c ON c.id = (SELECT id FROM chunk WHERE series_id = j.value ORDER BY end_ts DESC, id DESC LIMIT 1)`,
  // The chunk table is partitioned by end_ts: an id is unique only with its end_ts.
  postgres: `SELECT CAST(j.value AS BIGINT) AS series_id, c.id AS id, c.data AS data FROM jsonb_array_elements_text(CAST(? AS jsonb)) j
    CROSS JOIN LATERAL (SELECT id, data FROM chunk WHERE series_id = CAST(j.value AS BIGINT) ORDER BY end_ts DESC, id DESC LIMIT 1) c`,
};

/** Reads the head chunk of each listed series, a few hundred series per query. */
export async function forEachHeadChunk(
  db: SqlReader,
  seriesIds: readonly number[],
  visit: (row: { series_id: number; id: number; data: Buffer }) => void,
  dialect: DialectName = 'sqlite',
): Promise<void> {
  for (let i = 0; i < seriesIds.length; i += ID_LIST_CHUNK) {
    for (const row of await db.all<{ series_id: number; id: number; data: Buffer }>(HEADS_SQL[dialect], [JSON.stringify(seriesIds.slice(i, i + ID_LIST_CHUNK))])) visit(row);
  }
}

/** Doubles per arena page (1 MiB). A parked head longer than a page (a chunk of ~100,000 samples) is kept on its own. */
const PAGE_BITS = 17;
const PAGE_DOUBLES = 1 << PAGE_BITS;
const OFFSET_MASK = PAGE_DOUBLES - 1;
/** Before each parked head in the arena: its series id and its length in doubles (OWN_ARRAY: kept on its own). */
const HEADER = 2;
const OWN_ARRAY = -1;

/**
 * Head chunks kept ready for appending. Each is held parked (ChunkEncoder.park: the encoder's state and bytes,
 * the chunk id in slot 0), ~680 → ~200 bytes a head, and unparked into a new encoder when a compaction step asks
 * for it. The parked heads sit in an arena of typed-array pages, appended at its end each time a head is parked
 * again, so the arena's order is the order of use and eviction takes the least recently parked from its start.
 * A typed array per head in a Map (before) cost ~180 bytes of JS objects a head (its ArrayBuffer and view) plus
 * a malloc'd block and V8's bookkeeping, and the Map's table, doubled by the holes that re-insertion leaves:
 * 25 MiB of heap at 100,000 series (issue 14 memory). When the arena holds a quarter more than the live heads
 * (plus a page), the live heads slide down in place and the pages past them go: each parked double is copied
 * about four times over its life, a memmove.
 */
export class HeadCache {
  /** Arena address (page << PAGE_BITS | offset) of each series' parked head. */
  private addresses = new DenseIdMap<number>();
  /** Parked heads longer than a page (their arena record is a header only). */
  private readonly large = new Map<number, Float64Array>();
  private readonly pages: Float64Array[] = [];
  /** Doubles used in each page. */
  private readonly pageUsed: number[] = [];
  /** Doubles of the live records, headers included. */
  private live = 0;
  /** Where eviction goes on: every record before it is dead. */
  private evictFrom = 0;

  /** `pageDoubles` (at most 2^17, the default) is smaller in specs only. */
  constructor(
    private readonly maxCached: number,
    private readonly pageDoubles = PAGE_DOUBLES,
  ) {
    if (!(pageDoubles >= HEADER && pageDoubles <= PAGE_DOUBLES)) throw new RangeError(`head cache pages must hold ${HEADER}..${PAGE_DOUBLES} doubles, got ${pageDoubles}`);
  }

  get size(): number {
    return this.addresses.size;
  }

  /** Bytes of the arena's pages. */
  get bytes(): number {
    return this.pages.length * this.pageDoubles * 8;
  }

  /** The series' head as a new encoder: changing it changes the cache only through touch(). */
  get(seriesId: number): HeadChunk | undefined {
    const at = this.addresses.get(seriesId);
    if (at === undefined) return undefined;
    const page = this.pages[at >>> PAGE_BITS]!;
    const start = (at & OFFSET_MASK) + HEADER;
    const length = page[start - 1]!;
    const parked = length === OWN_ARRAY ? this.large.get(seriesId)! : page.subarray(start, start + length);
    return { id: parked[0]!, encoder: ChunkEncoder.unpark(parked) };
  }

  /** Loads the heads of the listed series not cached yet. */
  async load(db: SqlReader, seriesIds: readonly number[], dialect: DialectName = 'sqlite'): Promise<void> {
    const missing = seriesIds.filter((id) => this.addresses.get(id) === undefined);
    await forEachHeadChunk(db, missing, (row) => this.put(row.series_id, ChunkEncoder.resume(row.data).park(row.id)), dialect);
  }

  /** Forgets every head (another collector may have changed chunks). */
  clear(): void {
    this.addresses = new DenseIdMap<number>();
    this.large.clear();
    this.pages.length = 0;
    this.pageUsed.length = 0;
    this.live = 0;
    this.evictFrom = 0;
  }

  touch(seriesId: number, head: HeadChunk): void {
    this.put(seriesId, head.encoder.park(head.id));
  }

  /** Forgets heads whose rows may have changed: they are reloaded when next needed. */
  forget(seriesIds: readonly number[]): void {
    for (const id of seriesIds) this.remove(id);
  }

  /** Forgets the least recently parked heads past maxCached. */
  evict(): void {
    let excess = this.size - this.maxCached;
    if (excess <= 0) return;
    this.forEachRecord(this.evictFrom, (seriesId, at) => {
      if (excess === 0) {
        this.evictFrom = at;
        return false;
      }
      if (this.addresses.get(seriesId) === at) {
        this.remove(seriesId);
        excess--;
      }
      return true;
    });
  }

  /** Parks a head as the series' most recently used one, at the arena's end. */
  private put(seriesId: number, parked: Float64Array): void {
    this.remove(seriesId);
    const own = HEADER + parked.length > this.pageDoubles;
    const need = own ? HEADER : HEADER + parked.length;
    if (this.pages.length * this.pageDoubles > 1.25 * (this.live + need) + this.pageDoubles) this.compact();
    let page = this.pages.length - 1;
    if (page < 0 || this.pageUsed[page]! + need > this.pageDoubles) {
      this.pages.push(new Float64Array(this.pageDoubles));
      this.pageUsed.push(0);
      page++;
    }
    const offset = this.pageUsed[page]!;
    const data = this.pages[page]!;
    data[offset] = seriesId;
    if (own) {
      data[offset + 1] = OWN_ARRAY;
      this.large.set(seriesId, parked);
    } else {
      data[offset + 1] = parked.length;
      data.set(parked, offset + HEADER);
    }
    this.pageUsed[page] = offset + need;
    this.live += need;
    this.addresses.set(seriesId, (page << PAGE_BITS) | offset);
  }

  private remove(seriesId: number): void {
    const at = this.addresses.get(seriesId);
    if (at === undefined) return;
    this.addresses.delete(seriesId);
    const length = this.pages[at >>> PAGE_BITS]![(at & OFFSET_MASK) + 1]!;
    if (length === OWN_ARRAY) this.large.delete(seriesId);
    this.live -= HEADER + Math.max(length, 0);
  }

  /** Visits the arena's records (live or dead) in order from address `from` while `visit` returns true. */
  private forEachRecord(from: number, visit: (seriesId: number, at: number, length: number) => boolean): void {
    for (let page = from >>> PAGE_BITS; page < this.pages.length; page++) {
      const data = this.pages[page]!;
      const used = this.pageUsed[page]!;
      for (let offset = page === from >>> PAGE_BITS ? from & OFFSET_MASK : 0; offset < used; ) {
        const length = HEADER + Math.max(data[offset + 1]!, 0);
        if (!visit(data[offset]!, (page << PAGE_BITS) | offset, length)) return;
        offset += length;
      }
    }
  }

  /** Slides the live records down over the dead ones, in arena order, and drops the pages left empty. */
  private compact(): void {
    let toPage = 0;
    let toOffset = 0;
    this.forEachRecord(0, (seriesId, at, length) => {
      if (this.addresses.get(seriesId) !== at) return true;
      if (toOffset + length > this.pageDoubles) {
        this.pageUsed[toPage] = toOffset;
        toPage++;
        toOffset = 0;
      }
      const to = (toPage << PAGE_BITS) | toOffset;
      if (to !== at) {
        const from = this.pages[at >>> PAGE_BITS]!;
        const offset = at & OFFSET_MASK;
        if (toPage === at >>> PAGE_BITS) from.copyWithin(toOffset, offset, offset + length);
        else this.pages[toPage]!.set(from.subarray(offset, offset + length), toOffset);
        this.addresses.set(seriesId, to);
      }
      toOffset += length;
      return true;
    });
    this.pageUsed[toPage] = toOffset;
    const kept = toOffset > 0 || toPage > 0 ? toPage + 1 : 0;
    this.pages.length = kept;
    this.pageUsed.length = kept;
    this.evictFrom = 0;
  }
}
