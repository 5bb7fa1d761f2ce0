import { Module, type DynamicModule } from '@nestjs/common';
import { CoreModule, type CoreOptions } from './core/core.module.js';
import { AgentsModule } from './agents/agents.module.js';
import { HealthModule } from './health/health.module.js';
import { IngestModule } from './ingest/ingest.module.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { QueryModule } from './query/query.module.js';

/** The whole collector: shared core plus every feature module. */
@Module({})
export class AppModule {
  static forRoot(core: CoreOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [CoreModule.forRoot(core), AgentsModule, IngestModule, QueryModule, MetricsModule, HealthModule],
    };
  }
}
