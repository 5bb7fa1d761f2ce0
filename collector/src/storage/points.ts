import type { Point } from './storage.types.js';

export interface PointSource {
  timestamps: ArrayLike<number>;
  values: ArrayLike<number>;
}

/**
 * Merges the samples of several sources into one series in time order, one point per timestamp.
 * Sources come in write order (oldest first); for a timestamp present more than once the last
 * written value wins. Points outside [from, to] are skipped.
 */
export function mergeSources(sources: readonly PointSource[], fromMs: number, toMs: number): Point[] {
  const out: Point[] = [];
  let sorted = true;
  let prev = -Infinity;
  for (const s of sources) {
    const ts = s.timestamps;
    const vs = s.values;
    for (let i = 0; i < ts.length; i++) {
      const t = ts[i]!;
      if (t < fromMs || t > toMs) continue;
      if (t <= prev) sorted = false;
      prev = t;
      out.push([t, vs[i]!]);
    }
  }
  if (sorted) return out; // the common case: chunks in order, then newer pending samples
  // Array.prototype.sort is stable, so equal timestamps keep write order and the last one wins.
  out.sort((a, b) => a[0] - b[0]);
  let w = 0;
  for (let r = 0; r < out.length; r++) {
    if (w > 0 && out[w - 1]![0] === out[r]![0]) out[w - 1] = out[r]!;
    else out[w++] = out[r]!;
  }
  out.length = w;
  return out;
}
