import { Module, type DynamicModule, type ModuleMetadata, type Provider } from '@nestjs/common';
import { CHANGE_INCIDENTS } from '../changes/changes.ports.js';
import { ChangesModule } from '../changes/changes.module.js';
import { CONFIG } from '../common/tokens.js';
import { NotifyModule } from '../notify/notify.module.js';
import { PROBLEM_INCIDENTS } from '../problems/problems.ports.js';
import { ProblemsModule } from '../problems/problems.module.js';
import { IncidentActions } from './incident-actions.service.js';
import { IncidentHistoryReader } from './incident-history.js';
import { IncidentRecorder } from './incident-recorder.js';
import { IncidentTransitions } from './incident-transitions.service.js';
import { IncidentUpkeep } from './incident-upkeep.service.js';
import type { IncidentsSettings } from './incidents.config.js';
import { IncidentsController, KpisController } from './incidents.controller.js';
import { IncidentsMetrics } from './incidents.metrics.js';
import { INCIDENT_HISTORY } from './incidents.ports.js';
import { IncidentsRepository } from './incidents.repository.js';
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
 * Rules and incident management: the rule engine and its timer, incident transitions, API actions,
 * upkeep and KPIs. Uses the ports of changes (CHANGE_RECORDS), problems (PROBLEM_RECORDS) and notify
 * (NOTIFICATION_QUEUE), and publishes 'incident' events on the collector bus.
 *
 * Global, so its exports reach modules it cannot import without a cycle; it exports ports only:
 * INCIDENT_HISTORY (SLA reports) and the ports changes and problems define for their incident
 * lists (CHANGE_INCIDENTS, PROBLEM_INCIDENTS). Each consumer injects them as optional.
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
      global: true,
      imports: [ChangesModule, ProblemsModule, NotifyModule, ...(options.imports ?? [])],
      controllers: [IncidentsController, KpisController],
      providers: [
        {
          provide: INCIDENTS_SETTINGS,
          useFactory: (config: { incidents: IncidentsSettings }): IncidentsSettings => config.incidents,
          inject: [CONFIG],
        },
        ...sources,
        IncidentsRepository,
        IncidentsMetrics,
        IncidentRecorder,
        IncidentTransitions,
        IncidentActions,
        IncidentUpkeep,
        RuleEvaluator,
        KpisService,
        IncidentHistoryReader,
        useExisting(INCIDENT_HISTORY, IncidentHistoryReader),
        useExisting(CHANGE_INCIDENTS, IncidentHistoryReader),
        useExisting(PROBLEM_INCIDENTS, IncidentHistoryReader),
      ],
      exports: [INCIDENT_HISTORY, CHANGE_INCIDENTS, PROBLEM_INCIDENTS],
    };
  }
}
