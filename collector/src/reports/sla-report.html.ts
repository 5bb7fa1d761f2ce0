// The SLA report as one self-contained HTML page: a summary line per service, a summary table, then
// per service its figures, daily chart, outages and incidents. Times are wall-clock times in the
// SLA's zone with the offset.
import type { DailyFigure, SlaFigures } from '../sla/domain/figures.js';
import type { ServiceReport, SlaReportModel } from './sla-report.types.js';
import { summaryLine, verdictParts } from './sla-report.text.js';
import {
  decimalsOf, formatAchieved, formatLocal, formatLocalRange, formatLocalShort, formatMinutes, formatObjective, formatPercent, formatShare,
  html, htmlPage, htmlTable, Html, svgChart,
} from './render/index.js';

const COLORS = { met: '#1a7f37', below: '#c62828', lowCoverage: '#8c959f' };

/** The zone all services share (the page's times are then in it), else UTC. */
function pageZone(model: SlaReportModel): string {
  const zones = new Set(model.services.map((r) => r.figures.zone));
  return zones.size === 1 ? [...zones][0]! : 'UTC';
}

export function reportHtml(model: SlaReportModel): string {
  const periodTitle = model.period ?? 'current period';
  const zone = pageZone(model);
  // A named period is the same for every service; the current one may differ (month, week, …).
  const periodColumn = model.period === undefined;
  const summary = htmlTable(
    ['Service', ...(periodColumn ? ['Period'] : []), 'Objective', 'Achieved', 'Coverage', 'Result', 'Unplanned', 'Planned', 'Unknown', 'Budget used', 'Latency'],
    model.services.map((r) => {
      const f = r.figures;
      return [
        html`<a href="#svc-${r.service.id}">${r.service.definition.name}</a> <span class="muted">(${r.service.id})</span>`,
        ...(periodColumn ? [f.range.label] : []),
        formatObjective(f.objective),
        formatAchieved(f.availability, f.objective, 3),
        f.coverage === null ? 'n/a' : formatShare(f.coverage),
        verdict(r),
        formatMinutes(f.counts.bad),
        formatMinutes(f.counts.plannedDown),
        formatMinutes(f.counts.unknown),
        formatPercent(f.errorBudget.consumedRatio, 1),
        f.latency ? html`${formatPercent(f.latency.attainment, 2)} / ${formatPercent(f.latency.target, 1)}` : '—',
      ];
    }),
    // Numeric columns: Objective … Budget used except Result (one to the left without Period).
    [2, 3, 4, 6, 7, 8, 9].map((i) => (periodColumn ? i : i - 1)),
  );
  const lines = model.services.map((r) => html`<li class="status-${statusClass(r.figures)}">${summaryLine(r.service, r.figures)}</li>`);
  const empty = model.services.length === 0 && model.unmeasured.length === 0 ? 'No services are defined.' : 'No service with an SLA.';
  const body = html`<h1>SLA review ${periodTitle}</h1>
<p class="meta">Generated ${formatLocal(model.generatedAtMs, zone)} by Vigil. Availability = good / (good + bad) minutes inside service hours and outside planned maintenance; minutes without data are unknown and count as each service's unknown policy says (exclude: not counted). Coverage = measured / counted minutes so far; below the service's minimum coverage the report gives no verdict unless the breach is already certain.</p>
<h2>Summary</h2>
${model.services.length ? html`<ul class="summary">${lines}</ul>${summary}` : html`<p>${empty}</p>`}
${model.unmeasured.length ? html`<p class="muted">Without SLA (not measured): ${model.unmeasured.join(', ')}</p>` : ''}
${model.services.map((r) => serviceSection(r, model.incidentsAvailable))}`;
  return htmlPage({ title: `SLA review ${periodTitle}`, body, generatedAt: formatLocal(model.generatedAtMs, zone), extraCss: PAGE_CSS });
}

const PAGE_CSS = `
h3 { font-size: 1rem; margin: 1.5rem 0 .25rem; }
ul.summary { padding-left: 1.2rem; margin: .25rem 0 1rem; } ul.summary li { margin: .15rem 0; }
ul.summary li::marker { font-size: 1.2em; } ul.summary li.status-ok::marker { color: var(--ok); } ul.summary li.status-bad::marker { color: var(--bad); } ul.summary li.status-warn::marker { color: var(--warn); }
td.num { white-space: nowrap; }
`;

function statusClass(f: SlaFigures): 'ok' | 'bad' | 'warn' {
  return f.status === 'met' ? 'ok' : f.status === 'breached' ? 'bad' : 'warn';
}

function verdict(r: ServiceReport): Html {
  const { verdict: text, note } = verdictParts(r.figures, r.service.sla!.minCoverage);
  return html`<span class="${statusClass(r.figures)}">${text}</span>${note ? html` <span class="muted">${note}</span>` : ''}`;
}

/** Bars per local day: green at or above the objective, red below, grey where too little was measured. */
function dailyChart(f: SlaFigures, minCoverage: number): Html {
  const daily = f.daily ?? [];
  const colorOfDay = (d: DailyFigure) => (d.coverage !== null && d.coverage < minCoverage ? COLORS.lowCoverage : d.availability! < f.objective ? COLORS.below : COLORS.met);
  const measuredDays = daily.filter((d) => d.availability !== null);
  const legendEntries = [
    { name: `at or above ${formatObjective(f.objective)}`, color: COLORS.met },
    { name: `below ${formatObjective(f.objective)}`, color: COLORS.below },
    { name: `coverage below ${formatShare(minCoverage)}`, color: COLORS.lowCoverage },
  ].filter((entry) => measuredDays.some((d) => colorOfDay(d) === entry.color));
  const lowest = Math.min(f.objective, ...measuredDays.map((d) => d.availability!));
  // Zoom on the interesting band: a bit below the worst day (or the objective) up to 100 %.
  const yMin = Math.max(0, Math.min(lowest - (1 - lowest) * 0.5, f.objective - 0.0005));
  return svgChart({
    label: 'Daily availability',
    labels: daily.map((d) => d.date.slice(5)),
    series: [{ name: 'availability', kind: 'bar', values: daily.map((d) => d.availability), colorOf: (_v, i) => colorOfDay(daily[i]!), legend: legendEntries }],
    thresholds: [{ value: f.objective, label: `objective ${formatObjective(f.objective)}` }],
    yMin,
    yMax: 1,
    yFormat: (v) => formatPercent(v, 2),
    yTickFormat: (v, step) => `${(v * 100).toFixed(decimalsOf(step * 100))} %`,
    maxXLabels: 16,
  });
}

function serviceSection(r: ServiceReport, incidentsAvailable: boolean): Html {
  const f = r.figures;
  const d = r.service.definition;
  const sla = r.service.sla!;
  const c = f.counts;
  const local = (ms: number) => formatLocalShort(ms, f.zone);
  const figures = htmlTable(
    ['Figure', 'Value'],
    [
      ['Period', `${f.range.label}: ${formatLocalRange(f.range.startMs, f.range.endMs, f.zone)}`],
      ...(f.range.evaluatedToMs < f.range.endMs ? [['Evaluated up to', formatLocal(f.range.evaluatedToMs, f.zone)]] : []),
      ['Objective', formatObjective(f.objective)],
      ['Achieved availability', formatAchieved(f.availability, f.objective, 3)],
      ['Result', verdict(r)],
      ['Coverage', `${f.coverage === null ? 'n/a' : formatShare(f.coverage)} of counted minutes measured (minimum for a verdict ${formatShare(sla.minCoverage)}; unknown minutes: ${f.unknownPolicy})`],
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
        [`Start (${f.zone})`, 'End', 'Duration', 'Unplanned', 'Planned'],
        outages.map((o) => [local(o.startMs), local(o.endMs), formatMinutes(o.minutes), formatMinutes(o.unplannedMinutes), formatMinutes(o.plannedMinutes)]),
        [2, 3, 4],
      )
    : html`<p class="muted">No outage.</p>`;
  const incidents = r.incidents;
  const incidentBlock =
    incidentsAvailable && incidents
      ? html`<h3>Incidents</h3>${incidents.length
          ? htmlTable(
              ['Id', 'Title', 'Severity', 'Status', `Opened (${f.zone})`, 'Resolved'],
              incidents.map((i) => [i.id, i.title, i.severity ?? '', i.status ?? '', local(i.openedAtMs), i.resolvedAtMs === undefined ? '' : local(i.resolvedAtMs)]),
            )
          : html`<p class="muted">No incident.</p>`}`
      : '';
  return html`<h2 id="svc-${r.service.id}">${d.name} <span class="muted">(${r.service.id})</span></h2>
<p class="meta">Owner: ${d.owner ?? '—'}${d.tier !== undefined ? html` · Tier: ${d.tier}` : ''}${d.description ? html` · ${d.description}` : ''}</p>
${figures}
<h3>Daily availability</h3>
${dailyChart(f, sla.minCoverage)}
<h3>Outages</h3>
${outageTable}
${incidentBlock}`;
}
