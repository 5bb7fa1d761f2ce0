import { Controller, Get, UseGuards } from '@nestjs/common';
import { ReadAccessGuard } from '../api/api-token.guard.js';
import { SlaEvaluator } from './sla-evaluator.js';
import { burnSignalView } from './sla.dto.js';

@Controller('api/sla')
@UseGuards(ReadAccessGuard)
export class SlaController {
  constructor(private readonly evaluator: SlaEvaluator) {}

  /** GET /api/sla/burn-rates: current multi-window burn-rate signals of every service. */
  @Get('burn-rates')
  burnRates(): Record<string, unknown>[] {
    return this.evaluator.burnRateSignals().map(burnSignalView);
  }
}
