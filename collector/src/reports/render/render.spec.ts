import { describe, expect, it } from 'vitest';
import { escapeHtml, html, htmlPage, htmlTable, Html } from './html.js';
import { parseCsv, toCsv } from './csv.js';
import { niceTicks, svgChart } from './svg-chart.js';
import { formatAchieved, formatIsoLocal, formatLocal, formatLocalRange, formatLocalShort, formatMinutes, formatObjective, formatPercent, formatShare } from './format.js';

describe('html', () => {
  it('escapes interpolations but not trusted fragments', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    const name = '<script>alert(1)</script>';
    expect(html`<td>${name}</td>${new Html('<b>ok</b>')}${[html`<i>${1}</i>`, html`<i>${2}</i>`]}`.value).toBe(
      '<td>&lt;script&gt;alert(1)&lt;/script&gt;</td><b>ok</b><i>1</i><i>2</i>',
    );
  });

  it('builds a self-contained page and tables', () => {
    const page = htmlPage({ title: 'T <1>', body: htmlTable(['a', 'n'], [['x&y', 3]], [1]) });
    expect(page).toContain('<title>T &lt;1&gt;</title>');
    expect(page).toContain('<td>x&amp;y</td><td class="num">3</td>');
    expect(page).not.toMatch(/(src|href)=["']?(https?:)?\/\//);
  });
});

describe('csv', () => {
  it('round-trips quotes, commas, line breaks and neutralises formulas', () => {
    const text = toCsv(['name', 'value'], [['a,"b"', 1.5], ['line\nbreak', null], ['=HYPERLINK("x")', -3], ['-5', '+x']]);
    expect(text).toBe('name,value\r\n"a,""b""",1.5\r\n"line\nbreak",\r\n"\'=HYPERLINK(""x"")",-3\r\n-5,\'+x\r\n');
    expect(parseCsv(text)).toEqual([
      ['name', 'value'],
      ['a,"b"', '1.5'],
      ['line\nbreak', ''],
      [`'=HYPERLINK("x")`, '-3'],
      ['-5', "'+x"],
    ]);
    expect(() => parseCsv('"open')).toThrow('unterminated quoted field');
  });
});

describe('svgChart', () => {
  it('draws bars, lines with gaps and thresholds without external references', () => {
    const svg = svgChart({
      labels: ['d1', 'd2', 'd3'],
      series: [
        { name: 'availability', kind: 'bar', values: [0.99, null, 1], colorOf: (v) => (v < 0.995 ? '#c62828' : '#1a7f37') },
        { name: 'trend', values: [1, null, 0.5] },
      ],
      thresholds: [{ value: 0.995, label: 'objective <99.5%>' }],
      yMin: 0.98,
      yMax: 1,
      title: 'Daily',
    }).value;
    expect(svg.match(/<rect [^>]*fill="#c62828"><title>d1: 0.99</g)).toHaveLength(1);
    expect(svg.match(/<rect [^>]*fill="#1a7f37"><title>/g)).toHaveLength(1);
    expect(svg).toContain('objective &lt;99.5%&gt;');
    expect(svg.match(/<path d="M[^"]*"/g)).toEqual(['<path d="M200.67,28M747.33,236"'] /* gap at d2: two moves, 0.5 clipped to yMin */);
    expect(svg).not.toContain('href');
  });
});

describe('niceTicks', () => {
  it('gives round ticks that enclose the range', () => {
    expect(niceTicks(0.991, 1)).toEqual({ ticks: [0.99, 0.992, 0.994, 0.996, 0.998, 1], step: 0.002 });
    expect(niceTicks(0.991, 1, 3)).toEqual({ ticks: [0.99, 0.995, 1], step: 0.005 });
    expect(niceTicks(0.947, 1)).toEqual({ ticks: [0.94, 0.96, 0.98, 1], step: 0.02 });
    expect(niceTicks(0.9985, 1)).toEqual({ ticks: [0.9985, 0.999, 0.9995, 1], step: 0.0005 });
    expect(niceTicks(0, 100)).toEqual({ ticks: [0, 20, 40, 60, 80, 100], step: 20 });
    expect(niceTicks(0, 1234)).toEqual({ ticks: [0, 500, 1000, 1500], step: 500 });
    expect(niceTicks(5, 5)).toEqual({ ticks: [4, 4.5, 5, 5.5, 6], step: 0.5 }); // an empty range is widened by 1 each side
  });

  it('labels the axis of a chart with them, and draws legend swatches in the colours of the marks', () => {
    const svg = svgChart({
      label: 'Daily availability',
      labels: ['d1', 'd2'],
      series: [{ name: 'availability', kind: 'bar', values: [0.991, 1], colorOf: (v) => (v < 0.995 ? '#c62828' : '#1a7f37'), legend: [{ name: 'met', color: '#1a7f37' }, { name: 'below', color: '#c62828' }] }],
      yMin: 0.991,
      yMax: 1,
      yTickFormat: (v) => `${(v * 100).toFixed(1)} %`,
    }).value;
    expect([...svg.matchAll(/text-anchor="end">([^<]*)</g)].map((m) => m[1])).toEqual(['99.0 %', '99.2 %', '99.4 %', '99.6 %', '99.8 %', '100.0 %']);
    expect(svg).toContain('<title>Daily availability</title>');
    expect(svg).not.toContain('font-weight:600'); // no visible title: the page's heading names the chart
    expect([...svg.matchAll(/<rect [^>]*fill="(#[0-9a-f]+)"\/><text [^>]*>([^<]*)</g)].map((m) => `${m[2]} ${m[1]}`)).toEqual(['met #1a7f37', 'below #c62828']);
  });

  it('draws a band as one filled area per run of known edges', () => {
    const svg = svgChart({
      labels: ['a', 'b', 'c', 'd'],
      series: [{ name: 'band', kind: 'band', values: [3, 4, null, 5], lower: [1, 2, null, 3], color: '#8250df' }],
      yMin: 0,
      yMax: 5,
    }).value;
    const areas = [...svg.matchAll(/<path d="([^"]*)" fill="#8250df" fill-opacity="0.3"/g)].map((m) => m[1]!.split('M').length - 1);
    expect(areas).toEqual([2]); // two polygons (a-b and d) in one path
    expect(svg).toMatch(/<rect [^>]*fill="#8250df" fill-opacity="0.3"\/><text [^>]*>band</);
  });
});

describe('format', () => {
  it('formats local times with the zone and its offset', () => {
    const ms = Date.parse('2026-11-30T23:00:00Z');
    expect(formatLocal(ms, 'Europe/Berlin')).toBe('2026-12-01 00:00 (Europe/Berlin, +01:00)');
    expect(formatLocalShort(Date.parse('2026-07-01T06:30:00Z'), 'Europe/Berlin')).toBe('2026-07-01 08:30 +02:00');
    expect(formatIsoLocal(ms, 'Europe/Berlin')).toBe('2026-12-01T00:00:00+01:00');
    expect(formatLocalRange(Date.parse('2026-10-31T23:00:00Z'), ms, 'Europe/Berlin')).toBe('2026-11-01 00:00 – 2026-12-01 00:00 (Europe/Berlin, +01:00)');
    // October 2026 spans the end of summer time: each end names its offset.
    expect(formatLocalRange(Date.parse('2026-09-30T22:00:00Z'), Date.parse('2026-10-31T23:00:00Z'), 'Europe/Berlin')).toBe(
      '2026-10-01 00:00 (Europe/Berlin, +02:00) – 2026-11-01 00:00 (Europe/Berlin, +01:00)',
    );
    expect(formatLocal(ms, 'UTC')).toBe('2026-11-30 23:00 (UTC, +00:00)');
  });

  it('formats objectives as written and achieved ratios and shares rounded down', () => {
    expect(formatObjective(0.999)).toBe('99.9 %');
    expect(formatObjective(0.9995)).toBe('99.95 %');
    expect(formatAchieved(0.99951388, 0.999)).toBe('99.95 %');
    expect(formatAchieved(0.998999, 0.999)).toBe('99.89 %'); // never rounds up to the objective
    expect(formatAchieved(0.99996, 0.9999)).toBe('99.996 %');
    expect(formatAchieved(1, 0.999)).toBe('100.00 %');
    expect(formatAchieved(0.999999, 0.999)).toBe('99.99 %'); // not 100.00 % while a minute was bad
    expect(formatAchieved(0.9652174, 0.999, 3)).toBe('96.522 %');
    expect(formatShare(0.125)).toBe('12 %');
    expect(formatShare(0.8999)).toBe('89 %');
    expect(formatShare(0.003)).toBe('0.3 %');
    expect(formatShare(1)).toBe('100 %');
    expect(formatShare(0)).toBe('0 %');
  });


  it('formats percentages and minutes', () => {
    expect(formatPercent(0.99953)).toBe('99.953 %');
    expect(formatPercent(null)).toBe('n/a');
    expect(formatMinutes(45)).toBe('45m');
    expect(formatMinutes(125)).toBe('2h 05m');
  });
});
