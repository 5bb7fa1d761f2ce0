import { Inject, Injectable } from '@nestjs/common';
import { DATABASE } from '../common/tokens.js';
import type { Database, Transaction } from '../database/database.js';
import { sqlDialect } from '../database/dialect.js';
import type { Bucket, TierName } from './domain/buckets.js';
import type { PendingBucket } from './domain/accumulator.js';

const TABLE: Record<TierName, string> = { '1m': 'rollup_1m', '1h': 'rollup_1h' };
/** Rows per INSERT statement with bound values (8 parameters each, far below SQLite's variable limit). */
const CHUNK = 200;
/** Series per hourly-averages query. */
const HOURLY_IDS = 500;

/** Hourly rows of one series as columns, in time order. */
export interface HourlyColumns {
  t: Float64Array;
  sum: Float64Array;
  count: Float64Array;
}

function numbers(csv: string): Float64Array {
  const parts = csv.split(',');
  const out = new Float64Array(parts.length);
  for (let i = 0; i < parts.length; i++) out[i] = Number(parts[i]);
  return out;
}

function sortedColumns(t: Float64Array, sum: Float64Array, count: Float64Array): HourlyColumns {
  let ordered = true;
  for (let i = 1; i < t.length && ordered; i++) ordered = t[i - 1]! < t[i]!;
  if (ordered) return { t, sum, count };
  const order = Array.from(t.keys()).sort((a, b) => t[a]! - t[b]!);
  return { t: Float64Array.from(order, (k) => t[k]!), sum: Float64Array.from(order, (k) => sum[k]!), count: Float64Array.from(order, (k) => count[k]!) };
}

interface BucketRow {
  start_ms: number;
  count: number;
  sum: number;
  min: number;
  max: number;
  last: number;
  last_ms: number;
}

const toBucket = (r: BucketRow): [number, Bucket] => [r.start_ms, { count: r.count, sum: r.sum, min: r.min, max: r.max, last: r.last, lastMs: r.last_ms }];

function values(count: number): string {
  return Array.from({ length: count }, () => '(?, ?, ?, ?, ?, ?, ?, ?)').join(', ');
}

/** SQL of the rollup tiers. The upsert performs mergeBucket: partial buckets add up. */
@Injectable()
export class RollupsRepository {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  /**
   * Merges partial buckets into the stored rows, in one transaction. Collectors sharing one database
   * each merge the buckets of the samples they received: the upsert adds counts and sums and keeps
   * the extremes and the newest last value, so merges land in any order with the same result, and
   * rows are written in key order so two concurrent merges lock them in the same order.
   */
  async merge(items: readonly PendingBucket[]): Promise<void> {
    if (items.length === 0) return;
    await this.db.transaction(async (tx) => {
      for (const tier of Object.keys(TABLE) as TierName[]) {
        const rows = items.filter((i) => i.tier === tier).sort((a, b) => a.seriesId - b.seriesId || a.start - b.start);
        await this.insert(tx, tier, rows.map((r) => [r.seriesId, r.start, r.bucket]));
      }
    });
  }

  /**
   * Inserts bucket rows into a tier, merging into stored rows with the same key. SQLite: all rows in one
   * JSON parameter (sqlite3 converts every bound value on the event loop, ~1.4 µs each: a flush of 100,000
   * buckets held the loop 1.2-1.35 s; as JSON 2.5-3.5 times less). Its numbers are written with 17
   * significant digits: SQLite reads JavaScript's shortest form of a double one unit in the last place
   * off about once in 10,000 values, and 17 digits name each double exactly. PostgreSQL: bound values.
   */
  private async insert(tx: Transaction, tier: TierName, rows: ReadonlyArray<readonly [number, number, Bucket]>): Promise<void> {
    if (this.db.dialect === 'sqlite' && rows.every(([, , b]) => finite(b))) {
      if (rows.length > 0) await tx.run(this.mergeSql(tier, 'json'), [`[${rows.map(([id, start, b]) => `[${params(id, start, b).map(exactJson).join(',')}]`).join(',')}]`]);
      return;
    }
    for (let i = 0; i < rows.length; i += CHUNK) {
      const chunk = rows.slice(i, i + CHUNK);
      await tx.run(this.mergeSql(tier, chunk.length), chunk.flatMap(([id, start, b]) => params(id, start, b)));
    }
  }

  /** INSERT of `rows` buckets (or of a JSON array of rows) into a tier that performs mergeBucket on a stored row with the same key. */
  private mergeSql(tier: TierName, rows: number | 'json'): string {
    const t = TABLE[tier];
    const { least, greatest } = sqlDialect(this.db.dialect);
    const source =
      rows === 'json'
        ? `SELECT ${COLUMNS.map((_, k) => `value ->> ${k}`).join(', ')} FROM json_each(?) WHERE true`
        : `VALUES ${values(rows)}`;
    return `INSERT INTO ${t} (${COLUMNS.join(', ')}) ${source}
      ON CONFLICT (series_id, start_ms) DO UPDATE SET
        count = ${t}.count + excluded.count,
        sum = ${t}.sum + excluded.sum,
        min = ${least(`${t}.min`, 'excluded.min')},
        max = ${greatest(`${t}.max`, 'excluded.max')},
        last = CASE WHEN excluded.last_ms >= ${t}.last_ms THEN excluded.last ELSE ${t}.last END,
        last_ms = ${greatest(`${t}.last_ms`, 'excluded.last_ms')}`;
  }

  /**
   * Replaces every bucket of a series at or after fromMs, in each tier, with the given ones. The
   * inserts merge: a bucket another collector sharing the database inserted after the DELETE is
   * added to rather than failing the replacement with a duplicate key.
   */
  async replaceFrom(seriesId: number, fromMs: number, tiers: Record<TierName, ReadonlyMap<number, Bucket>>): Promise<void> {
    await this.db.transaction(async (tx) => {
      for (const tier of Object.keys(TABLE) as TierName[]) {
        await tx.run(`DELETE FROM ${TABLE[tier]} WHERE series_id = ? AND start_ms >= ?`, [seriesId, fromMs]);
        await this.insert(tx, tier, [...tiers[tier]].map(([start, bucket]) => [seriesId, start, bucket]));
      }
    });
  }

  /** Stored buckets of one series with from <= start <= to, in time order. */
  async range(tier: TierName, seriesId: number, fromMs: number, toMs: number): Promise<Array<[number, Bucket]>> {
    const rows = await this.db.all<BucketRow>(
      `SELECT start_ms, count, sum, min, max, last, last_ms FROM ${TABLE[tier]} WHERE series_id = ? AND start_ms BETWEEN ? AND ? ORDER BY start_ms`,
      [seriesId, fromMs, toMs],
    );
    return rows.map(toBucket);
  }

  /**
   * Hourly sums and counts of many series at once (capacity forecasts read thousands of series of
   * hundreds of hours): one row per series with the values concatenated, which node-sqlite3 hands over
   * three times faster than a row per hour. Time order per series.
   */
  async hourlySums(seriesIds: readonly number[], fromMs: number, toMs: number): Promise<Map<number, HourlyColumns>> {
    const out = new Map<number, HourlyColumns>();
    const { groupConcat } = sqlDialect(this.db.dialect);
    const concat = (column: string) => groupConcat(column, "','");
    for (let i = 0; i < seriesIds.length; i += HOURLY_IDS) {
      const ids = seriesIds.slice(i, i + HOURLY_IDS);
      // No ORDER BY inside the aggregates (it doubles the query time): SQLite reads rows in primary-key
      // order, which is time order; PostgreSQL's may differ. sortedColumns checks and sorts.
      const rows = await this.db.all<{ id: number; t: string; sum: string; count: string }>(
        `SELECT series_id AS id, ${concat('start_ms')} AS t, ${concat('sum')} AS sum, ${concat('count')} AS count
         FROM rollup_1h WHERE series_id IN (${ids.map(() => '?').join(', ')}) AND start_ms BETWEEN ? AND ? GROUP BY series_id`,
        [...ids, fromMs, toMs],
      );
      // Sums print in a round-trip format (SQLite: 17 significant digits, PostgreSQL: the shortest
      // exact one): no precision is lost.
      for (const r of rows) out.set(r.id, sortedColumns(numbers(r.t), numbers(r.sum), numbers(r.count)));
    }
    for (const id of seriesIds) if (!out.has(id)) out.set(id, { t: new Float64Array(0), sum: new Float64Array(0), count: new Float64Array(0) });
    return out;
  }

  /** The smallest series id above `afterId` with rows in the tier (an index seek, for retention passes). */
  async nextSeriesId(tier: TierName, afterId: number): Promise<number | undefined> {
    const row = await this.db.get<{ id: number | null }>(`SELECT MIN(series_id) AS id FROM ${TABLE[tier]} WHERE series_id > ?`, [afterId]);
    return row?.id ?? undefined;
  }

  /** Deletes a series' buckets that start before the cutoff. */
  async deleteBefore(tier: TierName, seriesId: number, cutoffMs: number): Promise<number> {
    return (await this.db.transaction((tx) => tx.run(`DELETE FROM ${TABLE[tier]} WHERE series_id = ? AND start_ms < ?`, [seriesId, cutoffMs]))).changes;
  }

  async countRows(tier: TierName): Promise<number> {
    return (await this.db.get<{ n: number }>(`SELECT COUNT(*) AS n FROM ${TABLE[tier]}`))!.n;
  }
}

const COLUMNS = ['series_id', 'start_ms', 'count', 'sum', 'min', 'max', 'last', 'last_ms'] as const;

function params(seriesId: number, start: number, b: Bucket): number[] {
  return [seriesId, start, b.count, b.sum, b.min, b.max, b.last, b.lastMs];
}

const finite = (b: Bucket): boolean => Number.isFinite(b.sum) && Number.isFinite(b.min) && Number.isFinite(b.max) && Number.isFinite(b.last);

/** A JSON number SQLite reads back as exactly this double: integers as they are, others with 17 significant digits. */
function exactJson(v: number): string {
  return Number.isSafeInteger(v) ? String(v) : v.toPrecision(17);
}
