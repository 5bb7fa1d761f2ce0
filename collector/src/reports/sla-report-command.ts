import { HttpException } from '@nestjs/common';
import type { CollectorConfig } from '../config/config.schema.js';
import { UsageError, type CliArgs } from '../cli.js';
import { parseInput } from '../api/validation.js';
import { SlaModule } from '../sla/sla.module.js';
import { reportQuerySchema } from '../sla/sla.dto.js';
import { SlaReportService } from './sla-report.js';
import { withReportContext, type RenderedReport } from './report-command.js';

/**
 * `vigil-collector report sla --period 2026-11 [--service ID] [--format json|csv|html]`: the same
 * report as `GET /api/reports/sla`, computed from the stored data without starting the listeners.
 * Bad flags and unknown services become usage errors (exit code 2) with the API's wording.
 */
export async function runSlaReportCommand(config: CollectorConfig, args: CliArgs): Promise<RenderedReport> {
  try {
    const request = parseInput(reportQuerySchema, { period: args.period, format: args.format, service: args.service });
    return await withReportContext(config, [SlaModule.forReport()], (app) => app.get(SlaReportService).renderSlaReport(request));
  } catch (error) {
    if (error instanceof HttpException) throw new UsageError(problemsOf(error).join('; '));
    throw error;
  }
}

/** "period: required, e.g. 2026-11" → "--period: required, e.g. 2026-11" (API field = CLI flag). */
function problemsOf(error: HttpException): string[] {
  const body = error.getResponse() as { issues?: string[]; message?: string } | string;
  if (typeof body === 'string') return [body];
  if (body.issues?.length) return body.issues.map((issue) => `--${issue}`);
  return [body.message ?? error.message];
}
