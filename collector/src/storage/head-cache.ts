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
/** Before each parked head in the arena: its series id and its length in doubles. */
const HEADER = 2;
/** The address of a head kept in an array of its own. */
const OWN_ARRAY = -1;

/**
 * Head chunks kept ready for appending, least recently used first (Map insertion order). Each is held
 * parked (ChunkEncoder.park: the encoder's state and bytes, the chunk id in slot 0), ~680 → ~200 bytes
 * a head, and unparked into a new encoder when a compaction step asks for it. The parked heads sit in
 * an arena of typed-array pages, appended at its end each time a head is parked again: a typed array
 * per head cost ~180 bytes of JS objects (its ArrayBuffer and view) plus a malloc'd block and V8's
 * bookkeeping, 18 MiB of heap at 100,000 series (issue 14 memory). When the arena holds a quarter more
 * than the live heads (plus a page), the live heads slide down in place and the pages past them go:
 * each parked double is then copied about four times over its life, a memmove.
 */
export class HeadCache {
  /** Arena address (page << PAGE_BITS | offset) of each series' parked head, or OWN_ARRAY. */
  private readonly heads = new Map<number, number>();
  /** Parked heads longer than a page. */
  private readonly large = new Map<number, Float64Array>();
  private readonly pages: Float64Array[] = [];
  /** Doubles used in each page. */
  private readonly pageUsed: number[] = [];
  /** Doubles of the live heads, headers included. */
  private live = 0;

  /** `pageDoubles` (at most 2^17, the default) is smaller in specs only. */
  constructor(
    private readonly maxCached: number,
    private readonly pageDoubles = PAGE_DOUBLES,
  ) {
    if (!(pageDoubles >= 1 && pageDoubles <= PAGE_DOUBLES)) throw new RangeError(`head cache pages must hold 1..${PAGE_DOUBLES} doubles, got ${pageDoubles}`);
  }

  get size(): number {
    return this.heads.size;
  }

  /** Bytes of the arena's pages. */
  get bytes(): number {
    return this.pages.length * this.pageDoubles * 8;
  }

  /** The series' head as a new encoder: changing it changes the cache only through touch(). */
  get(seriesId: number): HeadChunk | undefined {
    const at = this.heads.get(seriesId);
    if (at === undefined) return undefined;
    let parked = this.large.get(seriesId);
    if (at !== OWN_ARRAY) {
      const page = this.pages[at >>> PAGE_BITS]!;
      const start = (at & OFFSET_MASK) + HEADER;
      parked = page.subarray(start, start + page[start - 1]!);
    }
    return { id: parked![0]!, encoder: ChunkEncoder.unpark(parked!) };
  }

  /** Loads the heads of the listed series not cached yet. */
  async load(db: SqlReader, seriesIds: readonly number[], dialect: DialectName = 'sqlite'): Promise<void> {
    const missing = seriesIds.filter((id) => !this.heads.has(id));
    await forEachHeadChunk(db, missing, (row) => this.put(row.series_id, ChunkEncoder.resume(row.data).park(row.id)), dialect);
  }

  /** Forgets every head (another collector may have changed chunks). */
  clear(): void {
    this.heads.clear();
    this.large.clear();
    this.pages.length = 0;
    this.pageUsed.length = 0;
    this.live = 0;
  }

  touch(seriesId: number, head: HeadChunk): void {
    this.put(seriesId, head.encoder.park(head.id));
  }

  /** Forgets heads whose rows may have changed: they are reloaded when next needed. */
  forget(seriesIds: readonly number[]): void {
    for (const id of seriesIds) this.remove(id);
  }

  evict(): void {
    const excess = this.heads.size - this.maxCached;
    if (excess <= 0) return;
    let n = 0;
    for (const id of this.heads.keys()) {
      if (n++ >= excess) break;
      this.remove(id);
    }
  }

  /** Parks a head as the series' most recently used one, at the arena's end. */
  private put(seriesId: number, parked: Float64Array): void {
    this.remove(seriesId);
    const need = HEADER + parked.length;
    if (need > this.pageDoubles) {
      this.large.set(seriesId, parked);
      this.heads.set(seriesId, OWN_ARRAY);
      return;
    }
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
    data[offset + 1] = parked.length;
    data.set(parked, offset + HEADER);
    this.pageUsed[page] = offset + need;
    this.live += need;
    this.heads.set(seriesId, (page << PAGE_BITS) | offset);
  }

  private remove(seriesId: number): void {
    const at = this.heads.get(seriesId);
    if (at === undefined) return;
    this.heads.delete(seriesId);
    if (at === OWN_ARRAY) this.large.delete(seriesId);
    else this.live -= HEADER + this.pages[at >>> PAGE_BITS]![(at & OFFSET_MASK) + 1]!;
  }

  /** Slides the live heads down over the dead ones, in arena order, and drops the pages left empty. */
  private compact(): void {
    let toPage = 0;
    let toOffset = 0;
    for (let page = 0; page < this.pages.length; page++) {
      const data = this.pages[page]!;
      const used = this.pageUsed[page]!;
      for (let offset = 0; offset < used; ) {
        const seriesId = data[offset]!;
        const length = HEADER + data[offset + 1]!;
        if (this.heads.get(seriesId) === ((page << PAGE_BITS) | offset)) {
          if (toOffset + length > this.pageDoubles) {
            this.pageUsed[toPage] = toOffset;
            toPage++;
            toOffset = 0;
          }
          if (toPage !== page || toOffset !== offset) {
            if (toPage === page) data.copyWithin(toOffset, offset, offset + length);
            else this.pages[toPage]!.set(data.subarray(offset, offset + length), toOffset);
            this.heads.set(seriesId, (toPage << PAGE_BITS) | toOffset); // an existing key keeps its place in the LRU order
          }
          toOffset += length;
        }
        offset += length;
      }
    }
    this.pageUsed[toPage] = toOffset;
    const kept = toOffset > 0 || toPage > 0 ? toPage + 1 : 0;
    this.pages.length = kept;
    this.pageUsed.length = kept;
  }
}
