import { Module } from '@nestjs/common';
import { CapacityController } from './capacity.controller.js';
import { CapacityInputs } from './capacity-inputs.js';
import { CapacityMetrics } from './capacity.metrics.js';
import { CapacityRepository } from './capacity.repository.js';
import { CapacityService } from './capacity.service.js';

/**
 * Capacity forecasts of every host resource and configured series (from the hourly rollups of the
 * global RollupsModule), their metrics and the REST API. Under READ_ONLY (`vigil-collector report`): no
 * timers, nothing written.
 */
@Module({
  controllers: [CapacityController],
  providers: [CapacityRepository, CapacityInputs, CapacityService, CapacityMetrics],
  exports: [CapacityService],
})
export class CapacityModule {}
