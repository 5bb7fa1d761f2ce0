import { Module, type DynamicModule } from '@nestjs/common';
import { CapacityReportService } from '../reports/capacity-report.js';
import { CapacityController } from './capacity.controller.js';
import { CapacityMetrics } from './capacity.metrics.js';
import { CapacityRepository } from './capacity.repository.js';
import { CAPACITY_READ_ONLY, CapacityService } from './capacity.service.js';

/**
 * Capacity forecasts of every host resource and configured series (from the hourly rollups of the
 * global RollupsModule), their metrics, the REST API and the capacity review report.
 */
@Module({
  controllers: [CapacityController],
  providers: [CapacityRepository, CapacityService, CapacityMetrics, CapacityReportService],
  exports: [CapacityService, CapacityReportService],
})
export class CapacityModule {
  /** For `vigil-collector report capacity`: computes from stored rollups, no timers, writes nothing. */
  static forReport(): DynamicModule {
    return { module: CapacityModule, providers: [{ provide: CAPACITY_READ_ONLY, useValue: true }] };
  }
}
