import { Body, Controller, Get, Inject, Param, Patch, Post, Query, UseGuards } from '@nestjs/common';
import { ApiTokenGuard, ReadAccessGuard } from '../api/api-token.guard.js';
import { parseInput } from '../api/validation.js';
import { CLOCK, type Clock } from '../common/clock.js';
import { resolveTime } from '../api/query-params.js';
import { changeIdParam, createChangeBody, listChangesQuery, patchChangeBody } from './changes.dto.js';
import { ChangesService } from './changes.service.js';

@Controller('api/changes')
export class ChangesController {
  constructor(
    private readonly changes: ChangesService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Get()
  @UseGuards(ReadAccessGuard)
  async list(@Query() query: unknown) {
    const q = parseInput(listChangesQuery, query);
    const now = this.clock.now();
    const changes = await this.changes.list({
      ...(q.service ? { service: q.service } : {}),
      ...(q.since ? { sinceMs: resolveTime(q.since, now) } : {}),
      ...(q.until ? { untilMs: resolveTime(q.until, now) } : {}),
      limit: q.limit,
    });
    return { changes };
  }

  @Get(':id')
  @UseGuards(ReadAccessGuard)
  get(@Param('id') id: string) {
    return this.changes.get(parseInput(changeIdParam, id));
  }

  @Post()
  @UseGuards(ApiTokenGuard)
  create(@Body() body: unknown) {
    return this.changes.create(parseInput(createChangeBody, body));
  }

  @Patch(':id')
  @UseGuards(ApiTokenGuard)
  update(@Param('id') id: string, @Body() body: unknown) {
    return this.changes.update(parseInput(changeIdParam, id), parseInput(patchChangeBody, body));
  }
}
