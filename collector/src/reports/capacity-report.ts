// Capacity review report: every resource ranked by urgency (time until its threshold), with growth,
// forecast, confidence band and the model behind it; JSON, CSV or a self-contained HTML page with one
// SVG chart per resource (history, forecast, band, threshold).
import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, type Clock } from '../common/clock.js';
import { CapacityService } from '../capacity/capacity.service.js';
import type { CapacityEntry } from '../capacity/domain/resources.js';
import { capacityEntryView } from '../capacity/capacity.dto.js';
import type { ForecastPoint } from '../capacity/domain/forecast.js';
import type { Point } from '../storage/storage.types.js';
import { decimalsOf, formatIso, formatPercent, html, htmlPage, htmlTable, Html, svgChart, toCsv, type CsvCell, type RenderedReport, type ReportFormat } from './render/index.js';

const HOUR_MS = 3_600_000;
/** Chart resolution: history and forecast in 12-hour points keep a page of hundreds of charts light. */
const CHART_STEP_MS = 12 * HOUR_MS;

export type CapacityReportEntry = CapacityEntry & { history: Point[]; forecast: ForecastPoint[] };

export interface CapacityReportModel {
  generatedAtMs: number;
  horizonDays: number;
  /** Chart data is needed by the HTML page only. */
  entries: Array<CapacityEntry | CapacityReportEntry>;
}

const days = (seconds: number | null | undefined): number | null => (seconds === null || seconds === undefined ? null : Math.round((seconds / 86_400) * 10) / 10);
const value = (e: CapacityEntry, v: number | null | undefined, decimals = 1): string =>
  v === null || v === undefined ? 'n/a' : e.unit === 'ratio' ? formatPercent(v, decimals) : String(Math.round(v * 1000) / 1000);
const date = (ms: number | null | undefined): string => (ms === null || ms === undefined ? '' : `${formatIso(ms).slice(0, 16).replace('T', ' ')} UTC`);

/**
 * The 95 % band of the time to threshold in words: when the upper and the lower confidence limits
 * reach the threshold. A limit that does not reach it within the horizon is "beyond" it.
 */
export function bandText(earliestSecondsLeft: number | null | undefined, latestSecondsLeft: number | null | undefined, horizonDays: number): string {
  const earliest = days(earliestSecondsLeft);
  const latest = days(latestSecondsLeft);
  if (earliest === null) return `not within ${horizonDays} d`;
  if (latest === null) return `${earliest} d – beyond ${horizonDays} d`;
  return `${earliest} – ${latest} d`;
}

function urgency(e: CapacityEntry): 'exceeded' | 'critical' | 'warning' | 'ok' | 'unknown' {
  if (e.status !== 'ok' || !e.exhaustion) return 'unknown';
  if (e.exhaustion.exceeded) return 'exceeded';
  const d = days(e.exhaustion.secondsLeft);
  if (d === null) return 'ok';
  return d <= 14 ? 'critical' : d <= 45 ? 'warning' : 'ok';
}

const CSV_HEADERS = [
  'rank', 'host', 'agent', 'resource', 'mountpoint', 'name', 'status', 'current', 'threshold', 'growth_per_day', 'forecast_at_horizon',
  'days_until_threshold', 'earliest_days', 'latest_days', 'expected_at', 'earliest_at', 'latest_at', 'model', 'backtest_mae', 'history_hours', 'message',
];

function csvRows(entries: readonly CapacityEntry[]): CsvCell[][] {
  return entries.map((e, i) => [
    i + 1, e.host, e.agent, e.resource, e.mountpoint, e.name ?? '', e.status, e.current, e.threshold, e.growthPerDay, e.atHorizon?.mean ?? null,
    days(e.exhaustion?.secondsLeft), days(e.exhaustion?.earliestSecondsLeft), days(e.exhaustion?.latestSecondsLeft),
    e.exhaustion?.expectedMs ? formatIso(e.exhaustion.expectedMs) : '', e.exhaustion?.earliestMs ? formatIso(e.exhaustion.earliestMs) : '',
    e.exhaustion?.latestMs ? formatIso(e.exhaustion.latestMs) : '', e.model ?? '', e.backtestError, Math.round(e.historyHours), e.message ?? '',
  ]);
}

/** History and forecast on one time axis of CHART_STEP_MS slots (history averaged per slot). */
function chart(e: CapacityEntry & Partial<CapacityReportEntry>): Html {
  const slot = (t: number) => Math.floor(t / CHART_STEP_MS) * CHART_STEP_MS;
  const history = new Map<number, { sum: number; n: number }>();
  for (const [t, v] of e.history ?? []) {
    const s = history.get(slot(t)) ?? { sum: 0, n: 0 };
    s.sum += v;
    s.n++;
    history.set(slot(t), s);
  }
  const forecast = new Map<number, ForecastPoint>();
  for (const p of e.forecast ?? []) if (p.t % CHART_STEP_MS === 0 || !forecast.has(slot(p.t))) forecast.set(slot(p.t), p);
  const times = [...new Set([...history.keys(), ...forecast.keys()])].sort((a, b) => a - b);
  if (times.length === 0) return html`<p class="muted">No history to chart.</p>`;
  const all: number[] = [];
  for (let t = times[0]!; t <= times[times.length - 1]!; t += CHART_STEP_MS) all.push(t);
  const scale = e.unit === 'ratio' ? 100 : 1;
  const pick = (get: (t: number) => number | undefined) => all.map((t) => {
    const v = get(t);
    return v === undefined || !Number.isFinite(v) ? null : v * scale;
  });
  const histValues = pick((t) => {
    const s = history.get(t);
    return s ? s.sum / s.n : undefined;
  });
  const thresholdValue = e.threshold * scale;
  const observed = [...histValues, ...pick((t) => forecast.get(t)?.mean)].filter((v): v is number => v !== null);
  const yMax = e.unit === 'ratio' ? 100 : Math.max(thresholdValue, ...observed) * 1.05;
  const yMin = e.unit === 'ratio' ? 0 : Math.min(0, ...observed);
  // Band edges are clipped to the plot range so a wide band does not flatten the chart.
  // The page's <h3> names the resource; the chart carries it as its accessible name only.
  return svgChart({
    label: e.title,
    labels: all.map((t) => formatIso(t).slice(0, 10)),
    series: [
      { name: '95 % band', kind: 'band', values: pick((t) => forecast.get(t)?.upper), lower: pick((t) => forecast.get(t)?.lower), color: '#8250df' },
      { name: 'history', values: histValues, color: '#0969da' },
      { name: 'forecast', values: pick((t) => forecast.get(t)?.mean), color: '#8250df' },
    ],
    thresholds: [{ value: thresholdValue, label: `threshold ${e.unit === 'ratio' ? `${thresholdValue} %` : thresholdValue}` }],
    yMin,
    yMax,
    yFormat: (v) => (e.unit === 'ratio' ? `${Math.round(v * 10) / 10} %` : String(Math.round(v * 100) / 100)),
    yTickFormat: (v, step) => `${v.toFixed(decimalsOf(step))}${e.unit === 'ratio' ? ' %' : ''}`,
    maxXLabels: 10,
    height: 240,
  });
}

function renderHtml(model: CapacityReportModel): string {
  const { entries } = model;
  const counts = { exceeded: 0, critical: 0, warning: 0, ok: 0, unknown: 0 };
  for (const e of entries) counts[urgency(e)]++;
  const cls = { exceeded: 'bad', critical: 'bad', warning: 'warn', ok: 'ok', unknown: 'muted' } as const;
  const forecastable = entries.filter((e) => e.status === 'ok');
  const insufficient = entries.filter((e) => e.status !== 'ok');
  const rows = forecastable.map((e, i) => {
    const x = e.exhaustion!;
    const when = x.exceeded
      ? html`<span class="bad">over threshold now</span>`
      : x.secondsLeft === null
        ? html`<span class="ok">not within ${model.horizonDays} d</span>`
        : html`<span class="${cls[urgency(e)]}">${days(x.secondsLeft)} d</span> <span class="muted">(${date(x.expectedMs)})</span>`;
    const band = x.exceeded ? '' : bandText(x.earliestSecondsLeft, x.latestSecondsLeft, model.horizonDays);
    return [i + 1, e.host, e.resource === 'filesystem' ? `filesystem ${e.mountpoint}` : e.resource === 'custom' ? e.name : e.resource.replace('_', ' '),
      value(e, e.current), value(e, e.threshold, 0), e.growthPerDay === null ? 'n/a' : `${value(e, e.growthPerDay, 2)}/d`, when, band, e.model ?? '',
      e.backtestError === null ? '' : value(e, e.backtestError, 2)];
  });
  const body = html`
<h1>Capacity review</h1>
<p class="meta">Generated ${date(model.generatedAtMs)} · horizon ${model.horizonDays} days · ${entries.length} resources ·
<span class="bad">${counts.exceeded} over threshold</span> · <span class="bad">${counts.critical} within 14 days</span> ·
<span class="warn">${counts.warning} within 45 days</span> · ${counts.unknown} without enough history</p>
<h2>Resources by urgency</h2>
${htmlTable(['#', 'Host', 'Resource', 'Current', 'Threshold', 'Growth', 'Until threshold', 'Band (95 %)', 'Model', 'Backtest MAE'], rows, [0, 3, 4, 5, 9])}
<p class="muted">"Until threshold" is when the forecast reaches the threshold; the band gives the dates at which its upper and lower
confidence limits do. The model is chosen per resource by its error on the most recent week held out of the fit (backtest).
CPU is the hourly average, so a crossing means a sustained daily peak above the threshold.</p>
${insufficient.length ? html`<h2>Not enough history</h2>${htmlTable(['Host', 'Resource', 'Current', 'Why'], insufficient.map((e) => [e.host, e.title, value(e, e.current), e.message ?? '']), [2])}` : ''}
<h2>Charts</h2>
${forecastable.map((e) => html`<h3>${e.title}</h3>${chart(e)}`)}
`;
  return htmlPage({ title: `Capacity review ${formatIso(model.generatedAtMs).slice(0, 10)}`, body, generatedAt: formatIso(model.generatedAtMs), extraCss: 'h3 { font-size: 1rem; margin: 1.5rem 0 .25rem; }' });
}

/** Renders a model in one format (pure: the same model gives the same bytes). */
export function renderCapacityReportModel(model: CapacityReportModel, format: ReportFormat): RenderedReport {
  if (format === 'csv') return { contentType: 'text/csv; charset=utf-8', body: toCsv(CSV_HEADERS, csvRows(model.entries)) };
  if (format === 'html') return { contentType: 'text/html; charset=utf-8', body: renderHtml(model) };
  return {
    contentType: 'application/json; charset=utf-8',
    body: JSON.stringify(
      {
        report: 'capacity',
        generated_at: formatIso(model.generatedAtMs),
        horizon_days: model.horizonDays,
        resources: model.entries.map((e, i) => ({ rank: i + 1, ...capacityEntryView(e) })),
      },
      null,
      2,
    ),
  };
}

@Injectable()
export class CapacityReportService {
  constructor(
    private readonly capacity: CapacityService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** The capacity review report (for GET /api/reports/capacity and `vigil-collector report capacity`). */
  async renderCapacityReport(request: { format: ReportFormat }): Promise<RenderedReport> {
    // Only the HTML page draws charts; JSON and CSV need the ranking alone.
    let entries: CapacityReportModel['entries'];
    if (request.format === 'html') entries = await this.capacity.detailed();
    else {
      await this.capacity.ensureComputed();
      entries = this.capacity.list();
    }
    return renderCapacityReportModel({ generatedAtMs: this.clock.now(), horizonDays: Math.round(this.capacity.horizonDays * 100) / 100, entries }, request.format);
  }
}
