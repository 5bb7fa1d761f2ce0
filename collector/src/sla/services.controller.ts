import { Body, Controller, Delete, Get, Headers, HttpCode, Inject, Param, Post, Put, Query, UseGuards } from '@nestjs/common';
import { CLOCK, type Clock } from '../common/clock.js';
import { ApiTokenGuard, ReadAccessGuard } from '../api/api-token.guard.js';
import { parseInput } from '../api/validation.js';
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
  list(): Record<string, unknown>[] {
    return this.services.list().map((s) => serviceView(s, this.sla.problems(s)));
  }

  @Get(':id')
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
  async slaOf(@Param('id') id: string, @Query() query: unknown): Promise<Record<string, unknown>> {
    const q = parseInput(slaQuerySchema, query);
    const svc = this.services.get(id);
    const range = resolveSlaRange(svc, q, this.clock.now());
    const view = figuresView(id, await this.evaluator.figures(svc, range, { outages: true }));
    view.problems = this.sla.problems(svc);
    return view;
  }

  @Post()
  @UseGuards(ApiTokenGuard)
  async create(@Body() body: unknown, @Headers('authorization') auth?: string): Promise<Record<string, unknown>> {
    const def = parseInput(serviceSchema, body);
    const svc = await this.services.create(def, actorFrom(auth, undefined));
    return serviceView(svc, this.sla.problems(svc));
  }

  @Put(':id')
  @UseGuards(ApiTokenGuard)
  async update(@Param('id') id: string, @Body() body: unknown, @Headers('authorization') auth?: string): Promise<Record<string, unknown>> {
    const raw = body && typeof body === 'object' && !Array.isArray(body) && !('id' in body) ? { ...body, id } : body;
    const svc = await this.services.update(id, parseInput(serviceSchema, raw), actorFrom(auth, undefined));
    return serviceView(svc, this.sla.problems(svc));
  }

  @Delete(':id')
  @UseGuards(ApiTokenGuard)
  @HttpCode(204)
  async remove(@Param('id') id: string, @Headers('authorization') auth?: string): Promise<void> {
    await this.services.remove(id, actorFrom(auth, undefined));
  }
}
