import type { CollectorConfig } from '../config/config.schema.js';
import { parseCliInput, type CliArgs } from '../cli.js';
import { CapacityModule } from '../capacity/capacity.module.js';
import { capacityReportQuerySchema } from '../capacity/capacity.dto.js';
import { RollupsModule } from '../rollups/rollups.module.js';
import { CapacityReportService } from './capacity-report.js';
import { withReportContext, type RenderedReport } from './report-command.js';

/**
 * `vigil-collector report capacity [--format json|csv|html]`: the same report as
 * `GET /api/reports/capacity`, forecast from the stored hourly rollups without starting the listeners
 * and without writing (safe next to a running collector).
 */
export async function runCapacityReportCommand(config: CollectorConfig, args: CliArgs): Promise<RenderedReport> {
  const request = parseCliInput(capacityReportQuerySchema, { format: args.format });
  return withReportContext(config, [RollupsModule.forReport(), CapacityModule.forReport()], (app) => app.get(CapacityReportService).renderCapacityReport(request));
}
