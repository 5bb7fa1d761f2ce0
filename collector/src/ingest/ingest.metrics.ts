import { Inject, Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { METRICS_REGISTRY, SAMPLE_STORE } from '../common/tokens.js';
import type { SampleStore } from '../storage/storage.types.js';
import { AgentsService } from '../agents/agents.service.js';

/** The collector's own ingest health: what came in, what was refused and why, how fast it was acked. */
@Injectable()
export class IngestMetrics {
  readonly samples: Counter<string>;
  readonly batches: Counter<'outcome'>;
  readonly rejectedSamples: Counter<'reason'>;
  readonly rejectedStreams: Counter<'reason'>;
  readonly ackLatency: Histogram<string>;
  readonly storageWrite: Histogram<string>;

  constructor(@Inject(METRICS_REGISTRY) registry: Registry, @Inject(SAMPLE_STORE) store: SampleStore, agents: AgentsService) {
    const registers = [registry];
    this.samples = new Counter({ name: 'vigil_ingest_samples_total', help: 'Samples durably stored.', registers });
    this.batches = new Counter({ name: 'vigil_ingest_batches_total', help: 'Batches received, by outcome (stored, duplicate, rejected).', labelNames: ['outcome'], registers });
    this.rejectedSamples = new Counter({ name: 'vigil_ingest_rejected_samples_total', help: 'Samples not stored, by reason.', labelNames: ['reason'], registers });
    this.rejectedStreams = new Counter({ name: 'vigil_ingest_rejected_streams_total', help: 'Agent streams refused or ended by the collector, by reason.', labelNames: ['reason'], registers });
    this.ackLatency = new Histogram({
      name: 'vigil_ingest_ack_latency_seconds',
      help: 'Time from a batch arriving to its ack being sent (includes the durable commit).',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    this.storageWrite = new Histogram({
      name: 'vigil_storage_write_duration_seconds',
      help: 'Duration of one group commit to storage.',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers,
    });
    new Gauge({ name: 'vigil_agents_connected', help: 'Agents with an open ingest stream.', registers, collect() { this.set(agents.connectedCount()); } });
    // The write path's backlog: what an operator watches when acks slow down (docs/storage.md, behind mode).
    if (store.stats) {
      const stats = () => store.stats!();
      new Gauge({ name: 'vigil_storage_queued_samples', help: 'Samples received and waiting for a group commit.', registers, collect() { this.set(stats().queuedSamples); } });
      new Gauge({ name: 'vigil_storage_log_samples', help: 'Samples committed to the log and not yet compacted into chunks; near the log bound writers are slowed (acks come later).', registers, collect() { this.set(stats().logSamples); } });
    }
    store.onCommit((info) => this.storageWrite.observe(info.durationMs / 1000));
    for (const outcome of ['stored', 'duplicate', 'rejected']) this.batches.inc({ outcome }, 0);
  }
}
