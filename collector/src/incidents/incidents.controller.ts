import { Controller, Get, HttpCode, Inject, Post, UseGuards } from '@nestjs/common';
import type { z } from 'zod';
import { ApiTokenGuard, ReadAccessGuard } from '../api/api-token.guard.js';
import { ApiRoute, Input } from '../api/api-route.js';
import { CLOCK, type Clock } from '../common/clock.js';
import { resolveTime } from '../api/query-params.js';
import { ackBody, commentBody, incidentDetailResponse, incidentListResponse, incidentPath, incidentViewSchema, kpiQuery, listIncidentsQuery, resolveBody } from './incidents.dto.js';

type IncidentPath = z.output<typeof incidentPath>;
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
  @ApiRoute({ summary: 'Incidents, newest first', query: listIncidentsQuery, response: incidentListResponse, auth: 'read' })
  async list(@Input('query') q: z.output<typeof listIncidentsQuery>) {
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
  @ApiRoute({ summary: 'One incident with its timeline', params: incidentPath, response: incidentDetailResponse, auth: 'read' })
  get(@Input('params') { id }: IncidentPath) {
    return this.incidents.get(id);
  }

  @Post(':id/ack')
  @HttpCode(200)
  @UseGuards(ApiTokenGuard)
  @ApiRoute({ summary: 'Acknowledge an incident', params: incidentPath, body: ackBody, response: incidentViewSchema, auth: 'write' })
  ack(@Input('params') { id }: IncidentPath, @Input('body') body: z.output<typeof ackBody>) {
    return this.incidents.acknowledge(id, body.by);
  }

  @Post(':id/resolve')
  @HttpCode(200)
  @UseGuards(ApiTokenGuard)
  @ApiRoute({ summary: 'Resolve an incident', params: incidentPath, body: resolveBody, response: incidentViewSchema, auth: 'write' })
  resolve(@Input('params') { id }: IncidentPath, @Input('body') b: z.output<typeof resolveBody>) {
    return this.incidents.resolve(id, b.by, b.note);
  }

  @Post(':id/comments')
  @UseGuards(ApiTokenGuard)
  @ApiRoute({ summary: 'Add a comment to the timeline', params: incidentPath, body: commentBody, auth: 'write' })
  comment(@Input('params') { id }: IncidentPath, @Input('body') b: z.output<typeof commentBody>) {
    return this.incidents.comment(id, b.by, b.text);
  }
}

@Controller('api/kpis')
export class KpisController {
  constructor(private readonly kpis: KpisService) {}

  @Get()
  @UseGuards(ReadAccessGuard)
  @ApiRoute({ summary: 'Service-management KPIs of a month (MTTA, MTTR, counts)', query: kpiQuery, auth: 'read' })
  get(@Input('query') q: z.output<typeof kpiQuery>) {
    return this.kpis.forMonth(q.period, q.tz);
  }
}
