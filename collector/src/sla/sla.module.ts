import { Module, type DynamicModule } from '@nestjs/common';
import { SlaReportService } from '../reports/sla-report.js';
import { MaintenanceController } from './maintenance.controller.js';
import { MaintenanceService } from './maintenance.service.js';
import { ServicesController } from './services.controller.js';
import { ServicesService } from './services.service.js';
import { SlaController } from './sla.controller.js';
import { SlaMetrics } from './sla.metrics.js';
import { SlaRepository } from './sla.repository.js';
import { SLA_READ_ONLY, SlaService } from './sla.service.js';

/** Service catalogue, SLAs, maintenance windows, error budgets, burn rates and SLA reports. */
@Module({
  controllers: [ServicesController, MaintenanceController, SlaController],
  providers: [SlaRepository, ServicesService, MaintenanceService, SlaService, SlaReportService, SlaMetrics],
  exports: [SlaService, ServicesService, MaintenanceService, SlaReportService],
})
export class SlaModule {
  /** For `vigil-collector report`: the same services, computing from stored data without writing. */
  static forReport(): DynamicModule {
    return { module: SlaModule, providers: [{ provide: SLA_READ_ONLY, useValue: true }] };
  }
}
