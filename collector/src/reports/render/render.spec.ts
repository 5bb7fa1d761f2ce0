import { describe, expect, it } from 'vitest';
import { escapeHtml, html, htmlPage, htmlTable, Html } from './html.js';
import { parseCsv, toCsv } from './csv.js';
import { svgChart } from './svg-chart.js';
import { formatMinutes, formatPercent } from './format.js';

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

describe('format', () => {
  it('formats percentages and minutes', () => {
    expect(formatPercent(0.99953)).toBe('99.953 %');
    expect(formatPercent(null)).toBe('n/a');
    expect(formatMinutes(45)).toBe('45m');
    expect(formatMinutes(125)).toBe('2h 05m');
  });
});
