// HTTP shapes. Definitions are returned in the collector.yaml shape (snake_case) so what GET
// returns can be PUT back; computed figures use snake_case too, ratios as fractions (0.999).
import { BadRequestException } from '@nestjs/common';
import { z } from 'zod';
import type { DailyFigure, SlaFigures } from './domain/figures.js';
import { PERIOD_KINDS, parsePeriod, parseRollingWindow, periodContaining, periodId, rollingRange, type PeriodKind, type SlaRange } from './domain/periods.js';
import type { MaintenanceModel, ServiceModel, SlaModel } from './sla.model.js';
import type { BurnSignal } from './sla-evaluator.js';
import type { AuditEntry } from './audit.js';

export const slaQuerySchema = z.strictObject({
  window: z.string().min(1).optional(),
  period: z.string().min(1).optional(),
});

export const deleteMaintenanceSchema = z.strictObject({
  reason: z.string().max(2000).optional(),
  created_by: z.string().max(200).optional(),
});

function badRequest(field: string, message: string): BadRequestException {
  return new BadRequestException({ error: 'invalid request', issues: [`${field}: ${message}`] });
}

/** The service's SLA; a 400 naming the service when it has none. */
export function requireSla(svc: ServiceModel): NonNullable<ServiceModel['sla']> {
  if (!svc.sla) throw badRequest('service', `service ${JSON.stringify(svc.id)} has no sla section`);
  return svc.sla;
}

/** A period such as 2026-11 in the service's time zone; a 400 naming `period` when it does not parse. */
export function periodRange(period: string, zone: string, nowMs: number): SlaRange {
  const range = parsePeriod(period, zone, nowMs);
  if (!range) throw badRequest('period', `invalid period ${JSON.stringify(period)} (use e.g. 2026-11, 2026-Q4, 2026-W45, 2026-11-03 or 2026)`);
  return range;
}

/**
 * The period of a service review: the one named (400 when it does not parse) or, when none is given,
 * the current period of the SLA's own kind (`sla.period`: month, week, …) in its zone, labelled by
 * its identifier ("2026-12", "2026-W49") so the figures say which period they cover.
 */
export function reviewPeriodRange(period: string | undefined, sla: Pick<SlaModel, 'period' | 'zone'>, nowMs: number): SlaRange {
  if (period !== undefined) return periodRange(period, sla.zone, nowMs);
  return periodContaining(sla.period, sla.zone, nowMs, periodId(sla.period, sla.zone, nowMs));
}

/** Resolves `window=30d` or `period=2026-11` of a service's SLA query; 400 when neither parses. */
export function resolveSlaRange(svc: ServiceModel, query: z.infer<typeof slaQuerySchema>, nowMs: number): SlaRange {
  const sla = requireSla(svc);
  if (query.window !== undefined && query.period !== undefined) throw badRequest('window', 'give either window or period, not both');
  if (query.period !== undefined) return periodRange(query.period, sla.zone, nowMs);
  const text = query.window ?? sla.windows[0]?.label ?? '30d';
  if ((PERIOD_KINDS as readonly string[]).includes(text)) return periodContaining(text as PeriodKind, sla.zone, nowMs, text);
  const minutes = parseRollingWindow(text);
  if (minutes === undefined || minutes > 400 * 1440) throw badRequest('window', `invalid window ${JSON.stringify(text)} (use e.g. 7d, 30d, 1h, or month)`);
  return rollingRange(text, minutes, nowMs);
}

const iso = (ms: number) => new Date(ms).toISOString();
const round = (v: number, digits = 9) => Math.round(v * 10 ** digits) / 10 ** digits;

export function serviceView(svc: ServiceModel, problems: string[]): Record<string, unknown> {
  return { ...svc.definition, source: svc.source, problems };
}

export function maintenanceView(w: MaintenanceModel, audit?: AuditEntry[]): Record<string, unknown> {
  const view: Record<string, unknown> = {
    ...w.definition,
    timezone: w.window.timezone,
    source: w.source,
    retroactive: w.retroactive,
  };
  if (w.createdMs !== undefined) view.created_at = iso(w.createdMs);
  if (w.updatedMs !== undefined) view.updated_at = iso(w.updatedMs);
  if (w.createdBy !== undefined) view.created_by = w.createdBy;
  if (audit)
    view.audit = audit.map((a) => ({
      action: a.action,
      at: iso(a.at_ms),
      actor: a.actor,
      token: a.token,
      reason: a.reason,
      retroactive: a.retroactive === 1,
    }));
  return view;
}

/** One local day of a service's figures as the API shows it (SLA figures, the console's uptime bars). */
export interface DailyView {
  date: string;
  availability: number | null;
  /** Measured minutes over counted minutes of the day; null when none was counted. */
  coverage: number | null;
  good: number;
  bad: number;
  unknown: number;
  planned_downtime: number;
}

export function dailyView(d: DailyFigure): DailyView {
  return {
    date: d.date,
    availability: d.availability === null ? null : round(d.availability),
    coverage: d.coverage === null ? null : round(d.coverage),
    good: d.good,
    bad: d.bad,
    unknown: d.unknown,
    planned_downtime: d.plannedDown,
  };
}

export function figuresView(service: string, f: SlaFigures): Record<string, unknown> {
  const c = f.counts;
  const view: Record<string, unknown> = {
    service,
    window: f.range.label,
    kind: f.range.kind,
    from: iso(f.range.startMs),
    to: iso(f.range.endMs),
    evaluated_to: iso(f.range.evaluatedToMs),
    timezone: f.zone,
    objective: f.objective,
    availability: f.availability === null ? null : round(f.availability),
    coverage: f.coverage === null ? null : round(f.coverage),
    status: f.status,
    unknown_policy: f.unknownPolicy,
    met: f.met,
    breach: f.met === null ? null : !f.met,
    minutes: {
      service_hours: c.serviceMinutes,
      counted: c.good + c.bad + c.unknown,
      good: c.good,
      bad: c.bad,
      unknown: c.unknown,
      planned_maintenance: c.plannedMinutes,
      planned_downtime: c.plannedDown,
      unplanned_downtime: c.bad,
    },
    error_budget: {
      total_minutes: round(f.errorBudget.totalMinutes, 6),
      consumed_minutes: f.errorBudget.consumedMinutes,
      remaining_minutes: round(f.errorBudget.remainingMinutes, 6),
      consumed_ratio: round(f.errorBudget.consumedRatio),
      remaining_ratio: round(f.errorBudget.remainingRatio),
    },
    latency: f.latency
      ? {
          threshold_ms: round(f.latency.thresholdSeconds * 1000, 3),
          target: f.latency.target,
          attainment: f.latency.attainment === null ? null : round(f.latency.attainment),
          fast_results: c.latencyGood,
          results: c.latencyTotal,
          met: f.latency.met,
        }
      : null,
  };
  if (f.events) view.events = { good: f.events.good, total: f.events.total };
  if (f.outages)
    view.outages = f.outages.map((o) => ({
      start: iso(o.startMs),
      end: iso(o.endMs),
      minutes: o.minutes,
      unplanned_minutes: o.unplannedMinutes,
      planned_minutes: o.plannedMinutes,
    }));
  if (f.daily) view.daily = f.daily.map(dailyView);
  return view;
}

export function burnSignalView(s: BurnSignal): Record<string, unknown> {
  return {
    service: s.service,
    severity: s.severity,
    long_window: s.longWindow,
    short_window: s.shortWindow,
    long_rate: round(s.longRate, 6),
    short_rate: round(s.shortRate, 6),
    factor: s.factor,
    firing: s.firing,
    ...(s.firingSinceMs !== undefined ? { firing_since: iso(s.firingSinceMs) } : {}),
  };
}
