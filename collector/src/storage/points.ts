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

/**
 * Counts the distinct timestamps within [from, to] of sources added in write order, keeping the
 * sources for mergeSources. Cheap while sources arrive in time order (the common case); the first
 * timestamp out of order switches to a set, whose size the caller bounds.
 */
export class DistinctTimestamps {
  readonly sources: PointSource[] = [];
  size = 0;
  private last = -Infinity;
  private seen: Set<number> | undefined;

  constructor(
    private readonly fromMs: number,
    private readonly toMs: number,
  ) {}

  add(source: PointSource): void {
    this.sources.push(source);
    const ts = source.timestamps;
    for (let i = 0; i < ts.length; i++) {
      const t = ts[i]!;
      if (t < this.fromMs || t > this.toMs) continue;
      if (this.seen) {
        this.seen.add(t);
        continue;
      }
      if (t > this.last) {
        this.last = t;
        this.size++;
        continue;
      }
      this.seen = new Set();
      for (const s of this.sources)
        for (let j = 0; j < s.timestamps.length; j++) {
          const u = s.timestamps[j]!;
          if (u >= this.fromMs && u <= this.toMs) this.seen.add(u);
        }
      // The rest of this source was just added with the others.
      break;
    }
    if (this.seen) this.size = this.seen.size;
  }
}
