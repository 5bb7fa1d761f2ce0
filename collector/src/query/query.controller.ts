import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { ReadAccessGuard } from '../api/api-token.guard.js';
import { parseInput } from '../api/validation.js';
import { queryRangeSchema, seriesQuerySchema } from './query.dto.js';
import { QueryService } from './query.service.js';

@Controller('api')
@UseGuards(ReadAccessGuard)
export class QueryController {
  constructor(private readonly query: QueryService) {}

  @Get('series')
  series(@Query() params: unknown) {
    return this.query.series(parseInput(seriesQuerySchema, params));
  }

  @Get('query')
  range(@Query() params: unknown) {
    const q = parseInput(queryRangeSchema, params);
    return this.query.range(q.series, q.from, q.to);
  }
}
