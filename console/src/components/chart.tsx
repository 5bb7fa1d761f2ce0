// A uPlot time-series chart that follows its container's width. Series values may be null (gaps).
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';

export interface ChartSeries {
  label: string;
  values: (number | null)[];
  color: string;
  /** Drawn as a band between two other series (e.g. forecast bounds): dashed, thin. */
  dash?: boolean;
  fill?: string;
}

export function Chart({ title, times, series, format, height = 220, yMin }: { title: string; times: number[]; series: ChartSeries[]; format: (v: number) => string; height?: number; yMin?: number }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height,
      series: [
        { value: (_u, v) => (v === null ? '–' : new Date(v * 1000).toLocaleString()) },
        ...series.map((s) => ({ label: s.label, stroke: s.color, width: s.dash ? 1 : 2, dash: s.dash ? [4, 4] : undefined, fill: s.fill, spanGaps: false, value: (_u: uPlot, v: number | null) => (v === null ? '–' : format(v)) })),
      ],
      axes: [{}, { values: (_u, vals) => vals.map(format), size: 70 }],
      scales: yMin === undefined ? {} : { y: { range: (_u, _min, max) => [yMin, Math.max(max, yMin + 1e-9)] } },
      cursor: { drag: { x: true, y: false } },
    };
    const plot = new uPlot(opts, [times.map((t) => t / 1000), ...series.map((s) => s.values)] as uPlot.AlignedData, el);
    const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(200, el.clientWidth), height }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [times, series, height]);
  return (
    <figure class="chart" style={{ margin: 0 }}>
      <figcaption>
        <strong>{title}</strong>
      </figcaption>
      <div ref={box} role="img" aria-label={`${title}: chart of ${times.length} points`} data-points={times.length} />
    </figure>
  );
}
