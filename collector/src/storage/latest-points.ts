import type { LogEntry } from './sample-log.js';
import type { Point } from './storage.types.js';

/** The newest sample of every series, kept in memory for latest() and the fleet exporter. */
export class LatestPoints {
  private readonly points = new Map<number, Point>();

  set(seriesId: number, point: Point): void {
    this.points.set(seriesId, point);
  }

  update(entries: readonly LogEntry[]): void {
    for (const e of entries) {
      const ts = e.timestamps;
      const point = this.points.get(e.seriesId);
      let bestTs = point ? point[0] : -1;
      let best = -1;
      // Equal timestamps: the later write wins, as in queryRange.
      for (let i = 0; i < ts.length; i++) {
        if (ts[i]! >= bestTs) {
          bestTs = ts[i]!;
          best = i;
        }
      }
      if (best < 0) continue;
      if (point) {
        point[0] = bestTs; // copy() hands out copies, so the tuple is updated in place
        point[1] = e.values[best]!;
      } else {
        this.points.set(e.seriesId, [bestTs, e.values[best]!]);
      }
    }
  }

  /** Forgets the points retention deleted. */
  dropBefore(seriesIds: readonly number[], cutoffMs: number): void {
    for (const id of seriesIds) {
      const p = this.points.get(id);
      if (p && p[0] < cutoffMs) this.points.delete(id);
    }
  }

  /** Forgets every point older than the cutoff. */
  dropAllBefore(cutoffMs: number): void {
    for (const [id, p] of this.points) if (p[0] < cutoffMs) this.points.delete(id);
  }

  /** Copies of the points of the given series (of all when omitted). */
  copy(seriesIds?: readonly number[]): Map<number, Point> {
    const out = new Map<number, Point>();
    if (seriesIds) {
      for (const id of seriesIds) {
        const p = this.points.get(id);
        if (p) out.set(id, [p[0], p[1]]);
      }
    } else {
      for (const [id, p] of this.points) out.set(id, [p[0], p[1]]);
    }
    return out;
  }
}
