// Re-reads the events of an SLI on metrics from raw counter samples, through the SampleStore seam
// only: crash recovery, late or out-of-order samples, and the history of a new or changed service.
import type { SampleStore } from '../storage/storage.types.js';
import { MINUTE_MS } from './domain/bitmap.js';
import { addMinuteIncreases } from './domain/sli-events.js';
import type { SlaState } from './sla-state.js';
import type { ServiceModel } from './sla.model.js';

/**
 * How far before a re-read range samples are read as baselines: the increase into the first
 * minute of the range needs the sample before it. A counter silent for longer than this starts
 * the range from its first sample in it.
 */
export const BASELINE_LOOKBACK_MS = 60 * MINUTE_MS;

export interface SliMinutes {
  /** Good and total events per minute of [from, to), and whether a total sample fell in it. */
  good: Float64Array;
  total: Float64Array;
  sampled: Uint8Array;
}

export async function readSliMinutes(store: SampleStore, state: SlaState, svc: ServiceModel, from: number, to: number): Promise<SliMinutes> {
  const length = to - from;
  const read: SliMinutes = { good: new Float64Array(length), total: new Float64Array(length), sampled: new Uint8Array(length) };
  const tracker = state.sli;
  // Lookups run in the tracker's order (histogram buckets before _count), so every _count
  // series knows whether its histogram has a bucket at the threshold.
  const matched = [];
  for (const lookup of tracker.lookupsOf(svc.id)) {
    for (const series of await store.findSeries(lookup)) {
      const mine = tracker.matchesOf(series).filter((m) => m.service === svc.id);
      if (mine.length) matched.push({ series, mine });
    }
  }
  const seen = new Set<number>();
  for (const { series, mine } of matched) {
    if (seen.has(series.id)) continue;
    seen.add(series.id);
    const points = await store.queryRange(series.id, from * MINUTE_MS - BASELINE_LOOKBACK_MS, to * MINUTE_MS - 1);
    if (points.length === 0) continue;
    const [firstTs] = points[0]!;
    const [lastTs, lastValue] = points[points.length - 1]!;
    tracker.notePoint(series.id, lastTs, lastValue);
    for (const m of mine) {
      state.noteSeen(svc.id, `sli:${m.role}`, firstTs, true, lastTs);
      if (!tracker.counts(m)) continue;
      if (m.role === 'good') addMinuteIncreases(points, from, read.good);
      else addMinuteIncreases(points, from, read.total, read.sampled);
    }
  }
  return read;
}
