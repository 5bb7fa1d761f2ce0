// HTTP shapes. Definitions are returned in the collector.yaml shape (snake_case) so what GET
// returns can be PUT back; computed figures use snake_case too, ratios as fractions (0.999).
import { z } from 'zod';
import type { SlaFigures } from './domain/figures.js';
import type { MaintenanceModel, ServiceModel } from './sla.model.js';
import type { BurnSignal } from './sla.service.js';
import type { AuditEntry } from './sla.repository.js';

export const slaQuerySchema = z.strictObject({
  window: z.string().min(1).optional(),
  period: z.string().min(1).optional(),
});

export const reportQuerySchema = z.strictObject({
  period: z.string({ error: 'required, e.g. 2026-11' }).min(1, 'required, e.g. 2026-11'),
  format: z.enum(['json', 'csv', 'html']).default('json'),
  service: z.string().min(1).optional(),
});

export const deleteMaintenanceSchema = z.strictObject({
  reason: z.string().max(2000).optional(),
  created_by: z.string().max(200).optional(),
});

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
  if (f.outages)
    view.outages = f.outages.map((o) => ({
      start: iso(o.startMs),
      end: iso(o.endMs),
      minutes: o.minutes,
      unplanned_minutes: o.unplannedMinutes,
      planned_minutes: o.plannedMinutes,
    }));
  if (f.daily) view.daily = f.daily.map((d) => ({ date: d.date, availability: d.availability === null ? null : round(d.availability), coverage: d.coverage === null ? null : round(d.coverage), good: d.good, bad: d.bad, unknown: d.unknown, planned_downtime: d.plannedDown }));
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
