import { Controller, Get, Inject, Patch, Post, UseGuards } from '@nestjs/common';
import type { z } from 'zod';
import { ApiTokenGuard, ReadAccessGuard } from '../api/api-token.guard.js';
import { ApiRoute, Input } from '../api/api-route.js';
import { CLOCK, type Clock } from '../common/clock.js';
import { resolveTime } from '../api/query-params.js';
import { changeListResponse, changePath, changeViewSchema, createChangeBody, listChangesQuery, patchChangeBody } from './changes.dto.js';
import { ChangesService } from './changes.service.js';

@Controller('api/changes')
export class ChangesController {
  constructor(
    private readonly changes: ChangesService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Get()
  @UseGuards(ReadAccessGuard)
  @ApiRoute({ summary: 'Change records, newest first', query: listChangesQuery, response: changeListResponse, auth: 'read' })
  async list(@Input('query') q: z.output<typeof listChangesQuery>) {
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
  @ApiRoute({ summary: 'One change record with its linked incidents', params: changePath, response: changeViewSchema, auth: 'read' })
  get(@Input('params') { id }: z.output<typeof changePath>) {
    return this.changes.get(id);
  }

  @Post()
  @UseGuards(ApiTokenGuard)
  @ApiRoute({ summary: 'Record a change', body: createChangeBody, response: changeViewSchema, auth: 'write' })
  create(@Input('body') body: z.output<typeof createChangeBody>) {
    return this.changes.create(body);
  }

  @Patch(':id')
  @UseGuards(ApiTokenGuard)
  @ApiRoute({ summary: 'Update a change (times, outcome, description)', params: changePath, body: patchChangeBody, response: changeViewSchema, auth: 'write' })
  update(@Input('params') { id }: z.output<typeof changePath>, @Input('body') body: z.output<typeof patchChangeBody>) {
    return this.changes.update(id, body);
  }
}
