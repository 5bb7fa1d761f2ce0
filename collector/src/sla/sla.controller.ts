import { Controller, Get, UseGuards } from '@nestjs/common';
import { ReadAccessGuard } from '../api/api-token.guard.js';
import { ApiRoute } from '../api/api-route.js';
import { SlaEvaluator } from './sla-evaluator.js';
import { burnSignalView } from './sla.dto.js';

@Controller('api/sla')
@UseGuards(ReadAccessGuard)
export class SlaController {
  constructor(private readonly evaluator: SlaEvaluator) {}

  /** GET /api/sla/burn-rates: current multi-window burn-rate signals of every service. */
  @Get('burn-rates')
  @ApiRoute({ summary: 'Current multi-window burn-rate signals of every service', auth: 'read' })
  burnRates(): Record<string, unknown>[] {
    return this.evaluator.burnRateSignals().map(burnSignalView);
  }
}
