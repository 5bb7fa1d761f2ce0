import { Body, Controller, Get, Param, Patch, Query, UseGuards } from '@nestjs/common';
import { ApiTokenGuard, ReadAccessGuard } from '../api/api-token.guard.js';
import { parseInput } from '../api/validation.js';
import { listProblemsQuery, patchProblemBody, problemIdParam } from './problems.dto.js';
import { ProblemsService } from './problems.service.js';

@Controller('api/problems')
export class ProblemsController {
  constructor(private readonly problems: ProblemsService) {}

  @Get()
  @UseGuards(ReadAccessGuard)
  async list(@Query() query: unknown) {
    const q = parseInput(listProblemsQuery, query);
    return { problems: await this.problems.list({ ...(q.status ? { statuses: q.status } : {}), ...(q.service ? { service: q.service } : {}), limit: q.limit }) };
  }

  @Get(':id')
  @UseGuards(ReadAccessGuard)
  get(@Param('id') id: string) {
    return this.problems.get(parseInput(problemIdParam, id));
  }

  @Patch(':id')
  @UseGuards(ApiTokenGuard)
  update(@Param('id') id: string, @Body() body: unknown) {
    return this.problems.update(parseInput(problemIdParam, id), parseInput(patchProblemBody, body));
  }
}
