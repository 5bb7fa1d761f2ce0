// Runtime models compiled from validated definitions (config or API): parsed schedules, ms
// durations, ratio objectives. Compiling never fails for input that passed the schemas.
import { DateTime } from 'luxon';
import { parseDuration } from '@vigil/proto';
import { parseRollingWindow, type PeriodKind } from './domain/periods.js';
import { parseWeeklySchedule, type WeeklySchedule } from './domain/weekly-schedule.js';
import type { MaintenanceDefinition, MaintenanceTiming } from './domain/maintenance.js';
import type { Quorum } from './domain/minute-state.js';
import type { SlaObjectives } from './domain/figures.js';
import type { UnknownPolicy } from './domain/verdict.js';
import type { MaintenanceWindowConfig, ServiceDefinition, SlaSettings, SliDefinition } from './sla.config.js';
import { parseSeriesSelector, type SeriesSelector } from './domain/sli-selector.js';

export type Source = 'config' | 'api';

export interface SlaModel {
  /** Availability objective as a ratio (99.9 → 0.999). */
  objective: number;
  latency?: { thresholdSeconds: number; target: number };
  windows: { label: string; minutes: number }[];
  period: PeriodKind;
  zone: string;
  hours: WeeklySchedule;
  quorum: Quorum;
  requireAllProbes: boolean;
  unknownPolicy: UnknownPolicy;
  minCoverage: number;
  /** Measured from request metrics (events) instead of probes. */
  sli?: SliModel;
}

/** An SLI on metrics with its selectors parsed. */
export type SliModel =
  | { type: 'ratio'; good: SeriesSelector; total: SeriesSelector }
  | { type: 'latency'; histogram: SeriesSelector; thresholdSeconds: number };

export interface ServiceModel {
  id: string;
  definition: ServiceDefinition;
  source: Source;
  probes: string[];
  agents?: ReadonlySet<string>;
  hosts?: ReadonlySet<string>;
  sla?: SlaModel;
}

export interface MaintenanceModel {
  id: string;
  definition: MaintenanceWindowConfig;
  source: Source;
  window: MaintenanceDefinition;
  retroactive: boolean;
  createdBy?: string;
  createdMs?: number;
  updatedMs?: number;
}

export function compileService(definition: ServiceDefinition, source: Source, settings: SlaSettings): ServiceModel {
  const model: ServiceModel = { id: definition.id, definition, source, probes: [...(definition.probes ?? [])] };
  if (definition.agents) model.agents = new Set(definition.agents);
  if (definition.hosts) model.hosts = new Set(definition.hosts);
  const sla = definition.sla;
  if (sla) {
    model.sla = {
      // toPrecision: 99.9 / 100 is 0.9990000000000001 in binary floating point.
      objective: percentToRatio(sla.availability),
      windows: sla.windows.map((label) => ({ label, minutes: parseRollingWindow(label)! })),
      period: sla.period as PeriodKind,
      zone: sla.timezone ?? settings.timezone,
      hours: parseWeeklySchedule(sla.service_hours),
      quorum: sla.quorum,
      requireAllProbes: sla.require_all_probes,
      unknownPolicy: sla.unknown,
      minCoverage: sla.min_coverage ?? settings.min_coverage,
    };
    if (sla.sli) model.sla.sli = compileSli(sla.sli);
    if (sla.latency) model.sla.latency = { thresholdSeconds: parseDuration(sla.latency.threshold)! / 1000, target: percentToRatio(sla.latency.target) };
  }
  return model;
}

/** What the figure assembler needs of a service's SLA. */
export function objectivesOf(sla: SlaModel): SlaObjectives {
  const objectives: SlaObjectives = { objective: sla.objective, zone: sla.zone, unknownPolicy: sla.unknownPolicy, minCoverage: sla.minCoverage };
  if (sla.latency) objectives.latency = sla.latency;
  if (sla.sli) objectives.eventBased = true;
  return objectives;
}

function compileSli(sli: SliDefinition): SliModel {
  return sli.type === 'ratio'
    ? { type: 'ratio', good: parseSeriesSelector(sli.good), total: parseSeriesSelector(sli.total) }
    : { type: 'latency', histogram: parseSeriesSelector(sli.histogram), thresholdSeconds: parseDuration(sli.threshold)! / 1000 };
}

/** An instant from config/API text: with an offset as written, without one in `zone`. */
export function parseInstant(text: string, zone: string): number {
  return DateTime.fromISO(text, { zone }).toMillis();
}

export function compileMaintenance(
  definition: MaintenanceWindowConfig,
  source: Source,
  settings: SlaSettings,
  meta: { retroactive?: boolean; createdBy?: string; createdMs?: number; updatedMs?: number } = {},
): MaintenanceModel {
  const zone = definition.timezone ?? settings.timezone;
  let timing: MaintenanceTiming;
  if (definition.start !== undefined && definition.end !== undefined) {
    timing = { kind: 'once', startMs: parseInstant(definition.start, zone), endMs: parseInstant(definition.end, zone) };
  } else if (definition.schedule !== undefined) {
    timing = { kind: 'cron', schedule: definition.schedule, durationMs: parseDuration(definition.duration!)! };
  } else {
    timing = { kind: 'weekly', weekly: parseWeeklySchedule(definition.weekly!) };
  }
  const window: MaintenanceDefinition = { id: definition.id, services: [...definition.services], timing, timezone: zone };
  if (definition.valid_from !== undefined) window.validFromMs = parseInstant(definition.valid_from, zone);
  if (definition.valid_until !== undefined) window.validUntilMs = parseInstant(definition.valid_until, zone);
  const model: MaintenanceModel = { id: definition.id, definition, source, window, retroactive: meta.retroactive ?? false };
  if (meta.createdBy !== undefined) model.createdBy = meta.createdBy;
  if (meta.createdMs !== undefined) model.createdMs = meta.createdMs;
  if (meta.updatedMs !== undefined) model.updatedMs = meta.updatedMs;
  return model;
}

export function percentToRatio(percent: number): number {
  return Number((percent / 100).toPrecision(12));
}
