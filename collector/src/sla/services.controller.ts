import { Body, Controller, Delete, Get, Headers, HttpCode, Inject, Param, Post, Put, UseGuards } from '@nestjs/common';
import { CLOCK, type Clock } from '../common/clock.js';
import { ApiTokenGuard, ReadAccessGuard } from '../api/api-token.guard.js';
import { parseInput } from '../api/validation.js';
import { ApiRoute, Input } from '../api/api-route.js';
import type { z } from 'zod';
import { serviceSchema } from './sla.config.js';
import { ServicesService } from './services.service.js';
import { SlaService } from './sla.service.js';
import { SlaEvaluator } from './sla-evaluator.js';
import { figuresView, resolveSlaRange, serviceView, slaQuerySchema } from './sla.dto.js';
import { actorFrom } from './audit.js';

@Controller('api/services')
@UseGuards(ReadAccessGuard)
export class ServicesController {
  constructor(
    private readonly services: ServicesService,
    private readonly sla: SlaService,
    private readonly evaluator: SlaEvaluator,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Get()
  @ApiRoute({ summary: 'The service catalogue with SLA settings', auth: 'read' })
  list(): Record<string, unknown>[] {
    return this.services.list().map((s) => serviceView(s, this.sla.problems(s)));
  }

  @Get(':id')
  @ApiRoute({ summary: 'One service with its current SLA status and burn rates', auth: 'read' })
  get(@Param('id') id: string): Record<string, unknown> {
    const svc = this.services.get(id);
    const view = serviceView(svc, this.sla.problems(svc));
    const snapshot = this.evaluator.lastSnapshot();
    const current = snapshot.windows.get(id);
    if (current) view.status = [...current].map(([, f]) => figuresView(id, f));
    view.burn_rates = Object.fromEntries(snapshot.burnRates.get(id) ?? []);
    return view;
  }

  @Get(':id/sla')
  @ApiRoute({ summary: 'SLA figures of a service over a window or period, with outages', query: slaQuerySchema, auth: 'read' })
  async slaOf(@Param('id') id: string, @Input('query') q: z.output<typeof slaQuerySchema>): Promise<Record<string, unknown>> {
    const svc = this.services.get(id);
    const range = resolveSlaRange(svc, q, this.clock.now());
    const view = figuresView(id, await this.evaluator.figures(svc, range, { outages: true }));
    view.problems = this.sla.problems(svc);
    return view;
  }

  @Post()
  @UseGuards(ApiTokenGuard)
  @ApiRoute({ summary: 'Define a service', body: serviceSchema, auth: 'write' })
  async create(@Body() body: unknown, @Headers('authorization') auth?: string): Promise<Record<string, unknown>> {
    const def = parseInput(serviceSchema, body);
    const svc = await this.services.create(def, actorFrom(auth, undefined));
    return serviceView(svc, this.sla.problems(svc));
  }

  @Put(':id')
  @UseGuards(ApiTokenGuard)
  @ApiRoute({ summary: 'Replace a service definition (id from the path)', body: serviceSchema, auth: 'write' })
  async update(@Param('id') id: string, @Body() body: unknown, @Headers('authorization') auth?: string): Promise<Record<string, unknown>> {
    const raw = body && typeof body === 'object' && !Array.isArray(body) && !('id' in body) ? { ...body, id } : body;
    const svc = await this.services.update(id, parseInput(serviceSchema, raw), actorFrom(auth, undefined));
    return serviceView(svc, this.sla.problems(svc));
  }

  @Delete(':id')
  @UseGuards(ApiTokenGuard)
  @HttpCode(204)
  @ApiRoute({ summary: 'Remove a service defined through the API', auth: 'write' })
  async remove(@Param('id') id: string, @Headers('authorization') auth?: string): Promise<void> {
    await this.services.remove(id, actorFrom(auth, undefined));
  }
}
