import { BadRequestException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { CLOCK, type Clock } from '../common/clock.js';
import { SAMPLE_STORE } from '../common/tokens.js';
import { QueryTooLargeError } from '../storage/storage.errors.js';
import type { Labels, Point, SampleStore, SeriesRef } from '../storage/storage.types.js';
import { MAX_QUERY_POINTS } from './query.dto.js';

export interface SeriesView {
  id: number;
  metric: string;
  labels: Labels;
}

const view = (s: SeriesRef): SeriesView => ({ id: s.id, metric: s.metric, labels: s.labels });
const DEFAULT_RANGE_MS = 3_600_000;

@Injectable()
export class QueryService {
  constructor(@Inject(SAMPLE_STORE) private readonly store: SampleStore, @Inject(CLOCK) private readonly clock: Clock) {}

  async series(filter: { metric?: string; labels: Labels; limit: number }): Promise<SeriesView[]> {
    const found = await this.store.findSeries({ ...(filter.metric ? { metric: filter.metric } : {}), labels: filter.labels, limit: filter.limit });
    return found.map(view);
  }

  async range(seriesId: number, from?: number, to?: number): Promise<{ series: SeriesView; points: Point[] }> {
    const series = await this.store.getSeries(seriesId);
    if (!series) throw new NotFoundException({ error: 'not found', message: `no series with id ${seriesId}` });
    const end = to ?? this.clock.now();
    const start = from ?? end - DEFAULT_RANGE_MS;
    try {
      return { series: view(series), points: await this.store.queryRange(seriesId, start, end, { maxPoints: MAX_QUERY_POINTS }) };
    } catch (error) {
      if (!(error instanceof QueryTooLargeError)) throw error;
      throw new BadRequestException({
        error: 'invalid request',
        issues: [`from: series ${seriesId} has more than ${error.maxPoints} points from ${start} to ${end}; narrow the range (from, to) or read /api/rollups?series=${seriesId}&step=1m (or 1h)`],
      });
    }
  }
}
