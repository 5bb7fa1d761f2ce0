import { Controller, Get, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import type { z } from 'zod';
import { ApiTokenGuard, ReadAccessGuard } from '../api/api-token.guard.js';
import { ApiRoute, Input } from '../api/api-route.js';
import { capacityChartView, capacityEntryView, capacityListQuerySchema } from './capacity.dto.js';
import { CapacityService, type CapacityRunInfo } from './capacity.service.js';

@Controller('api')
export class CapacityController {
  constructor(private readonly capacity: CapacityService) {}

  /** GET /api/capacity[?sort=exhaustion|earliest|growth|utilization|host][&limit=N][&within_days=D][&host=H][&resource=R] */
  @Get('capacity')
  @UseGuards(ReadAccessGuard)
  @ApiRoute({ summary: 'Forecast resources of every host, ranked', query: capacityListQuerySchema, auth: 'read' })
  list(@Input('query') q: z.output<typeof capacityListQuerySchema>): Record<string, unknown> {
    const resources = this.capacity.list({ sort: q.sort, limit: q.limit, withinDays: q.within_days, host: q.host, resource: q.resource });
    const computedAt = this.capacity.computedAt;
    return {
      computed_at: computedAt === null ? null : new Date(computedAt).toISOString(),
      horizon_days: this.capacity.horizonDays,
      sort: q.sort,
      resources: resources.map(capacityEntryView),
    };
  }

  /** GET /api/capacity/{host}: the host's resources with hourly history and forecast points for charts. */
  @Get('capacity/:host')
  @UseGuards(ReadAccessGuard)
  @ApiRoute({ summary: "One host's resources with hourly history and forecast points", auth: 'read' })
  async host(@Param('host') host: string): Promise<Record<string, unknown>> {
    const view = await this.capacity.host(host);
    return {
      host: view.host,
      computed_at: view.computedAt === null ? null : new Date(view.computedAt).toISOString(),
      horizon_days: this.capacity.horizonDays,
      resources: view.resources.map(capacityChartView),
    };
  }

  /** POST /api/capacity/recompute: recomputes every forecast now (API token). */
  @Post('capacity/recompute')
  @HttpCode(200)
  @UseGuards(ApiTokenGuard)
  @ApiRoute({ summary: 'Recompute every forecast now', auth: 'write' })
  async recompute(): Promise<Record<string, unknown>> {
    const run: CapacityRunInfo = await this.capacity.recompute();
    return {
      started_at: new Date(run.startedMs).toISOString(),
      duration_ms: Math.round(run.durationMs),
      resources: run.resources,
      forecasts: run.forecasts,
      insufficient: run.insufficient,
      failures: run.failures,
    };
  }
}
