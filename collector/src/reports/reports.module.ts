// Reports consume features through what their modules export (the SLA catalogue and evaluator, the
// capacity forecasts) and only render: no feature imports reports. One module per report, so the
// CLI boots just the feature a report needs.
import { Module } from '@nestjs/common';
import { SlaModule } from '../sla/sla.module.js';
import { CapacityModule } from '../capacity/capacity.module.js';
import { SlaReportService } from './sla-report.js';
import { CapacityReportService } from './capacity-report.js';
import { CapacityReportController, SlaReportController } from './reports.controller.js';

/** The SLA review report: GET /api/reports/sla and `vigil-collector report sla`. */
@Module({
  imports: [SlaModule],
  controllers: [SlaReportController],
  providers: [SlaReportService],
  exports: [SlaReportService],
})
export class SlaReportModule {}

/** The capacity review report: GET /api/reports/capacity and `vigil-collector report capacity`. */
@Module({
  imports: [CapacityModule],
  controllers: [CapacityReportController],
  providers: [CapacityReportService],
  exports: [CapacityReportService],
})
export class CapacityReportModule {}
