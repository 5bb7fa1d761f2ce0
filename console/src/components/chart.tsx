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

/** `xRange` (ms) shows the whole asked-for period even when few points exist; `yRange` fixes the value axis. */
export function Chart(props: { title: string; times: number[]; series: ChartSeries[]; format: (v: number) => string; height?: number; xRange?: [number, number]; yRange?: [number, number] }) {
  const { title, times, series, format, height = 220, xRange, yRange } = props;
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
      scales: {
        x: { time: true, ...(xRange ? { range: (): uPlot.Range.MinMax => [xRange[0] / 1000, xRange[1] / 1000] } : {}) },
        ...(yRange ? { y: { range: (): uPlot.Range.MinMax => yRange } } : {}),
      },
      cursor: { drag: { x: true, y: false } },
    };
    const plot = new uPlot(opts, [times.map((t) => t / 1000), ...series.map((s) => s.values)] as uPlot.AlignedData, el);
    const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(200, el.clientWidth), height }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [times, series, height, xRange?.[0], xRange?.[1], yRange?.[0], yRange?.[1]]);
  return (
    <figure class="chart" style={{ margin: 0 }}>
      <figcaption>
        <strong>{title}</strong>
      </figcaption>
      <div ref={box} role="img" aria-label={`${title}: chart of ${times.length} points`} data-points={times.length} />
    </figure>
  );
}
