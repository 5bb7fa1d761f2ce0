// Monthly (or any period) SLA review report: objective vs achieved, coverage, downtime, budget,
// latency, outages and incidents per service, as JSON, CSV or a self-contained HTML page.
import { Inject, Injectable, Optional } from '@nestjs/common';
import { INCIDENT_HISTORY, type IncidentHistory } from '../incidents/incidents.ports.js';
import { incidentsForReportFrom } from './sla-report.incidents.js';
import { CLOCK, type Clock } from '../common/clock.js';
import { ServicesService } from '../sla/services.service.js';
import { SlaEvaluator } from '../sla/sla-evaluator.js';
import { figuresView, requireSla, reviewPeriodRange } from '../sla/sla.dto.js';
import type { ServiceModel } from '../sla/sla.model.js';
import type { IncidentsForReport, ReportIncident, ServiceReport, SlaReportModel } from './sla-report.types.js';
import { summaryLine } from './sla-report.text.js';
import { reportHtml } from './sla-report.html.js';
import { formatIso, formatIsoLocal, formatLocalRange, toCsv, type CsvCell, type RenderedReport, type ReportFormat } from './render/index.js';

export interface SlaReportRequest {
  /** A period such as 2026-11; without one, each service's current period (its `sla.period` kind). */
  period?: string | undefined;
  service?: string | undefined;
  format: ReportFormat;
}

@Injectable()
export class SlaReportService {
  private readonly incidents: IncidentsForReport | undefined;

  constructor(
    private readonly catalogue: ServicesService,
    private readonly evaluator: SlaEvaluator,
    @Inject(CLOCK) private readonly clock: Clock,
    /** The incidents module's port, when the application includes it (the CLI report boots without it: no incidents section). */
    @Optional() @Inject(INCIDENT_HISTORY) history?: IncidentHistory,
  ) {
    this.incidents = history && incidentsForReportFrom(history);
  }

  /** Whether the catalogue (configuration and API services in the database) has any service at all. */
  hasServices(): boolean {
    return this.catalogue.list().length > 0;
  }

  async build(period: string | undefined, serviceId?: string): Promise<SlaReportModel> {
    const now = this.clock.now();
    let targets: ServiceModel[];
    if (serviceId !== undefined) {
      const svc = this.catalogue.get(serviceId);
      requireSla(svc);
      targets = [svc];
    } else targets = this.catalogue.list().filter((s) => s.sla);
    const services: ServiceReport[] = [];
    for (const svc of targets) {
      const range = reviewPeriodRange(period, svc.sla!, now);
      const figures = await this.evaluator.figures(svc, range, { outages: true, daily: true });
      const report: ServiceReport = { service: svc, figures };
      if (this.incidents) report.incidents = await this.incidents.incidentsForReport({ services: [svc.id], fromMs: range.startMs, toMs: range.endMs });
      services.push(report);
    }
    const unmeasured = serviceId !== undefined ? [] : this.catalogue.list().filter((s) => !s.sla).map((s) => s.id);
    return { period, generatedAtMs: now, services, unmeasured, incidentsAvailable: this.incidents !== undefined };
  }

  /** What the API and the CLI (`vigil-collector report sla`) call. */
  async renderSlaReport(request: SlaReportRequest): Promise<RenderedReport> {
    const model = await this.build(request.period, request.service);
    switch (request.format) {
      case 'json':
        return { contentType: 'application/json; charset=utf-8', body: JSON.stringify(reportJson(model), null, 2) + '\n' };
      case 'csv':
        return { contentType: 'text/csv; charset=utf-8', body: reportCsv(model) };
      case 'html':
        return { contentType: 'text/html; charset=utf-8', body: reportHtml(model) };
    }
  }
}

function incidentView(i: ReportIncident): Record<string, unknown> {
  return {
    id: i.id,
    title: i.title,
    service: i.service ?? null,
    severity: i.severity ?? null,
    status: i.status ?? null,
    opened_at: formatIso(i.openedAtMs),
    resolved_at: i.resolvedAtMs === undefined ? null : formatIso(i.resolvedAtMs),
    url: i.url ?? null,
  };
}

/** ISO instants as in the API, plus the summary line and the period in the SLA's local time. */
export function reportJson(model: SlaReportModel): Record<string, unknown> {
  return {
    report: 'sla',
    period: model.period ?? 'current',
    generated_at: formatIso(model.generatedAtMs),
    services: model.services.map((r) => ({
      name: r.service.definition.name,
      owner: r.service.definition.owner ?? null,
      tier: r.service.definition.tier ?? null,
      ...figuresView(r.service.id, r.figures),
      summary: summaryLine(r.service, r.figures),
      period_local: formatLocalRange(r.figures.range.startMs, r.figures.range.endMs, r.figures.zone),
      ...(r.incidents ? { incidents: r.incidents.map(incidentView) } : {}),
    })),
    unmeasured_services: model.unmeasured,
  };
}

/** Columns are a contract: new ones go at the end. */
const CSV_HEADERS = [
  'record', 'service', 'name', 'owner', 'period', 'timezone', 'objective', 'availability', 'breach',
  'service_hours_minutes', 'good_minutes', 'unplanned_downtime_minutes', 'planned_downtime_minutes', 'unknown_minutes',
  'error_budget_minutes', 'error_budget_consumed_ratio', 'latency_target', 'latency_attainment',
  'start', 'end', 'duration_minutes', 'detail', 'coverage', 'status',
];

/**
 * One table: a `service` row per service, then its `outage` and `incident` rows. `start` and `end`
 * are ISO-8601 in the SLA's zone with its offset (the same instants, readable as local time).
 */
export function reportCsv(model: SlaReportModel): string {
  const rows: CsvCell[][] = [];
  for (const r of model.services) {
    const f = r.figures;
    const c = f.counts;
    const at = (ms: number) => formatIsoLocal(ms, f.zone);
    const base = [r.service.id, r.service.definition.name, r.service.definition.owner ?? '', f.range.label, f.zone];
    rows.push([
      'service', ...base, f.objective, f.availability, f.met === null ? '' : !f.met,
      c.serviceMinutes, c.good, c.bad, c.plannedDown, c.unknown,
      round(f.errorBudget.totalMinutes), round(f.errorBudget.consumedRatio), f.latency?.target ?? '', f.latency?.attainment ?? '',
      at(f.range.startMs), at(f.range.endMs), '', '', f.coverage === null ? '' : round(f.coverage), f.status,
    ]);
    for (const o of f.outages ?? [])
      rows.push(['outage', ...base, '', '', '', '', '', o.unplannedMinutes, o.plannedMinutes, '', '', '', '', '', at(o.startMs), at(o.endMs), o.minutes, '', '', '']);
    for (const i of r.incidents ?? [])
      rows.push([
        'incident', ...base, '', '', '', '', '', '', '', '', '', '', '', '',
        at(i.openedAtMs), i.resolvedAtMs === undefined ? '' : at(i.resolvedAtMs),
        i.resolvedAtMs === undefined ? '' : Math.round((i.resolvedAtMs - i.openedAtMs) / 60_000), `${i.id}: ${i.title}`, '', '',
      ]);
  }
  return toCsv(CSV_HEADERS, rows);
}

const round = (v: number) => Math.round(v * 1e6) / 1e6;
