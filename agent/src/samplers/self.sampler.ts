// The agent's own health: memory, CPU, spool backlog, drops and I/O errors, skipped ticks, rejections, and which
// collector endpoint it streams to.
import { sample, type ReasonCounter, type Sample, type Sampler } from '../pipeline/types.js';

export interface SelfStats {
  spoolPendingBatches(): number;
  spoolDropped: ReasonCounter;
  rejectedSamples: ReasonCounter;
  skippedTicks(): number;
  /** Failed spool I/O operations by reason; a reason appears once it happened. */
  spoolErrors?: ReasonCounter;
  /** Rejection messages from the collector by reason; a reason appears once it happened. */
  rejections?: ReasonCounter;
  /** The collector endpoint streamed to (as configured, and the address dialed); undefined while not streaming. */
  collector?(): { configured: string; target: string } | undefined;
  /** Switches to another collector endpoint than the previous connection's. */
  collectorFailovers?(): number;
}

export class SelfSampler implements Sampler {
  readonly name = 'self';
  constructor(private readonly stats: SelfStats) {}

  async collect(nowMs: number): Promise<Sample[]> {
    const cpu = process.cpuUsage();
    const out = [
      sample('vigil_agent_resident_memory_bytes', 'gauge', process.memoryUsage.rss(), nowMs),
      sample('vigil_agent_cpu_seconds_total', 'counter', (cpu.user + cpu.system) / 1e6, nowMs),
      sample('vigil_agent_spool_pending_batches', 'gauge', this.stats.spoolPendingBatches(), nowMs),
      sample('vigil_agent_skipped_ticks_total', 'counter', this.stats.skippedTicks(), nowMs),
    ];
    for (const [reason, n] of this.stats.spoolDropped.entries()) out.push(sample('vigil_agent_spool_dropped_batches_total', 'counter', n, nowMs, { reason }));
    for (const [reason, n] of this.stats.rejectedSamples.entries()) out.push(sample('vigil_agent_rejected_samples_total', 'counter', n, nowMs, { reason }));
    for (const [reason, n] of this.stats.spoolErrors?.entries() ?? []) out.push(sample('vigil_agent_spool_errors_total', 'counter', n, nowMs, { reason }));
    for (const [reason, n] of this.stats.rejections?.entries() ?? []) out.push(sample('vigil_agent_rejections_total', 'counter', n, nowMs, { reason }));
    if (this.stats.collectorFailovers) out.push(sample('vigil_agent_collector_failovers_total', 'counter', this.stats.collectorFailovers(), nowMs));
    const collector = this.stats.collector?.();
    if (collector) out.push(sample('vigil_agent_collector_info', 'gauge', 1, nowMs, { collector: collector.configured, address: collector.target }));
    return out;
  }
}
