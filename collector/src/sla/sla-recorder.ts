// SLA ingest: folds probe results into the per-minute states, in memory and without I/O: on the
// leader only, those this collector stored (announced on the event bus) and, with several collectors
// on one database, those its peers stored (SampleStore.followPeers). A result that cannot be applied incrementally (before start-up finished, older
// than the per-agent evidence, or inside a running re-read) is routed to a re-read of raw samples.
import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { CollectorEvents } from '../common/events.js';
import type { StoredSeriesSamples } from '../common/samples.js';
import { SAMPLE_STORE } from '../common/tokens.js';
import { LEADERSHIP, type Leadership } from '../leadership/leadership.js';
import type { SampleStore } from '../storage/storage.types.js';
import { MINUTE_MS } from './domain/bitmap.js';
import { SlaState } from './sla-state.js';
import { SlaRebuilder } from './sla-rebuilder.js';
import { PROBE_DURATION, PROBE_SUCCESS, countsFor } from './probe-metrics.js';
import { SliRecorder } from './sli-recorder.js';

@Injectable()
export class SlaRecorder implements OnModuleDestroy {
  private readonly unsubscribe: () => void;
  /** Counter samples of SLIs on metrics become per-minute event counts there. */
  private readonly sli: SliRecorder;

  constructor(
    events: CollectorEvents,
    @Inject(SAMPLE_STORE) private readonly store: SampleStore,
    @Inject(LEADERSHIP) private readonly leadership: Leadership,
    private readonly state: SlaState,
    private readonly rebuilder: SlaRebuilder,
  ) {
    this.sli = new SliRecorder(state, rebuilder);
    // Subscribe at once so nothing committed during start-up is missed; until ready, samples
    // are only noted for a re-read from raw storage.
    this.unsubscribe = events.on('samples', (samples) => this.onSamples(samples, false));
  }

  /**
   * Starts folding in what other collectors store (the leader's job); returns the stop function.
   * Call it before re-reading raw samples, so nothing committed in between is missed.
   */
  followPeers(): () => void {
    return this.store.followPeers?.((samples) => this.onSamples(samples, true)) ?? (() => undefined);
  }

  onModuleDestroy(): void {
    this.unsubscribe();
  }

  private onSamples(batch: readonly StoredSeriesSamples[], fromPeer: boolean): void {
    // A follower's minute states are a copy of what the leader persisted.
    if (!this.leadership.isLeader()) return;
    this.sli.onSamples(batch, fromPeer);
    const { state } = this;
    for (const s of batch) {
      const metric = s.series.metric;
      if (metric !== PROBE_SUCCESS && metric !== PROBE_DURATION) continue;
      const probe = s.series.labels.probe;
      if (probe === undefined) continue;
      const services = state.servicesOf(probe);
      if (!services) continue;
      const agent = s.series.labels.agent ?? '';
      const host = s.series.labels.host ?? '';
      for (const svc of services) {
        if (!countsFor(svc, agent, host)) continue;
        const rules = state.rulesOf(svc.id)!;
        let first = Number.POSITIVE_INFINITY;
        let last = Number.NEGATIVE_INFINITY;
        for (let i = 0; i < s.timestamps.length; i++) {
          const ts = s.timestamps[i]!;
          const minute = Math.floor(ts / MINUTE_MS);
          if (ts < first) first = ts;
          if (ts > last) last = ts;
          const deferred = this.rebuilder.deferral(svc.id, minute, fromPeer);
          if (deferred) {
            this.rebuilder.defer(svc.id, minute, minute + 1, deferred);
            continue;
          }
          if (metric === PROBE_SUCCESS) state.status.applySuccess(rules, probe, agent, ts, s.values[i]!);
          else state.status.applyDuration(rules, ts, s.values[i]!);
          state.counters.samplesApplied++;
        }
        if (metric === PROBE_SUCCESS && s.timestamps.length > 0) state.noteSeen(svc.id, probe, first, true, last);
      }
    }
  }
}
