// Monthly (or any period) SLA review report: objective vs achieved, downtime, budget, latency,
// outages and incidents per service, as JSON, CSV or a self-contained HTML page.
import { Inject, Injectable, Optional } from '@nestjs/common';
import { INCIDENT_HISTORY, type IncidentHistory } from '../incidents/incidents.ports.js';
import { incidentsForReportFrom } from './sla-report.incidents.js';
import { CLOCK, type Clock } from '../common/clock.js';
import { ServicesService } from '../sla/services.service.js';
import { SlaEvaluator } from '../sla/sla-evaluator.js';
import { figuresView, periodRange, requireSla } from '../sla/sla.dto.js';
import type { SlaFigures } from '../sla/domain/figures.js';
import type { ServiceModel } from '../sla/sla.model.js';
import { type IncidentsForReport, type ReportIncident } from './sla-report.types.js';
import { formatIso, formatMinutes, formatPercent, html, htmlPage, htmlTable, Html, svgChart, toCsv, type CsvCell, type RenderedReport, type ReportFormat } from './render/index.js';

export interface SlaReportRequest {
  period: string;
  service?: string | undefined;
  format: ReportFormat;
}

export interface ServiceReport {
  service: ServiceModel;
  figures: SlaFigures;
  incidents?: ReportIncident[];
}

export interface SlaReportModel {
  period: string;
  generatedAtMs: number;
  services: ServiceReport[];
  /** Services in the catalogue without an SLA (listed, not measured). */
  unmeasured: string[];
  incidentsAvailable: boolean;
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

  async build(period: string, serviceId?: string): Promise<SlaReportModel> {
    const now = this.clock.now();
    let targets: ServiceModel[];
    if (serviceId !== undefined) {
      const svc = this.catalogue.get(serviceId);
      requireSla(svc);
      targets = [svc];
    } else targets = this.catalogue.list().filter((s) => s.sla);
    const services: ServiceReport[] = [];
    for (const svc of targets) {
      const range = periodRange(period, svc.sla!.zone, now);
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

export function reportJson(model: SlaReportModel): Record<string, unknown> {
  return {
    report: 'sla',
    period: model.period,
    generated_at: formatIso(model.generatedAtMs),
    services: model.services.map((r) => ({
      name: r.service.definition.name,
      owner: r.service.definition.owner ?? null,
      tier: r.service.definition.tier ?? null,
      ...figuresView(r.service.id, r.figures),
      ...(r.incidents ? { incidents: r.incidents.map(incidentView) } : {}),
    })),
    unmeasured_services: model.unmeasured,
  };
}

const CSV_HEADERS = [
  'record', 'service', 'name', 'owner', 'period', 'timezone', 'objective', 'availability', 'breach',
  'service_hours_minutes', 'good_minutes', 'unplanned_downtime_minutes', 'planned_downtime_minutes', 'unknown_minutes',
  'error_budget_minutes', 'error_budget_consumed_ratio', 'latency_target', 'latency_attainment',
  'start', 'end', 'duration_minutes', 'detail',
];

/** One table: a `service` row per service, then its `outage` and `incident` rows. */
export function reportCsv(model: SlaReportModel): string {
  const rows: CsvCell[][] = [];
  for (const r of model.services) {
    const f = r.figures;
    const c = f.counts;
    const base = [r.service.id, r.service.definition.name, r.service.definition.owner ?? '', model.period, f.zone];
    rows.push([
      'service', ...base, f.objective, f.availability, f.met === null ? '' : !f.met,
      c.serviceMinutes, c.good, c.bad, c.plannedDown, c.unknown,
      round(f.errorBudget.totalMinutes), round(f.errorBudget.consumedRatio), f.latency?.target ?? '', f.latency?.attainment ?? '',
      formatIso(f.range.startMs), formatIso(f.range.endMs), '', '',
    ]);
    for (const o of f.outages ?? [])
      rows.push(['outage', ...base, '', '', '', '', '', o.unplannedMinutes, o.plannedMinutes, '', '', '', '', '', formatIso(o.startMs), formatIso(o.endMs), o.minutes, '']);
    for (const i of r.incidents ?? [])
      rows.push([
        'incident', ...base, '', '', '', '', '', '', '', '', '', '', '', '',
        formatIso(i.openedAtMs), i.resolvedAtMs === undefined ? '' : formatIso(i.resolvedAtMs),
        i.resolvedAtMs === undefined ? '' : Math.round((i.resolvedAtMs - i.openedAtMs) / 60_000), `${i.id}: ${i.title}`,
      ]);
  }
  return toCsv(CSV_HEADERS, rows);
}

const round = (v: number) => Math.round(v * 1e6) / 1e6;

export function reportHtml(model: SlaReportModel): string {
  const summary = htmlTable(
    ['Service', 'Objective', 'Achieved', 'Result', 'Unplanned', 'Planned', 'Unknown', 'Budget used', 'Latency'],
    model.services.map((r) => {
      const f = r.figures;
      return [
        html`<a href="#svc-${r.service.id}">${r.service.definition.name}</a> <span class="muted">(${r.service.id})</span>`,
        formatPercent(f.objective),
        formatPercent(f.availability),
        verdict(f.met),
        formatMinutes(f.counts.bad),
        formatMinutes(f.counts.plannedDown),
        formatMinutes(f.counts.unknown),
        formatPercent(f.errorBudget.consumedRatio, 1),
        f.latency ? html`${formatPercent(f.latency.attainment, 2)} / ${formatPercent(f.latency.target, 1)}` : '—',
      ];
    }),
    [1, 2, 4, 5, 6, 7],
  );
  const sections = model.services.map((r) => serviceSection(r, model.incidentsAvailable));
  const body = html`<h1>SLA review ${model.period}</h1>
<p class="meta">Generated ${formatIso(model.generatedAtMs)} by Vigil. Availability = good / (good + bad) minutes inside service hours and outside planned maintenance; minutes without data are reported as unknown and not counted.</p>
<h2>Summary</h2>
${model.services.length ? summary : html`<p>No service with an SLA.</p>`}
${model.unmeasured.length ? html`<p class="muted">Without SLA (not measured): ${model.unmeasured.join(', ')}</p>` : ''}
${sections}`;
  return htmlPage({ title: `SLA review ${model.period}`, body, generatedAt: formatIso(model.generatedAtMs) });
}

function verdict(met: boolean | null): Html {
  if (met === null) return html`<span class="muted">no data</span>`;
  return met ? html`<span class="ok">met</span>` : html`<span class="bad">breached</span>`;
}

function serviceSection(r: ServiceReport, incidentsAvailable: boolean): Html {
  const f = r.figures;
  const d = r.service.definition;
  const c = f.counts;
  const daily = f.daily ?? [];
  const values = daily.map((x) => x.availability);
  const measured = values.filter((v): v is number => v !== null);
  const lowest = Math.min(f.objective, ...measured);
  // Zoom the y axis on the interesting band: from a bit below the worst day (or the objective) to 100 %.
  const yMin = Math.max(0, Math.floor((lowest - (1 - lowest) * 0.5) * 1000) / 1000);
  const chart = svgChart({
    title: 'Daily availability',
    labels: daily.map((x) => x.date.slice(5)),
    series: [{ name: 'availability', kind: 'bar', values, colorOf: (v) => (v < f.objective ? '#c62828' : '#1a7f37') }],
    thresholds: [{ value: f.objective, label: `objective ${formatPercent(f.objective)}` }],
    yMin: Math.min(yMin, f.objective - 0.0005),
    yMax: 1,
    yFormat: (v) => formatPercent(v, 2),
    maxXLabels: 16,
  });
  const figures = htmlTable(
    ['Figure', 'Value'],
    [
      ['Period', `${formatIso(f.range.startMs)} – ${formatIso(f.range.endMs)} (${f.zone})`],
      ['Evaluated up to', formatIso(f.range.evaluatedToMs)],
      ['Objective', formatPercent(f.objective)],
      ['Achieved availability', formatPercent(f.availability)],
      ['Result', verdict(f.met)],
      ['Service-hours minutes', c.serviceMinutes],
      ['Good / bad / unknown minutes', `${c.good} / ${c.bad} / ${c.unknown}`],
      ['Unplanned downtime', formatMinutes(c.bad)],
      ['Planned downtime (in maintenance)', `${formatMinutes(c.plannedDown)} of ${formatMinutes(c.plannedMinutes)} maintenance`],
      ['Error budget', `${f.errorBudget.totalMinutes.toFixed(1)} min, consumed ${f.errorBudget.consumedMinutes} min (${formatPercent(f.errorBudget.consumedRatio, 1)})`],
      ...(f.latency
        ? [['Latency', `${formatPercent(f.latency.attainment, 2)} of ${c.latencyTotal} results ≤ ${Math.round(f.latency.thresholdSeconds * 1000)} ms (target ${formatPercent(f.latency.target, 1)})`]]
        : []),
    ],
  );
  const outages = f.outages ?? [];
  const outageTable = outages.length
    ? htmlTable(
        ['Start', 'End', 'Duration', 'Unplanned', 'Planned'],
        outages.map((o) => [formatIso(o.startMs), formatIso(o.endMs), formatMinutes(o.minutes), formatMinutes(o.unplannedMinutes), formatMinutes(o.plannedMinutes)]),
        [2, 3, 4],
      )
    : html`<p class="muted">No outage.</p>`;
  const incidents = r.incidents;
  const incidentBlock =
    incidentsAvailable && incidents
      ? html`<h3>Incidents</h3>${incidents.length
          ? htmlTable(
              ['Id', 'Title', 'Severity', 'Status', 'Opened', 'Resolved'],
              incidents.map((i) => [i.id, i.title, i.severity ?? '', i.status ?? '', formatIso(i.openedAtMs), i.resolvedAtMs === undefined ? '' : formatIso(i.resolvedAtMs)]),
            )
          : html`<p class="muted">No incident.</p>`}`
      : '';
  return html`<h2 id="svc-${r.service.id}">${d.name} <span class="muted">(${r.service.id})</span></h2>
<p class="meta">Owner: ${d.owner ?? '—'}${d.tier !== undefined ? html` · Tier: ${d.tier}` : ''}${d.description ? html` · ${d.description}` : ''}</p>
${figures}
${chart}
<h3>Outages</h3>
${outageTable}
${incidentBlock}`;
}
