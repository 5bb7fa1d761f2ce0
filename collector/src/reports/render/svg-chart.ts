// Inline SVG charts for self-contained reports: no script, no external reference.
import { escapeHtml, Html } from './html.js';

export interface ChartSeries {
  name: string;
  /** One value per x position; null leaves a gap (no data). For a band: its upper edge. */
  values: readonly (number | null)[];
  /** A band is a filled area between `lower` and `values` (e.g. a confidence interval). */
  kind?: 'line' | 'bar' | 'band';
  /** Lower edge of a band, one value per x position. */
  lower?: readonly (number | null)[];
  color?: string;
  /** Per-point color for bars (e.g. red below the objective); give `legend` so the legend shows those colours. */
  colorOf?: (value: number, index: number) => string;
  /** Legend entries that replace the series' own (one per colour `colorOf` uses). */
  legend?: readonly { name: string; color: string }[];
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
  /** Visible heading inside the chart (and its accessible name). Leave out when the page already has a heading. */
  title?: string;
  /** Accessible name when there is no visible title. */
  label?: string;
  width?: number;
  height?: number;
  /** Y range; defaults to the data range. Widened to the nearest round ticks. */
  yMin?: number;
  yMax?: number;
  /** Value in tooltips. */
  yFormat?: (value: number) => string;
  /** Tick label; `step` is the tick spacing, so labels can share its decimals. */
  yTickFormat?: (value: number, step: number) => string;
  thresholds?: readonly ChartThreshold[];
  maxXLabels?: number;
}

const PALETTE = ['#0969da', '#c62828', '#1a7f37', '#9a6700', '#8250df', '#57606a'];
const BAND_OPACITY = 0.3;
const THRESHOLD_COLOR = '#c62828';
/** Above this many points a line is drawn without dots (they would merge into a thick band). */
const MAX_DOTS = 62;
const round = (v: number) => Math.round(v * 100) / 100;

/** Decimals needed to print multiples of `step` exactly (0.005 → 3, 0.5 → 1, 20 → 0). */
export function decimalsOf(step: number): number {
  return Math.max(0, Math.ceil(-Math.log10(step) - 1e-9));
}

/**
 * Round axis ticks covering [min, max]: the smallest step of 1, 2 or 5 × 10^k that needs at most
 * `maxTicks` ticks; the first and last tick enclose the range (99.0 / 99.2 / … / 100 for 0.991 – 1).
 */
export function niceTicks(min: number, max: number, maxTicks = 6): { ticks: number[]; step: number } {
  if (!(max > min)) return niceTicks(min - 1, min + 1, maxTicks);
  const raw = (max - min) / Math.max(1, maxTicks - 1);
  let magnitude = 10 ** Math.floor(Math.log10(raw));
  for (;;) {
    for (const factor of [1, 2, 5]) {
      const step = factor * magnitude;
      const first = Math.floor(min / step + 1e-9);
      const last = Math.ceil(max / step - 1e-9);
      if (last - first + 1 > maxTicks) continue;
      const decimals = decimalsOf(step);
      const ticks: number[] = [];
      for (let k = first; k <= last; k++) ticks.push(Number((k * step).toFixed(decimals)));
      return { ticks, step };
    }
    magnitude *= 10;
  }
}

const finite = (v: number | null | undefined): v is number => v !== null && v !== undefined && Number.isFinite(v);

/** A line, bar and/or band chart as an `<svg>` element with a legend, accessible via <title>. */
export function svgChart(options: ChartOptions): Html {
  const width = options.width ?? 900;
  const height = options.height ?? 280;
  const pad = { left: 64, right: 16, top: options.title ? 28 : 12, bottom: 44 };
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const n = Math.max(1, options.labels.length);
  const all = options.series.flatMap((s) => [...s.values, ...(s.lower ?? [])].filter(finite));
  for (const t of options.thresholds ?? []) all.push(t.value);
  const { ticks, step } = niceTicks(options.yMin ?? (all.length ? Math.min(...all) : 0), options.yMax ?? (all.length ? Math.max(...all) : 1));
  const yMin = ticks[0]!;
  const yMax = ticks[ticks.length - 1]!;
  const fmt = options.yFormat ?? ((v: number) => String(round(v)));
  const tickFmt = options.yTickFormat ?? ((v: number, s: number) => v.toFixed(decimalsOf(s)));
  const slot = plotW / n;
  const xAt = (i: number) => pad.left + slot * (i + 0.5);
  const yAt = (v: number) => pad.top + plotH - ((Math.min(yMax, Math.max(yMin, v)) - yMin) / (yMax - yMin)) * plotH;
  const tooltip = (i: number, v: number) => `<title>${escapeHtml(`${options.labels[i] ?? i}: ${fmt(v)}`)}</title>`;
  const colorOf = (s: ChartSeries) => s.color ?? PALETTE[options.series.indexOf(s) % PALETTE.length]!;
  const parts: string[] = [];
  parts.push(`<title>${escapeHtml(options.title ?? options.label ?? 'chart')}</title>`);
  if (options.title) parts.push(`<text x="${pad.left}" y="16" style="font-weight:600;fill:#1b1f24">${escapeHtml(options.title)}</text>`);
  for (const v of ticks) {
    const y = round(yAt(v));
    parts.push(`<line x1="${pad.left}" x2="${width - pad.right}" y1="${y}" y2="${y}" stroke="#eaeef2"/>`);
    parts.push(`<text x="${pad.left - 6}" y="${y + 4}" text-anchor="end">${escapeHtml(tickFmt(v, step))}</text>`);
  }
  // X labels, thinned.
  const every = Math.max(1, Math.ceil(n / (options.maxXLabels ?? 12)));
  options.labels.forEach((label, i) => {
    if (i % every !== 0) return;
    parts.push(`<text x="${round(xAt(i))}" y="${height - pad.bottom + 16}" text-anchor="middle">${escapeHtml(label)}</text>`);
  });
  // Bands first, so lines and bars stay visible on top of them.
  const ordered = [...options.series.filter((s) => s.kind === 'band'), ...options.series.filter((s) => s.kind !== 'band')];
  const bars = options.series.filter((s) => s.kind === 'bar');
  for (const s of ordered) {
    const color = colorOf(s);
    if (s.kind === 'band') parts.push(bandPath(s, xAt, yAt, color));
    else if (s.kind === 'bar') {
      const bi = bars.indexOf(s);
      const bw = (slot * 0.8) / bars.length;
      const base = yAt(Math.max(yMin, Math.min(yMax, 0 >= yMin && 0 <= yMax ? 0 : yMin)));
      s.values.forEach((v, i) => {
        if (!finite(v)) return;
        const x = xAt(i) - slot * 0.4 + bw * bi;
        const y = yAt(v);
        const fill = s.colorOf ? s.colorOf(v, i) : color;
        parts.push(
          `<rect x="${round(x)}" y="${round(Math.min(y, base))}" width="${round(Math.max(1, bw - 1))}" height="${round(Math.max(0.5, Math.abs(base - y)))}" fill="${escapeHtml(fill)}">${tooltip(i, v)}</rect>`,
        );
      });
    } else {
      let d = '';
      let pen = false;
      s.values.forEach((v, i) => {
        if (!finite(v)) {
          pen = false;
          return;
        }
        d += `${pen ? 'L' : 'M'}${round(xAt(i))},${round(yAt(v))}`;
        pen = true;
      });
      if (d) parts.push(`<path d="${d}" fill="none" stroke="${escapeHtml(color)}" stroke-width="2"/>`);
      if (s.values.length <= MAX_DOTS)
        s.values.forEach((v, i) => {
          if (finite(v)) parts.push(`<circle cx="${round(xAt(i))}" cy="${round(yAt(v))}" r="2.5" fill="${escapeHtml(color)}">${tooltip(i, v)}</circle>`);
        });
    }
  }
  // Threshold lines are named in the legend: a label inside the plot would sit on the data.
  for (const t of options.thresholds ?? []) {
    const y = round(yAt(t.value));
    parts.push(`<line x1="${pad.left}" x2="${width - pad.right}" y1="${y}" y2="${y}" stroke="${escapeHtml(t.color ?? THRESHOLD_COLOR)}" stroke-dasharray="6 4"/>`);
  }
  parts.push(legend(options.series, options.thresholds ?? [], colorOf, pad.left, height));
  parts.push(`<line x1="${pad.left}" x2="${pad.left}" y1="${pad.top}" y2="${pad.top + plotH}" stroke="#8c959f"/>`);
  return new Html(
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img">${parts.join('')}</svg>`,
  );
}

/** One filled polygon per run of x positions where both edges are known. */
function bandPath(s: ChartSeries, xAt: (i: number) => number, yAt: (v: number) => number, color: string): string {
  const runs: number[][] = [[]];
  s.values.forEach((upper, i) => {
    if (finite(upper) && finite(s.lower?.[i])) runs[runs.length - 1]!.push(i);
    else if (runs[runs.length - 1]!.length) runs.push([]);
  });
  const d = runs
    .filter((r) => r.length > 0)
    .map((r) => {
      const top = r.map((i) => `${round(xAt(i))},${round(yAt(s.values[i]!))}`);
      const bottom = [...r].reverse().map((i) => `${round(xAt(i))},${round(yAt(s.lower![i]!))}`);
      return `M${top.join('L')}L${bottom.join('L')}Z`;
    })
    .join('');
  return d ? `<path d="${d}" fill="${escapeHtml(color)}" fill-opacity="${BAND_OPACITY}" stroke="none"/>` : '';
}

/** Swatches drawn like the marks: a line (with a dot when points are dotted), a bar square, a translucent band square, a dashed threshold. */
function legend(series: readonly ChartSeries[], thresholds: readonly ChartThreshold[], colorOf: (s: ChartSeries) => string, left: number, height: number): string {
  const parts: string[] = [];
  let x = left;
  const y = height - 16;
  const entry = (name: string, swatch: string) => {
    parts.push(swatch, `<text x="${x + 16}" y="${y + 9}">${escapeHtml(name)}</text>`);
    x += 30 + name.length * 6.5;
  };
  const line = (color: string, extra = '') => `<line x1="${x - 2}" x2="${x + 12}" y1="${y + 5}" y2="${y + 5}" stroke="${color}" stroke-width="2"${extra}/>`;
  for (const s of series) {
    for (const { name, color: raw } of s.legend ?? [{ name: s.name, color: colorOf(s) }]) {
      const color = escapeHtml(raw);
      if (s.kind === 'bar') entry(name, `<rect x="${x}" y="${y}" width="10" height="10" fill="${color}"/>`);
      else if (s.kind === 'band') entry(name, `<rect x="${x}" y="${y}" width="10" height="10" fill="${color}" fill-opacity="${BAND_OPACITY}"/>`);
      else entry(name, line(color) + (s.values.length <= MAX_DOTS ? `<circle cx="${x + 5}" cy="${y + 5}" r="2.5" fill="${color}"/>` : ''));
    }
  }
  for (const t of thresholds) entry(t.label, line(escapeHtml(t.color ?? THRESHOLD_COLOR), ' stroke-dasharray="4 3"'));
  return parts.join('');
}
