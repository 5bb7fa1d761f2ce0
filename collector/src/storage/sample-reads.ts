// Reads of stored samples: the chunks (through the read connection) merged with the log not yet
// compacted (in memory).
import type { SqlReader } from '../database/database.js';
import { decodeChunk, MAX_TIMESTAMP } from './chunk-codec.js';
import { CHUNK_MAX_SPAN_MS } from './compaction.js';
import type { SeriesSamples } from './pending-log.js';
import { DistinctTimestamps, mergeSources } from './points.js';
import type { SeriesRef } from './storage.types.js';
import { QueryTooLargeError } from './storage.errors.js';
import type { Point, RangeOptions, SeriesFilter, StoredSeriesSamples } from './storage.types.js';
import type { WriteLoop } from './write-loop.js';

export interface StorageFootprint {
  chunks: number;
  chunkSamples: number;
  chunkBytes: number;
  logRows: number;
  logSamples: number;
  logBytes: number;
}

/** Chunk rows read per statement (about 60,000 samples with the default chunk size). */
const CHUNK_PAGE_ROWS = 256;
/** Samples decoded between two pauses of a range read (well under a millisecond of work each). */
const SAMPLES_PER_SLICE = 20_000;

export class SampleReads {
  constructor(
    /** The read-only connection (or the writer's, for an in-memory database). */
    private readonly reader: SqlReader,
    /** The writer's connection, for reads that must not see a compaction half-way. */
    private readonly writer: SqlReader,
    /** The samples not yet compacted (in memory). */
    private readonly pending: { range(seriesId: number, fromMs: number, toMs: number): SeriesSamples; readonly samples: number },
    private readonly series: { find(filter: SeriesFilter): SeriesRef[] | Promise<SeriesRef[]> },
    private readonly loop: WriteLoop,
  ) {}

  async queryRange(seriesId: number, fromMs: number, toMs: number, options: RangeOptions = {}): Promise<Point[]> {
    if (Number.isNaN(fromMs) || Number.isNaN(toMs)) throw new RangeError(`queryRange needs numeric bounds, got ${fromMs}..${toMs}`);
    if (toMs < fromMs || toMs < 0) return [];
    const from = Math.max(0, fromMs);
    const to = Math.min(toMs, MAX_TIMESTAMP);
    const maxPoints = options.maxPoints ?? Number.POSITIVE_INFINITY;
    // Pending first: a compaction committing while the chunks are read then shows its samples in
    // both places (merged away), never in neither.
    const pendingPart = this.pending.range(seriesId, from, to);
    const counted = new DistinctTimestamps(from, to);
    // Chunks in pages, decoded with a pause for other work every few thousand samples, so a long
    // range never holds the event loop; a limited read stops as soon as it is over its limit.
    let afterId = 0;
    let sinceYield = 0;
    for (;;) {
      const rows = await this.reader.all<{ id: number; data: Buffer }>(
        'SELECT id, data FROM chunk WHERE series_id = ? AND end_ts >= ? AND end_ts <= ? AND start_ts <= ? AND id > ? ORDER BY id LIMIT ?',
        [seriesId, from, Math.min(to + CHUNK_MAX_SPAN_MS, MAX_TIMESTAMP), to, afterId, CHUNK_PAGE_ROWS],
      );
      for (const row of rows) {
        const chunk = decodeChunk(row.data);
        counted.add(chunk);
        if (counted.size > maxPoints) throw new QueryTooLargeError(maxPoints);
        sinceYield += chunk.timestamps.length;
        if (sinceYield >= SAMPLES_PER_SLICE) {
          sinceYield = 0;
          await new Promise(setImmediate);
        }
      }
      if (rows.length < CHUNK_PAGE_ROWS) break;
      afterId = rows[rows.length - 1]!.id;
    }
    counted.add(pendingPart);
    if (counted.size > maxPoints) throw new QueryTooLargeError(maxPoints);
    return mergeSources(counted.sources, from, to);
  }

  /**
   * Samples of every matching series within [from, to], one series at a time: for rebuilding
   * rollups. Series without samples in the range are skipped.
   */
  async *scanRange(fromMs: number, toMs: number, filter: SeriesFilter = {}): AsyncGenerator<StoredSeriesSamples> {
    for (const series of await this.series.find(filter)) {
      const points = await this.queryRange(series.id, fromMs, toMs);
      if (points.length === 0) continue;
      yield { series, timestamps: points.map((p) => p[0]), values: points.map((p) => p[1]) };
    }
  }

  /**
   * Samples held in chunks and in the log. A timestamp written twice (a late rewrite) counts
   * twice: queryRange returns one point for it. For diagnostics and tests.
   */
  async countSamples(): Promise<number> {
    // Read on the writer's turn so no compaction is half-way between log and chunks.
    let total = 0;
    await this.loop.enqueue(async () => {
      const row = await this.writer.get<{ n: number | null }>('SELECT sum(count) AS n FROM chunk');
      total = (row?.n ?? 0) + this.pending.samples;
      return true;
    });
    return total;
  }

  /** Size figures for diagnostics and benchmarks. */
  async footprint(): Promise<StorageFootprint> {
    const c = await this.writer.get<{ n: number; s: number | null; b: number | null }>('SELECT count(*) AS n, sum(count) AS s, sum(length(data)) AS b FROM chunk');
    const l = await this.writer.get<{ n: number; s: number | null; b: number | null }>('SELECT count(*) AS n, sum(samples) AS s, sum(length(data)) AS b FROM sample_log');
    return { chunks: c?.n ?? 0, chunkSamples: c?.s ?? 0, chunkBytes: c?.b ?? 0, logRows: l?.n ?? 0, logSamples: l?.s ?? 0, logBytes: l?.b ?? 0 };
  }
}
