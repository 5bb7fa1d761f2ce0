import { Controller, Get, Query, Res, UseGuards } from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import { ReadAccessGuard } from '../api/api-token.guard.js';
import { parseInput } from '../api/validation.js';
import { SlaReportService } from './sla-report.js';
import { CapacityReportService } from './capacity-report.js';
import { capacityReportQuerySchema, slaReportQuerySchema } from './reports.dto.js';
import { writeReport } from './report-response.js';

@Controller('api/reports')
@UseGuards(ReadAccessGuard)
export class SlaReportController {
  constructor(private readonly reports: SlaReportService) {}

  /** GET /api/reports/sla?[period=2026-11&]format=html|csv|json[&service=ID]; no period: the current one. */
  @Get('sla')
  async report(@Query() query: unknown, @Res() res: ServerResponse): Promise<void> {
    const q = parseInput(slaReportQuerySchema, query);
    const fileName = q.format === 'json' ? undefined : `sla-${q.period ?? 'current'}${q.service ? `-${q.service}` : ''}.${q.format}`;
    writeReport(res, await this.reports.renderSlaReport(q), fileName);
  }
}

@Controller('api/reports')
@UseGuards(ReadAccessGuard)
export class CapacityReportController {
  constructor(private readonly reports: CapacityReportService) {}

  /** GET /api/reports/capacity?format=json|csv|html */
  @Get('capacity')
  async report(@Query() query: unknown, @Res() res: ServerResponse): Promise<void> {
    const q = parseInput(capacityReportQuerySchema, query);
    writeReport(res, await this.reports.renderCapacityReport(q), q.format === 'json' ? undefined : `capacity.${q.format}`);
  }
}
