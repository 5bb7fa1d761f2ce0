import { Controller, Get, Inject, UseGuards } from '@nestjs/common';
import type { z } from 'zod';
import { CLOCK, type Clock } from '../common/clock.js';
import { ReadAccessGuard } from '../api/api-token.guard.js';
import { ApiRoute, Input } from '../api/api-route.js';
import { rollupQuerySchema } from './rollups.dto.js';
import { RollupsService, type TieredResult } from './rollups.service.js';

@Controller('api')
@UseGuards(ReadAccessGuard)
export class RollupsController {
  constructor(
    private readonly rollups: RollupsService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /**
   * GET /api/rollups?series=ID&step=1h[&from=MS][&to=MS]: one series aggregated per step (avg, min, max,
   * last, count; counters as per-second rates) from the tier that fits the step and still holds `from`.
   */
  @Get('rollups')
  @ApiRoute({ summary: 'One series aggregated per step from the tier that fits', query: rollupQuerySchema, auth: 'read' })
  query(@Input('query') q: z.output<typeof rollupQuerySchema>): Promise<TieredResult> {
    const to = q.to ?? this.clock.now();
    return this.rollups.queryTiered(q.series, q.from ?? to - 24 * 3_600_000, to, q.step);
  }
}
