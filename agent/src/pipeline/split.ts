// Splits a batch that exceeds the collector's message size: halves the series list, then the points of a single
// huge series, until every part fits. Pure; `fits` measures an encoded part.
import type { vigil } from '@vigil/proto/agent';

type Series = vigil.v1.Series.$Properties;

/** Parts that each satisfy `fits`, or undefined when a single point is already too large. */
export function splitSeries(series: Series[], fits: (part: Series[]) => boolean): Series[][] | undefined {
  if (fits(series)) return [series];
  if (series.length > 1) {
    const mid = series.length >> 1;
    const left = splitSeries(series.slice(0, mid), fits);
    const right = splitSeries(series.slice(mid), fits);
    return left && right ? [...left, ...right] : undefined;
  }
  const only = series[0];
  const points = only?.values?.length ?? 0;
  if (!only || points <= 1) return undefined;
  const mid = points >> 1;
  const half = (from: number, to: number): Series => ({
    ...only,
    timestampsMs: only.timestampsMs!.slice(from, to),
    values: only.values!.slice(from, to),
  });
  const left = splitSeries([half(0, mid)], fits);
  const right = splitSeries([half(mid, points)], fits);
  return left && right ? [...left, ...right] : undefined;
}

/** Samples in a list of series. */
export function sampleCount(series: readonly Series[]): number {
  return series.reduce((n, s) => n + (s.values?.length ?? 0), 0);
}
