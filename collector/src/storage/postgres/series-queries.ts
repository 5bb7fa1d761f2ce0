// Series lookups on PostgreSQL: other collectors create series too, so what this process has
// cached is a start, and the database answers the rest.
import type { Database } from '../../database/database.js';
import type { SeriesCache } from '../series-cache.js';
import type { Labels, MetricKind, SeriesFilter, SeriesRef } from '../storage.types.js';

interface SeriesRow {
  id: number;
  key: string;
  metric: string;
  labels: string;
  kind: MetricKind;
}

function refOf(row: SeriesRow): SeriesRef {
  return { id: row.id, metric: row.metric, labels: JSON.parse(row.labels) as Labels, kind: row.kind };
}

export class SeriesQueries {
  constructor(
    private readonly db: Database,
    private readonly cache: SeriesCache,
  ) {}

  /** Every stored series matching the filter, in id order. */
  async find(filter: SeriesFilter): Promise<SeriesRef[]> {
    const rows = await this.db.all<SeriesRow>(
      `SELECT id, key, metric, labels, kind FROM series
        WHERE (CAST(? AS TEXT) IS NULL OR metric = CAST(? AS TEXT)) AND (CAST(? AS TEXT) IS NULL OR CAST(labels AS jsonb) @> CAST(? AS jsonb))
        ORDER BY id LIMIT CAST(? AS BIGINT)`,
      [filter.metric ?? null, filter.metric ?? null, filter.labels ? 'x' : null, filter.labels ? JSON.stringify(filter.labels) : null, filter.limit ?? null],
    );
    this.cache.learn(rows.map((row) => ({ key: row.key, ref: refOf(row) })));
    return rows.map(refOf);
  }

  /** Refs of the given ids that exist: from the cache, else from the database. */
  async refs(ids: readonly number[]): Promise<Map<number, SeriesRef>> {
    const out = new Map<number, SeriesRef>();
    const missing: number[] = [];
    for (const id of ids) {
      const ref = this.cache.get(id);
      if (ref) out.set(id, ref);
      else missing.push(id);
    }
    if (missing.length === 0) return out;
    const rows = await this.db.all<SeriesRow>('SELECT id, key, metric, labels, kind FROM series WHERE id IN (SELECT CAST(value AS BIGINT) FROM jsonb_array_elements_text(CAST(? AS jsonb)))', [JSON.stringify(missing)]);
    this.cache.learn(rows.map((row) => ({ key: row.key, ref: refOf(row) })));
    for (const row of rows) out.set(row.id, refOf(row));
    return out;
  }
}
