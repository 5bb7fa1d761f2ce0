// The SLA report's texts from figures the domain computes over synthetic histories: the summary
// line, the verdict with coverage, local times with their offset, and the CSV columns.
import { describe, expect, it } from 'vitest';
import { DAY_MINUTES, FULL_DAY, MINUTE_MS, emptyDay, fillRange } from '../sla/domain/bitmap.js';
import { slaFigures } from '../sla/domain/figures.js';
import { parsePeriod } from '../sla/domain/periods.js';
import type { DayStatus, MinuteMasks } from '../sla/domain/sla-math.js';
import type { ServiceModel, SlaModel } from '../sla/sla.model.js';
import type { ServiceDefinition } from '../sla/sla.config.js';
import { parseCsv } from './render/index.js';
import { reportCsv, reportJson } from './sla-report.js';
import { reportHtml } from './sla-report.html.js';
import { summaryLine, verdictText } from './sla-report.text.js';
import type { SlaReportModel } from './sla-report.types.js';

const always: MinuteMasks = { hours: () => FULL_DAY, maintenance: () => undefined };
const minute = (iso: string) => Date.parse(`${iso}Z`) / MINUTE_MS;

/** Day statuses from [from, to, state] runs of UTC times; every other minute unknown. */
function history(runs: [string, string, 'good' | 'bad'][]): (day: number) => DayStatus | undefined {
  const days = new Map<number, DayStatus>();
  for (const [fromIso, toIso, state] of runs) {
    for (let m = minute(fromIso), to = minute(toIso); m < to; ) {
      const day = Math.floor(m / DAY_MINUTES);
      let s = days.get(day);
      if (!s) days.set(day, (s = { good: emptyDay(), bad: emptyDay() }));
      const end = Math.min(to, (day + 1) * DAY_MINUTES);
      fillRange(state === 'good' ? s.good : s.bad, m - day * DAY_MINUTES, end - day * DAY_MINUTES);
      // A bad minute is not good: clear what an earlier good run set.
      if (state === 'bad') for (let b = m; b < end; b++) s.good[(b - day * DAY_MINUTES) >>> 5]! &= ~(1 << ((b - day * DAY_MINUTES) & 31));
      m = end;
    }
  }
  return (day) => days.get(day);
}

const shop: ServiceModel = {
  id: 'shop',
  definition: { id: 'shop', name: 'Web shop', owner: 'ops@example.com' } as ServiceDefinition,
  source: 'config',
  probes: ['shop-http'],
  sla: { objective: 0.999, zone: 'Europe/Berlin', period: 'month', minCoverage: 0.9, unknownPolicy: 'exclude' } as SlaModel,
};

// November 2026 in Berlin (30 days, 43,200 minutes: 2026-10-31T23:00Z – 2026-11-30T23:00Z), reviewed on 1 December.
const NOW = Date.parse('2026-12-01T08:00:00Z');
const november = parsePeriod('2026-11', 'Europe/Berlin', NOW)!;
const objectives = { objective: 0.999, zone: 'Europe/Berlin', minCoverage: 0.9 };

const figuresOf = (runs: [string, string, 'good' | 'bad'][]) => slaFigures(november, objectives, history(runs), always, { outages: true, daily: true });

/** Every minute good but two outages: 12 and 9 minutes (21 of a 43.2-minute budget). */
const metMonth = figuresOf([
  ['2026-10-31T23:00', '2026-11-30T23:00', 'good'],
  ['2026-11-16T08:00', '2026-11-16T08:12', 'bad'],
  ['2026-11-20T13:00', '2026-11-20T13:09', 'bad'],
]);

/** 5,400 of 43,200 minutes measured (12.5 %), two of them bad. */
const sparseMonth = figuresOf([
  ['2026-11-10T00:00', '2026-11-13T18:00', 'good'],
  ['2026-11-11T10:00', '2026-11-11T10:02', 'bad'],
]);

const model = (figures: typeof metMonth, period: string | undefined): SlaReportModel => ({
  period,
  generatedAtMs: NOW,
  services: [{ service: shop, figures }],
  unmeasured: [],
  incidentsAvailable: false,
});

describe('SLA report texts', () => {
  it('sums a service up in one line', () => {
    expect(metMonth.counts).toMatchObject({ good: 43_179, bad: 21, unknown: 0 });
    expect(summaryLine(shop, metMonth)).toBe('Web shop: 99.95 % of 99.9 %, met, 21 min of 43 min budget used, 2 outages');
    expect(sparseMonth.counts).toMatchObject({ good: 5_398, bad: 2, unknown: 37_800 });
    expect(summaryLine(shop, sparseMonth)).toBe('Web shop: insufficient data (coverage 12 %), 99.96 % of 99.9 %, 2 min of 5.4 min budget used, 1 outage');
  });

  it('gives a verdict only with enough coverage, and names the coverage of a certain breach', () => {
    expect(verdictText(metMonth, 0.9)).toBe('met');
    expect(verdictText(sparseMonth, 0.9)).toBe('insufficient data (coverage 12 %)');
    expect(verdictText({ status: 'breached', coverage: 0.047 }, 0.9)).toBe('breached (coverage 4.7 %)');
    expect(verdictText({ status: 'insufficient_data', coverage: null }, 0.9)).toBe('insufficient data (no minute counted yet)');
    const nothing = figuresOf([]);
    expect(summaryLine(shop, nothing)).toBe('Web shop: insufficient data (coverage 0 %), objective 99.9 %, 0 min of 0 min budget used, no outage');
  });

  it('shows the HTML page in the SLA time zone with the offset, the summary lines first', () => {
    const page = reportHtml(model(metMonth, '2026-11'));
    expect(page).toContain('<h1>SLA review 2026-11</h1>');
    expect(page).toContain('Generated 2026-12-01 09:00 (Europe/Berlin, +01:00) by Vigil.');
    expect(page).toMatch(/<h2>Summary<\/h2>\n<ul class="summary"><li class="status-ok">Web shop: 99.95 % of 99.9 %, met, 21 min of 43 min budget used, 2 outages<\/li><\/ul>/);
    expect(page).toContain('<td>2026-11: 2026-11-01 00:00 – 2026-12-01 00:00 (Europe/Berlin, +01:00)</td>');
    expect(page).toContain('<th>Start (Europe/Berlin)</th>');
    expect(page).toContain('<tr><td>2026-11-16 09:00 +01:00</td><td>2026-11-16 09:12 +01:00</td><td class="num">12m</td>');
    expect(page).not.toMatch(/\d{4}-\d\d-\d\dT\d\d:\d\d/); // no UTC instants on the page
    expect(page).not.toContain('Evaluated up to'); // the period is over

    const sparse = reportHtml(model(sparseMonth, undefined));
    expect(sparse).toContain('<h1>SLA review current period</h1>');
    expect(sparse).toContain('<td class="num">12 %</td><td><span class="warn">insufficient data (coverage 12 %)</span></td>');
    expect(sparse).toContain('<li class="status-warn">Web shop: insufficient data (coverage 12 %), 99.96 % of 99.9 %, 2 min of 5.4 min budget used, 1 outage</li>');
  });

  it('draws the daily chart on round ticks, coloured like its legend', () => {
    const page = reportHtml(model(sparseMonth, '2026-11'));
    const chart = page.slice(page.indexOf('<svg'), page.indexOf('</svg>'));
    expect([...chart.matchAll(/text-anchor="end">([^<]*)</g)].map((m) => m[1])).toEqual(['99.75 %', '99.80 %', '99.85 %', '99.90 %', '99.95 %', '100.00 %']);
    // Days 10-12 fully measured (11th below the objective), day 13 three quarters: grey, too little coverage.
    const legend = [...chart.matchAll(/<rect [^>]*fill="(#[0-9a-f]+)"\/><text [^>]*>([^<]*)</g)].map((m) => `${m[2]} ${m[1]}`);
    expect(legend).toEqual(['at or above 99.9 % #1a7f37', 'below 99.9 % #c62828', 'coverage below 90 % #8c959f']);
    const bars = [...chart.matchAll(/fill="(#[0-9a-f]+)"><title>([^<]*)</g)].map((m) => `${m[2]} ${m[1]}`);
    expect(bars).toEqual(['11-10: 100.00 % #1a7f37', '11-11: 99.86 % #c62828', '11-12: 100.00 % #1a7f37', '11-13: 100.00 % #8c959f']);
  });

  it('adds coverage and status at the end of the CSV and writes times in the SLA zone', () => {
    const rows = parseCsv(reportCsv(model(sparseMonth, '2026-11')));
    expect(rows[0]!.slice(-6)).toEqual(['start', 'end', 'duration_minutes', 'detail', 'coverage', 'status']);
    const header = rows[0]!;
    const col = (row: string[], name: string) => row[header.indexOf(name)];
    const [service, outage] = [rows[1]!, rows[2]!];
    expect([col(service, 'period'), col(service, 'start'), col(service, 'end'), col(service, 'coverage'), col(service, 'status'), col(service, 'breach')]).toEqual([
      '2026-11', '2026-11-01T00:00:00+01:00', '2026-12-01T00:00:00+01:00', '0.125', 'insufficient_data', '',
    ]);
    expect([col(outage, 'start'), col(outage, 'end'), col(outage, 'duration_minutes'), col(outage, 'coverage'), col(outage, 'status')]).toEqual([
      '2026-11-11T11:00:00+01:00', '2026-11-11T11:02:00+01:00', '2', '', '',
    ]);
  });

  it('keeps ISO instants in JSON and adds the summary and the local period', () => {
    const json = reportJson(model(metMonth, undefined)) as { period: string; services: Record<string, unknown>[] };
    expect(json.period).toBe('current');
    expect(json.services[0]).toMatchObject({
      from: '2026-10-31T23:00:00.000Z',
      status: 'met',
      coverage: 1,
      summary: 'Web shop: 99.95 % of 99.9 %, met, 21 min of 43 min budget used, 2 outages',
      period_local: '2026-11-01 00:00 – 2026-12-01 00:00 (Europe/Berlin, +01:00)',
    });
  });
});
