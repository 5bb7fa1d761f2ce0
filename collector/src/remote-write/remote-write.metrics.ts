import { Inject, Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { METRICS_REGISTRY } from '../common/tokens.js';
import type { DropReason, RetryReason } from './send-outcome.js';

/** What a target has not sent yet, read at scrape time. */
export interface TargetBacklog {
  target: string;
  pendingSamples: number;
  /** Seconds since the oldest unsent sample was stored; 0 when nothing waits. */
  lagSeconds: number;
}

/** vigil_remote_write_*: sent, retried and dropped samples per target, backlog and lag at scrape time. */
@Injectable()
export class RemoteWriteMetrics {
  private readonly sentSamples: Counter<'target'>;
  private readonly failedSamples: Counter<'target' | 'reason'>;
  private readonly droppedSamples: Counter<'target' | 'reason'>;
  private readonly requestSeconds: Histogram<'target'>;
  private backlogs: () => Promise<TargetBacklog[]> = async () => [];

  constructor(@Inject(METRICS_REGISTRY) registry: Registry) {
    const registers = [registry];
    this.sentSamples = new Counter({ name: 'vigil_remote_write_sent_samples_total', help: 'Samples a remote-write target acknowledged (2xx).', labelNames: ['target'], registers });
    this.failedSamples = new Counter({
      name: 'vigil_remote_write_failed_samples_total',
      help: 'Samples of remote-write attempts that failed and are retried, by reason (http_5xx, http_429, network, timeout, credentials).',
      labelNames: ['target', 'reason'],
      registers,
    });
    this.droppedSamples = new Counter({
      name: 'vigil_remote_write_dropped_samples_total',
      help: 'Stored samples a remote-write target will never get, by reason (rejected: 4xx; out_of_order; backlog_full; unknown_series).',
      labelNames: ['target', 'reason'],
      registers,
    });
    this.requestSeconds = new Histogram({
      name: 'vigil_remote_write_request_duration_seconds',
      help: 'Duration of remote-write requests, whatever their answer.',
      labelNames: ['target'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    const metrics = this;
    new Gauge({
      name: 'vigil_remote_write_pending_samples',
      help: 'Stored samples a remote-write target has not acknowledged yet.',
      labelNames: ['target'],
      registers,
      async collect() {
        this.reset();
        for (const b of await metrics.backlogs()) this.set({ target: b.target }, b.pendingSamples);
      },
    });
    new Gauge({
      name: 'vigil_remote_write_lag_seconds',
      help: 'Age of the oldest stored sample a remote-write target has not acknowledged (time since its commit); 0 when caught up.',
      labelNames: ['target'],
      registers,
      async collect() {
        this.reset();
        for (const b of await metrics.backlogs()) this.set({ target: b.target }, b.lagSeconds);
      },
    });
  }

  /** Where the backlog gauges read from (the service, once its targets are known). */
  readBacklogsFrom(source: () => Promise<TargetBacklog[]>): void {
    this.backlogs = source;
  }

  /** Makes every target's series visible from the start, at zero. */
  declareTarget(target: string): void {
    this.sentSamples.inc({ target }, 0);
  }

  sent(target: string, samples: number): void {
    this.sentSamples.inc({ target }, samples);
  }

  failed(target: string, reason: RetryReason, samples: number): void {
    this.failedSamples.inc({ target, reason }, samples);
  }

  dropped(target: string, reason: DropReason, samples: number): void {
    this.droppedSamples.inc({ target, reason }, samples);
  }

  request(target: string, seconds: number): void {
    this.requestSeconds.observe({ target }, seconds);
  }
}
