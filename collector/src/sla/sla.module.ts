import { Module } from '@nestjs/common';
import { MaintenanceController } from './maintenance.controller.js';
import { MaintenanceService } from './maintenance.service.js';
import { ServicesController } from './services.controller.js';
import { ServicesService } from './services.service.js';
import { SlaController } from './sla.controller.js';
import { SlaEvaluator } from './sla-evaluator.js';
import { SlaFollower } from './sla-follower.js';
import { SlaMetrics } from './sla.metrics.js';
import { SlaRebuilder } from './sla-rebuilder.js';
import { SlaRecorder } from './sla-recorder.js';
import { SlaRepository } from './sla.repository.js';
import { SlaService } from './sla.service.js';
import { SlaState } from './sla-state.js';

/**
 * Service catalogue, SLAs, maintenance windows, error budgets and burn rates. Other features use what
 * it exports: the catalogue, maintenance windows, the evaluator (figures, burn-rate signals, budgets).
 * Under READ_ONLY (`vigil-collector report`) it computes from what is stored and writes nothing.
 */
@Module({
  controllers: [ServicesController, MaintenanceController, SlaController],
  providers: [SlaRepository, ServicesService, MaintenanceService, SlaState, SlaRebuilder, SlaRecorder, SlaEvaluator, SlaFollower, SlaService, SlaMetrics],
  exports: [SlaService, SlaEvaluator, ServicesService, MaintenanceService],
})
export class SlaModule {}
