// What the incidents module consumes from other features. Each is optional: without it the
// corresponding built-in rules never fire and maintenance never suppresses. The providing modules
// bind their services to these tokens (see IncidentsModule.register); the shapes are what those
// services already offer, so no adapter sits in between.
import type { MaintenanceDefinition } from '../sla/domain/maintenance.js';
import type { SlaEvaluator } from '../sla/sla-evaluator.js';

/** The agent registry (AgentsService). */
export interface AgentDirectory {
  list(): ReadonlyArray<{ id: string; hostname: string; connected: boolean; lastSeen: number; intervalMs: number }>;
}

/** The SLA engine's multi-window burn-rate alerts and error budgets: SlaEvaluator as it is. */
export type BurnRateSource = Pick<SlaEvaluator, 'burnRateSignals' | 'errorBudgetStates'>;
export type { BurnSignal as BurnRateSignal, BudgetState as ErrorBudgetState } from '../sla/sla-evaluator.js';

/** A resource forecast to run out within the asked horizon. */
export interface ExhaustionSignal {
  /** Human name of the resource, e.g. "/ on web-1". */
  resource: string;
  /** Identifying labels (metric, host, mountpoint, ...); the condition's identity. */
  labels: Record<string, string>;
  service?: string;
  daysLeft: number;
}

export interface ExhaustionSource {
  exhaustionSignals(withinDays: number): readonly ExhaustionSignal[] | Promise<readonly ExhaustionSignal[]>;
}

/** Maintenance windows (MaintenanceService): each window's services and its expanded intervals. */
export interface MaintenanceSource {
  list(): ReadonlyArray<{ id: string; window: MaintenanceDefinition }>;
}

export const AGENT_DIRECTORY = Symbol('AgentDirectory');
export const BURN_RATE_SOURCE = Symbol('BurnRateSource');
export const EXHAUSTION_SOURCE = Symbol('ExhaustionSource');
export const MAINTENANCE_SOURCE = Symbol('MaintenanceSource');
