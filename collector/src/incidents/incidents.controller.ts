import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiTokenGuard, ReadAccessGuard } from '../api/api-token.guard.js';
import { parseInput } from '../api/validation.js';
import { CLOCK, type Clock } from '../common/clock.js';
import { resolveTime } from '../api/query-params.js';
import { ackBody, commentBody, incidentIdParam, kpiQuery, listIncidentsQuery, resolveBody } from './incidents.dto.js';
import { IncidentActions } from './incident-actions.service.js';
import { KpisService } from './kpis.service.js';

@Controller('api/incidents')
export class IncidentsController {
  constructor(
    private readonly incidents: IncidentActions,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Get()
  @UseGuards(ReadAccessGuard)
  async list(@Query() query: unknown) {
    const q = parseInput(listIncidentsQuery, query);
    const incidents = await this.incidents.list({
      ...(q.state ? { states: q.state } : {}),
      ...(q.severity ? { severities: q.severity } : {}),
      ...(q.rule ? { rules: q.rule } : {}),
      ...(q.service ? { service: q.service } : {}),
      ...(q.since ? { sinceMs: resolveTime(q.since, this.clock.now()) } : {}),
      ...(q.before_id ? { beforeId: q.before_id } : {}),
      limit: q.limit,
    });
    return { incidents };
  }

  @Get(':id')
  @UseGuards(ReadAccessGuard)
  get(@Param('id') id: string) {
    return this.incidents.get(parseInput(incidentIdParam, id));
  }

  @Post(':id/ack')
  @HttpCode(200)
  @UseGuards(ApiTokenGuard)
  ack(@Param('id') id: string, @Body() body: unknown) {
    return this.incidents.acknowledge(parseInput(incidentIdParam, id), parseInput(ackBody, body).by);
  }

  @Post(':id/resolve')
  @HttpCode(200)
  @UseGuards(ApiTokenGuard)
  resolve(@Param('id') id: string, @Body() body: unknown) {
    const b = parseInput(resolveBody, body);
    return this.incidents.resolve(parseInput(incidentIdParam, id), b.by, b.note);
  }

  @Post(':id/comments')
  @UseGuards(ApiTokenGuard)
  comment(@Param('id') id: string, @Body() body: unknown) {
    const b = parseInput(commentBody, body);
    return this.incidents.comment(parseInput(incidentIdParam, id), b.by, b.text);
  }
}

@Controller('api/kpis')
export class KpisController {
  constructor(private readonly kpis: KpisService) {}

  @Get()
  @UseGuards(ReadAccessGuard)
  get(@Query() query: unknown) {
    const q = parseInput(kpiQuery, query);
    return this.kpis.forMonth(q.period, q.tz);
  }
}
