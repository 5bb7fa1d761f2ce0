import { Global, Module, type DynamicModule } from '@nestjs/common';
import { RollupsController } from './rollups.controller.js';
import { RollupsMetrics } from './rollups.metrics.js';
import { RollupsRepository } from './rollups.repository.js';
import { ROLLUPS_OPTIONS, RollupsService, type RollupsOptions } from './rollups.service.js';

/**
 * Rollup tiers (1m, 1h) and retention. Global like the sample store it complements: queries and capacity
 * forecasts read RollupsService, and one instance must see every ingested sample.
 */
@Global()
@Module({
  controllers: [RollupsController],
  providers: [RollupsRepository, RollupsService, RollupsMetrics],
  exports: [RollupsService],
})
export class RollupsModule {
  /** For `vigil-collector report`: reads stored tiers only (no listener, timers or recovery writes). */
  static forReport(): DynamicModule {
    const options: Partial<RollupsOptions> = { background: false };
    return { module: RollupsModule, providers: [{ provide: ROLLUPS_OPTIONS, useValue: options }] };
  }
}
