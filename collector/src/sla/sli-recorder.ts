// SLI ingest: turns samples of the counters an SLI on metrics selects into per-minute event counts,
// in memory and without I/O. For every other series the cost is one map lookup by metric name.
// A sample that cannot be applied in order (out of order, late, during start-up or a running
// re-read) is routed to a re-read of raw samples, as probe results are.
import type { StoredSeriesSamples } from '../common/samples.js';
import { MINUTE_MS } from './domain/bitmap.js';
import { counterIncrease } from './domain/sli-events.js';
import type { SlaState } from './sla-state.js';
import type { SlaRebuilder } from './sla-rebuilder.js';
import type { SliMatch } from './sli-tracker.js';

/** Part of SlaRecorder, which hands it every ingested batch. */
export class SliRecorder {
  constructor(
    private readonly state: SlaState,
    private readonly rebuilder: SlaRebuilder,
  ) {}

  onSamples(batch: readonly StoredSeriesSamples[], fromPeer = false): void {
    // Classify the whole batch first: a histogram's buckets and its _count arrive together, and
    // the _count counts only once a bucket at the threshold is known.
    const matched: [StoredSeriesSamples, readonly SliMatch[]][] = [];
    for (const s of batch) {
      const matches = this.state.sli.matchesOf(s.series);
      if (matches.length > 0) matched.push([s, matches]);
    }
    for (const [s, matches] of matched) this.apply(s, matches, fromPeer);
  }

  /** Samples of one series in time order; the increase from the previous sample goes to the later one's minute. */
  private apply(s: StoredSeriesSamples, matches: readonly SliMatch[], fromPeer: boolean): void {
    const { state, rebuilder } = this;
    const tracker = state.sli;
    let prev = tracker.lastPoint(s.series.id);
    let first = Number.POSITIVE_INFINITY;
    for (let i = 0; i < s.timestamps.length; i++) {
      const ts = s.timestamps[i]!;
      const value = s.values[i]!;
      first = Math.min(first, ts);
      const minute = Math.floor(ts / MINUTE_MS);
      if (prev && ts <= prev[0]) {
        // Older than what was applied: the increases around it changed, re-read those minutes.
        if (ts < prev[0]) for (const m of matches) rebuilder.defer(m.service, minute, Math.floor(prev[0] / MINUTE_MS) + 1, 'out_of_order');
        continue;
      }
      for (const m of matches) {
        if (!tracker.counts(m)) continue;
        const deferred = rebuilder.deferral(m.service, minute, fromPeer);
        if (deferred) {
          rebuilder.defer(m.service, minute, minute + 1, deferred);
          continue;
        }
        // Without a known earlier sample this one is only a baseline.
        const increase = prev ? counterIncrease(prev[1], value) : 0;
        if (m.role === 'good') state.status.addEvents(m.service, minute, increase, 0, false);
        else state.status.addEvents(m.service, minute, 0, increase, true);
        state.counters.samplesApplied++;
      }
      prev = [ts, value];
    }
    if (!prev || first === Number.POSITIVE_INFINITY) return;
    tracker.notePoint(s.series.id, prev[0], prev[1]);
    // Kept with the probes' last-seen times (persisted), under the pseudo-probe names sli:good / sli:total.
    for (const m of matches) state.noteSeen(m.service, `sli:${m.role}`, first, true, prev[0]);
  }
}
