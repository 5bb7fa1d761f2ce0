import { Module } from '@nestjs/common';
import { AgentsModule } from '../agents/agents.module.js';
import { SlaModule } from '../sla/sla.module.js';
import { ConsoleApiController } from './console-api.controller.js';
import { ConsoleAssets } from './console-assets.js';
import { ConsoleController } from './console.controller.js';
import { OverviewService } from './overview.service.js';
import { ServiceStatesService } from './service-states.service.js';
import { StatusService } from './status.service.js';

/**
 * The web console at `/`, the public status page at `/status` and the reads they need, on the
 * collector's HTTP listener. Incidents are read through INCIDENT_HISTORY (the global incidents
 * module's port); service state changes go out on the event bus, which the live feed relays.
 */
@Module({
  imports: [SlaModule, AgentsModule],
  controllers: [ConsoleApiController, ConsoleController],
  providers: [ConsoleAssets, ServiceStatesService, OverviewService, StatusService],
})
export class ConsoleModule {}
