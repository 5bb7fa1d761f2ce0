import { Module, type DynamicModule, type ModuleMetadata, type Provider } from '@nestjs/common';
import { CONFIG } from '../common/tokens.js';
import { ChangesController } from '../changes/changes.controller.js';
import { ChangesRepository } from '../changes/changes.repository.js';
import { ChangesService } from '../changes/changes.service.js';
import { LiveFeed } from '../live/live-feed.js';
import { NotifyService } from '../notify/notify.service.js';
import { OutboxRepository } from '../notify/outbox.repository.js';
import { ProblemsController } from '../problems/problems.controller.js';
import { ProblemsRepository } from '../problems/problems.repository.js';
import { ProblemsService } from '../problems/problems.service.js';
import type { CollectorConfig } from '../config/config.schema.js';
import type { IncidentsSettings } from './incidents.config.js';
import { IncidentsController, KpisController } from './incidents.controller.js';
import { IncidentsMetrics } from './incidents.metrics.js';
import { IncidentsRepository } from './incidents.repository.js';
import { IncidentsService } from './incidents.service.js';
import {
  AGENT_DIRECTORY,
  BURN_RATE_SOURCE,
  EXHAUSTION_SOURCE,
  MAINTENANCE_SOURCE,
  type AgentDirectory,
  type BurnRateSource,
  type ExhaustionSource,
  type MaintenanceSource,
} from './incidents.sources.js';
import { INCIDENTS_SETTINGS } from './incidents.tokens.js';
import { KpisService } from './kpis.service.js';
import { RuleEvaluator } from './rule-evaluator.service.js';

/**
 * A provider already offered by an imported module: a class (type-checked against the interface it
 * must satisfy, so a drifting service breaks the build rather than silently never firing) or a token.
 */
type Source<T> = string | symbol | (abstract new (...args: never[]) => T);

function useExisting(provide: symbol, existing: Source<unknown>): Provider {
  return { provide, useExisting: existing } as Provider;
}

export interface IncidentsModuleOptions {
  /** Modules exporting the services named in `sources`. */
  imports?: ModuleMetadata['imports'];
  /** Existing providers (classes or tokens) bound to the incident sources; each is optional. */
  sources?: {
    /** Agent registry with list(): AgentsService. */
    agents?: Source<AgentDirectory>;
    /** SLA burn-rate signals and error budgets: SlaService. */
    burnRates?: Source<BurnRateSource>;
    /** Capacity forecasts: exhaustionSignals(withinDays). */
    exhaustion?: Source<ExhaustionSource>;
    /** Maintenance windows: MaintenanceService (list()). */
    maintenance?: Source<MaintenanceSource>;
  };
}

/**
 * Incident, change and problem management, notifications and the live feed. Rules and notifiers come
 * from the validated config (`rules`, `notifiers`, `incidents`).
 */
@Module({})
export class IncidentsModule {
  static register(options: IncidentsModuleOptions = {}): DynamicModule {
    const s = options.sources ?? {};
    const sources: Provider[] = [];
    if (s.agents) sources.push(useExisting(AGENT_DIRECTORY, s.agents));
    if (s.burnRates) sources.push(useExisting(BURN_RATE_SOURCE, s.burnRates));
    if (s.exhaustion) sources.push(useExisting(EXHAUSTION_SOURCE, s.exhaustion));
    if (s.maintenance) sources.push(useExisting(MAINTENANCE_SOURCE, s.maintenance));
    return {
      module: IncidentsModule,
      imports: options.imports ?? [],
      controllers: [IncidentsController, KpisController, ChangesController, ProblemsController],
      providers: [
        {
          provide: INCIDENTS_SETTINGS,
          useFactory: (config: CollectorConfig): IncidentsSettings => config.incidents,
          inject: [CONFIG],
        },
        ...sources,
        IncidentsRepository,
        ChangesRepository,
        ProblemsRepository,
        OutboxRepository,
        IncidentsMetrics,
        NotifyService,
        IncidentsService,
        RuleEvaluator,
        KpisService,
        ChangesService,
        ProblemsService,
        LiveFeed,
      ],
      exports: [IncidentsService, RuleEvaluator, LiveFeed, ChangesService, ProblemsService, NotifyService],
    };
  }
}
