import { Inject, Injectable } from '@nestjs/common';
import { Counter, Gauge, type Registry } from 'prom-client';
import { METRICS_REGISTRY } from '../common/tokens.js';
import { RollupsService } from './rollups.service.js';

/** Rollup and retention health: backlog, recomputes, what was deferred or deleted, and why. */
@Injectable()
export class RollupsMetrics {
  constructor(@Inject(METRICS_REGISTRY) registry: Registry, rollups: RollupsService) {
    const s = rollups.stats;
    const gauge = (name: string, help: string, collect: (g: Gauge) => void) =>
      new Gauge({ name, help, registers: [registry], collect() { collect(this); } });
    // The service keeps the totals; a scrape copies them into real counters (reset, then inc).
    const counter = (name: string, help: string, labelNames: string[], totals: () => Iterable<[Record<string, string>, number]>) =>
      new Counter({
        name,
        help,
        labelNames,
        registers: [registry],
        collect() {
          this.reset();
          for (const [labels, n] of totals()) this.inc(labels, n);
        },
      });
    const byLabel = (label: string, values: Record<string, number>) => Object.entries(values).map(([k, n]): [Record<string, string>, number] => [{ [label]: k }, n]);
    gauge('vigil_rollup_pending_buckets', 'Rollup buckets aggregated in memory, not yet written.', (g) => g.set(rollups.pendingBuckets));
    gauge('vigil_rollup_recompute_queue', 'Series waiting for a recompute of their rollups from raw samples.', (g) => g.set(rollups.queuedRecomputes));
    counter('vigil_rollup_written_buckets_total', 'Rollup buckets merged into the stored tiers.', ['tier'], () => byLabel('tier', s.flushedBuckets));
    counter('vigil_rollup_deferred_samples_total', 'Samples left to a recompute from raw instead of aggregated in memory, by reason.', ['reason'], () => byLabel('reason', rollups.deferredSamples));
    counter('vigil_rollup_recomputes_total', 'Recomputes of a series from raw samples, by reason.', ['reason'], () => byLabel('reason', s.recomputes));
    counter('vigil_rollup_errors_total', 'Rollup work that failed or was dropped, by reason.', ['reason'], () =>
      byLabel('reason', { write_failed: s.writeFailures, recompute_failed: s.recomputeFailures, recompute_queue_full: s.recomputeDropped }),
    );
    counter('vigil_retention_deleted_total', 'Samples (raw) and buckets (1m, 1h) deleted by retention.', ['tier'], () => byLabel('tier', s.retentionDeleted));
    counter('vigil_rollup_listener_cpu_seconds_total', 'CPU time the rollups spent in the ingest listener.', [], () => [[{}, s.listenerCpuMicros / 1e6]]);
  }
}
