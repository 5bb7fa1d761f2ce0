// Reads of the rollup tiers: one series aggregated per step from the tier that fits (raw below a
// minute), and hourly averages for capacity forecasts. Buckets still pending in memory are merged in,
// so recent data shows at once.
import { BadRequestException, NotFoundException } from '@nestjs/common';
import type { Clock } from '../common/clock.js';
import type { MetricKind, SampleStore, SeriesRef } from '../storage/storage.types.js';
import type { RollupAccumulator } from './domain/accumulator.js';
import { bucketStart, mergeBucket, rollupPoints, TIERS, type Bucket, type TierName } from './domain/buckets.js';
import { chooseResolution, type Resolution } from './domain/tier-choice.js';
import type { RetentionConfig } from './rollups.config.js';
import type { RollupsRepository } from './rollups.repository.js';

const HOUR_MS = 3_600_000;

export interface TieredPoint {
  /** Start of the step. */
  t: number;
  avg: number;
  min: number;
  max: number;
  last: number;
  count: number;
}

export interface TieredResult {
  series: { id: number; metric: string; labels: Record<string, string>; kind: MetricKind };
  /** Which stored resolution answered. */
  resolution: Resolution;
  stepMs: number;
  /** Counters are answered as per-second rates. */
  unit: 'value' | 'per_second';
  points: TieredPoint[];
}

/** Hourly averages of one series as columns, in time order. */
export interface HourlyAverages {
  t: Float64Array;
  v: Float64Array;
}

export class TieredReads {
  constructor(
    private readonly store: SampleStore,
    private readonly repository: RollupsRepository,
    private readonly accumulator: RollupAccumulator,
    private readonly clock: Clock,
    private readonly retention: RetentionConfig,
    private readonly limits: { maxQueryPoints: number; counterLookbackMs: number },
  ) {}

  async queryTiered(seriesId: number, fromMs: number, toMs: number, stepMs: number): Promise<TieredResult> {
    const problems: string[] = [];
    const { maxQueryPoints } = this.limits;
    if (!Number.isFinite(fromMs) || !Number.isFinite(toMs) || fromMs > toMs) problems.push(`from/to: need from <= to, got from=${fromMs} to=${toMs}`);
    if (!(Number.isFinite(stepMs) && stepMs >= 1000)) problems.push(`step: must be at least 1000 ms, got ${stepMs}`);
    else if ((toMs - fromMs) / stepMs > maxQueryPoints)
      problems.push(`step: ${stepMs} ms gives more than ${maxQueryPoints} points over this range; use a step of at least ${Math.ceil((toMs - fromMs) / maxQueryPoints)} ms`);
    if (problems.length) throw new BadRequestException({ error: 'invalid request', issues: problems });
    const series = await this.store.getSeries(seriesId);
    if (!series) throw new NotFoundException({ error: 'not found', message: `no series with id ${seriesId}` });
    const retention = this.retention;
    const resolution = chooseResolution(fromMs, stepMs, this.clock.now(), { raw: retention.raw, '1m': retention['1m'], '1h': retention['1h'] });
    const steps = resolution === 'raw' ? await this.rawSteps(series, fromMs, toMs, stepMs) : await this.tierSteps(series.id, resolution, fromMs, toMs, stepMs);
    const points: TieredPoint[] = [];
    for (const [t, b] of [...steps].sort((a, b) => a[0] - b[0])) {
      if (t + stepMs <= fromMs || t > toMs) continue;
      points.push({ t, avg: b.sum / b.count, min: b.min, max: b.max, last: b.last, count: b.count });
    }
    return {
      series: { id: series.id, metric: series.metric, labels: series.labels, kind: series.kind },
      resolution,
      stepMs,
      unit: series.kind === 'counter' ? 'per_second' : 'value',
      points,
    };
  }

  private async rawSteps(series: SeriesRef, fromMs: number, toMs: number, stepMs: number): Promise<Map<number, Bucket>> {
    const lookback = series.kind === 'counter' ? this.limits.counterLookbackMs : 0;
    const points = await this.store.queryRange(series.id, fromMs - lookback, toMs);
    let split = 0;
    while (split < points.length && points[split]![0] < fromMs) split++;
    return rollupPoints(points.slice(split), series.kind, stepMs, split > 0 ? points[split - 1] : undefined);
  }

  private async tierSteps(seriesId: number, tier: TierName, fromMs: number, toMs: number, stepMs: number): Promise<Map<number, Bucket>> {
    const width = TIERS.find((t) => t.name === tier)!.widthMs;
    const from = bucketStart(fromMs, width);
    const rows = await this.repository.range(tier, seriesId, from, toMs);
    const steps = new Map<number, Bucket>();
    for (const [start, bucket] of [...rows, ...this.accumulator.pendingOf(seriesId, tier, from, toMs)]) {
      const t = bucketStart(start, stepMs);
      const existing = steps.get(t);
      if (existing) mergeBucket(existing, bucket);
      else steps.set(t, { ...bucket });
    }
    return steps;
  }

  async hourlyAverages(seriesIds: readonly number[], fromMs: number, toMs: number): Promise<Map<number, HourlyAverages>> {
    const from = bucketStart(fromMs, HOUR_MS);
    const out = new Map<number, HourlyAverages>();
    for (const [id, stored] of await this.repository.hourlySums(seriesIds, from, toMs)) {
      let { t, sum, count } = stored;
      const pending = this.accumulator.pendingOf(id, '1h', from, toMs);
      if (pending.length) {
        // Pending deltas (the open hour, late samples) add to the written row of their hour.
        const rows = Array.from(t, (start, k) => ({ start, sum: sum[k]!, count: count[k]! }));
        const byStart = new Map(rows.map((r) => [r.start, r]));
        for (const [start, b] of pending) {
          const row = byStart.get(start);
          if (row) {
            row.sum += b.sum;
            row.count += b.count;
          } else rows.push({ start, sum: b.sum, count: b.count });
        }
        rows.sort((a, b) => a.start - b.start);
        t = Float64Array.from(rows, (r) => r.start);
        sum = Float64Array.from(rows, (r) => r.sum);
        count = Float64Array.from(rows, (r) => r.count);
      }
      out.set(id, { t, v: sum.map((s, k) => s / count[k]!) });
    }
    return out;
  }

  async hourly(seriesId: number, fromMs: number, toMs: number): Promise<Array<[number, Bucket]>> {
    const steps = await this.tierSteps(seriesId, '1h', fromMs, toMs, HOUR_MS);
    return [...steps].sort((a, b) => a[0] - b[0]);
  }
}
