import { Controller, Get, Query, Res, UseGuards } from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import { ReadAccessGuard } from '../api/api-token.guard.js';
import { parseInput } from '../api/validation.js';
import { SlaReportService } from '../reports/sla-report.js';
import { SlaService } from './sla.service.js';
import { burnSignalView, reportQuerySchema } from './sla.dto.js';

@Controller('api')
@UseGuards(ReadAccessGuard)
export class SlaController {
  constructor(
    private readonly reports: SlaReportService,
    private readonly sla: SlaService,
  ) {}

  /** GET /api/reports/sla?period=2026-11&format=html|csv|json[&service=ID] */
  @Get('reports/sla')
  async report(@Query() query: unknown, @Res() res: ServerResponse): Promise<void> {
    const q = parseInput(reportQuerySchema, query);
    const { contentType, body } = await this.reports.renderSlaReport(q);
    res.statusCode = 200;
    res.setHeader('Content-Type', contentType);
    if (q.format !== 'json') {
      const name = `sla-${q.period}${q.service ? `-${q.service}` : ''}.${q.format}`.replace(/[^A-Za-z0-9_.-]/g, '_');
      res.setHeader('Content-Disposition', `inline; filename="${name}"`);
    }
    res.end(body);
  }

  /** GET /api/sla/burn-rates: current multi-window burn-rate signals of every service. */
  @Get('sla/burn-rates')
  burnRates(): Record<string, unknown>[] {
    return this.sla.burnRateSignals().map(burnSignalView);
  }
}
