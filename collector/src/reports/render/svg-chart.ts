// Inline SVG charts for self-contained reports: no script, no external reference.
import { escapeHtml, Html } from './html.js';

export interface ChartSeries {
  name: string;
  /** One value per x position; null leaves a gap (no data). */
  values: readonly (number | null)[];
  kind?: 'line' | 'bar';
  color?: string;
  /** Per-point color for bars (e.g. red below the objective). */
  colorOf?: (value: number, index: number) => string;
}

export interface ChartThreshold {
  value: number;
  label: string;
  color?: string;
}

export interface ChartOptions {
  /** Label of each x position (e.g. dates); shown at most `maxXLabels` times. */
  labels: readonly string[];
  series: readonly ChartSeries[];
  title?: string;
  width?: number;
  height?: number;
  /** Y range; defaults to the data range. */
  yMin?: number;
  yMax?: number;
  yFormat?: (value: number) => string;
  thresholds?: readonly ChartThreshold[];
  maxXLabels?: number;
}

const PALETTE = ['#0969da', '#c62828', '#1a7f37', '#9a6700', '#8250df', '#57606a'];
const round = (v: number) => Math.round(v * 100) / 100;

/** A line and/or bar chart as an `<svg>` element with a title and legend, accessible via <title>/<desc>. */
export function svgChart(options: ChartOptions): Html {
  const width = options.width ?? 900;
  const height = options.height ?? 280;
  const pad = { left: 64, right: 16, top: options.title ? 28 : 12, bottom: 44 };
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const n = Math.max(1, options.labels.length);
  const all = options.series.flatMap((s) => s.values.filter((v): v is number => v !== null && Number.isFinite(v)));
  for (const t of options.thresholds ?? []) all.push(t.value);
  let yMin = options.yMin ?? (all.length ? Math.min(...all) : 0);
  let yMax = options.yMax ?? (all.length ? Math.max(...all) : 1);
  if (yMax <= yMin) {
    yMax = yMin + 1;
    yMin = yMin - 1;
  }
  const fmt = options.yFormat ?? ((v: number) => String(round(v)));
  const slot = plotW / n;
  const xAt = (i: number) => pad.left + slot * (i + 0.5);
  const yAt = (v: number) => pad.top + plotH - ((Math.min(yMax, Math.max(yMin, v)) - yMin) / (yMax - yMin)) * plotH;
  const parts: string[] = [];
  parts.push(`<title>${escapeHtml(options.title ?? 'chart')}</title>`);
  if (options.title) parts.push(`<text x="${pad.left}" y="16" style="font-weight:600;fill:#1b1f24">${escapeHtml(options.title)}</text>`);
  // Y grid and labels.
  for (let k = 0; k <= 4; k++) {
    const v = yMin + ((yMax - yMin) * k) / 4;
    const y = round(yAt(v));
    parts.push(`<line x1="${pad.left}" x2="${width - pad.right}" y1="${y}" y2="${y}" stroke="#eaeef2"/>`);
    parts.push(`<text x="${pad.left - 6}" y="${y + 4}" text-anchor="end">${escapeHtml(fmt(v))}</text>`);
  }
  // X labels, thinned.
  const every = Math.max(1, Math.ceil(n / (options.maxXLabels ?? 12)));
  options.labels.forEach((label, i) => {
    if (i % every !== 0) return;
    parts.push(`<text x="${round(xAt(i))}" y="${height - pad.bottom + 16}" text-anchor="middle">${escapeHtml(label)}</text>`);
  });
  const bars = options.series.filter((s) => (s.kind ?? 'line') === 'bar');
  options.series.forEach((s, si) => {
    const color = s.color ?? PALETTE[si % PALETTE.length]!;
    if ((s.kind ?? 'line') === 'bar') {
      const bi = bars.indexOf(s);
      const bw = (slot * 0.8) / bars.length;
      s.values.forEach((v, i) => {
        if (v === null || !Number.isFinite(v)) return;
        const x = xAt(i) - slot * 0.4 + bw * bi;
        const y = yAt(v);
        const base = yAt(Math.max(yMin, Math.min(yMax, 0 >= yMin && 0 <= yMax ? 0 : yMin)));
        const fill = s.colorOf ? s.colorOf(v, i) : color;
        parts.push(
          `<rect x="${round(x)}" y="${round(Math.min(y, base))}" width="${round(Math.max(1, bw - 1))}" height="${round(Math.max(0.5, Math.abs(base - y)))}" fill="${escapeHtml(fill)}"><title>${escapeHtml(`${options.labels[i] ?? i}: ${fmt(v)}`)}</title></rect>`,
        );
      });
    } else {
      let d = '';
      let pen = false;
      s.values.forEach((v, i) => {
        if (v === null || !Number.isFinite(v)) {
          pen = false;
          return;
        }
        d += `${pen ? 'L' : 'M'}${round(xAt(i))},${round(yAt(v))}`;
        pen = true;
      });
      if (d) parts.push(`<path d="${d}" fill="none" stroke="${escapeHtml(color)}" stroke-width="2"/>`);
      s.values.forEach((v, i) => {
        if (v === null || !Number.isFinite(v)) return;
        parts.push(`<circle cx="${round(xAt(i))}" cy="${round(yAt(v))}" r="2.5" fill="${escapeHtml(color)}"><title>${escapeHtml(`${options.labels[i] ?? i}: ${fmt(v)}`)}</title></circle>`);
      });
    }
  });
  for (const t of options.thresholds ?? []) {
    const y = round(yAt(t.value));
    const color = t.color ?? '#c62828';
    parts.push(`<line x1="${pad.left}" x2="${width - pad.right}" y1="${y}" y2="${y}" stroke="${escapeHtml(color)}" stroke-dasharray="6 4"/>`);
    parts.push(`<text x="${width - pad.right}" y="${y - 4}" text-anchor="end" style="fill:${escapeHtml(color)}">${escapeHtml(t.label)}</text>`);
  }
  // Legend.
  let lx = pad.left;
  options.series.forEach((s, si) => {
    const color = s.color ?? PALETTE[si % PALETTE.length]!;
    parts.push(`<rect x="${lx}" y="${height - 16}" width="10" height="10" fill="${escapeHtml(color)}"/>`);
    parts.push(`<text x="${lx + 14}" y="${height - 7}">${escapeHtml(s.name)}</text>`);
    lx += 24 + s.name.length * 7;
  });
  parts.push(`<line x1="${pad.left}" x2="${pad.left}" y1="${pad.top}" y2="${pad.top + plotH}" stroke="#8c959f"/>`);
  return new Html(
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img">${parts.join('')}</svg>`,
  );
}
