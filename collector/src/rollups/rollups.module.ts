import { Global, Module } from '@nestjs/common';
import { RollupsController } from './rollups.controller.js';
import { RollupsMetrics } from './rollups.metrics.js';
import { RollupsRepository } from './rollups.repository.js';
import { RollupsService } from './rollups.service.js';

/**
 * Rollup tiers (1m, 1h) and retention. Global like the sample store it complements: queries and capacity
 * forecasts read RollupsService, and one instance must see every ingested sample. Under READ_ONLY
 * (`vigil-collector report`) it reads stored tiers only (no listener, timers or recovery writes).
 */
@Global()
@Module({
  controllers: [RollupsController],
  providers: [RollupsRepository, RollupsService, RollupsMetrics],
  exports: [RollupsService],
})
export class RollupsModule {}
