import { Controller, Get, Patch, UseGuards } from '@nestjs/common';
import type { z } from 'zod';
import { ApiTokenGuard, ReadAccessGuard } from '../api/api-token.guard.js';
import { ApiRoute, Input } from '../api/api-route.js';
import { listProblemsQuery, patchProblemBody, problemListResponse, problemPath } from './problems.dto.js';
import { ProblemsService } from './problems.service.js';

@Controller('api/problems')
export class ProblemsController {
  constructor(private readonly problems: ProblemsService) {}

  @Get()
  @UseGuards(ReadAccessGuard)
  @ApiRoute({ summary: 'Problem records', query: listProblemsQuery, response: problemListResponse, auth: 'read' })
  async list(@Input('query') q: z.output<typeof listProblemsQuery>) {
    return { problems: await this.problems.list({ ...(q.status ? { statuses: q.status } : {}), ...(q.service ? { service: q.service } : {}), limit: q.limit }) };
  }

  @Get(':id')
  @UseGuards(ReadAccessGuard)
  @ApiRoute({ summary: 'One problem with its incidents', params: problemPath, auth: 'read' })
  get(@Input('params') { id }: z.output<typeof problemPath>) {
    return this.problems.get(id);
  }

  @Patch(':id')
  @UseGuards(ApiTokenGuard)
  @ApiRoute({ summary: 'Update a problem (status, known error, workaround, root cause)', params: problemPath, body: patchProblemBody, auth: 'write' })
  update(@Input('params') { id }: z.output<typeof problemPath>, @Input('body') body: z.output<typeof patchProblemBody>) {
    return this.problems.update(id, body);
  }
}
