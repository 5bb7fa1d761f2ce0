import { Module, type DynamicModule } from '@nestjs/common';
import { CoreModule, type CoreOptions } from './core/core.module.js';
import { AgentsModule } from './agents/agents.module.js';
import { AgentsService } from './agents/agents.service.js';
import { CapacityModule } from './capacity/capacity.module.js';
import { CapacityService } from './capacity/capacity.service.js';
import { ChangesModule } from './changes/changes.module.js';
import { ConsoleModule } from './console/console.module.js';
import { HealthModule } from './health/health.module.js';
import { IncidentsModule } from './incidents/incidents.module.js';
import { IngestModule } from './ingest/ingest.module.js';
import { LiveModule } from './live/live.module.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { NotifyModule } from './notify/notify.module.js';
import { ProblemsModule } from './problems/problems.module.js';
import { QueryModule } from './query/query.module.js';
import { RemoteWriteModule } from './remote-write/remote-write.module.js';
import { ReceiversModule } from './receivers/receivers.module.js';
import { CapacityReportModule, SlaReportModule } from './reports/reports.module.js';
import { RollupsModule } from './rollups/rollups.module.js';
import { MaintenanceService } from './sla/maintenance.service.js';
import { SlaModule } from './sla/sla.module.js';
import { SlaEvaluator } from './sla/sla-evaluator.js';
import { OpenApiModule } from './api/openapi.controller.js';
import { describeSharedRoutes } from './api-routes.js';

/** The whole collector: shared core plus every feature module. */
@Module({})
export class AppModule {
  static forRoot(core: CoreOptions): DynamicModule {
    describeSharedRoutes();
    return {
      module: AppModule,
      imports: [
        CoreModule.forRoot(core),
        AgentsModule,
        IngestModule,
        ReceiversModule,
        QueryModule,
        MetricsModule,
        HealthModule,
        RollupsModule,
        CapacityModule,
        SlaModule,
        SlaReportModule,
        CapacityReportModule,
        ChangesModule,
        ProblemsModule,
        NotifyModule,
        IncidentsModule.register({
          imports: [AgentsModule, SlaModule, CapacityModule],
          sources: { agents: AgentsService, burnRates: SlaEvaluator, exhaustion: CapacityService, maintenance: MaintenanceService },
        }),
        LiveModule,
        OpenApiModule,
        RemoteWriteModule,
        ConsoleModule,
      ],
    };
  }
}
