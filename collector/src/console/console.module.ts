import { Module, type DynamicModule, type ModuleMetadata } from '@nestjs/common';
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
 * collector's HTTP listener. `incidents` is the application's one IncidentsModule instance
 * (incidents and the live feed), passed in rather than registered a second time.
 */
@Module({})
export class ConsoleModule {
  static register(options: { incidents: NonNullable<ModuleMetadata['imports']>[number] }): DynamicModule {
    return {
      module: ConsoleModule,
      imports: [SlaModule, AgentsModule, options.incidents],
      controllers: [ConsoleApiController, ConsoleController],
      providers: [ConsoleAssets, ServiceStatesService, OverviewService, StatusService],
    };
  }
}
