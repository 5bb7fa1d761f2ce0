import { Inject, Injectable } from '@nestjs/common';
import { Counter, type Registry } from 'prom-client';
import { METRICS_REGISTRY } from '../common/tokens.js';

/** What the HTTP receivers took in and refused, by receiver (remote_write, otlp). */
@Injectable()
export class ReceiversMetrics {
  readonly requests: Counter<'receiver' | 'code'>;
  readonly samples: Counter<'receiver'>;
  readonly dropped: Counter<'receiver' | 'reason'>;

  constructor(@Inject(METRICS_REGISTRY) registry: Registry) {
    const registers = [registry];
    this.requests = new Counter({ name: 'vigil_receiver_requests_total', help: 'Requests to the remote-write and OTLP receivers, by HTTP status code.', labelNames: ['receiver', 'code'], registers });
    this.samples = new Counter({ name: 'vigil_receiver_samples_total', help: 'Samples the receivers stored.', labelNames: ['receiver'], registers });
    this.dropped = new Counter({
      name: 'vigil_receiver_samples_dropped_total',
      help: 'Samples or points the receivers did not store, by reason (duplicate: at or before the newest stored sample of the series).',
      labelNames: ['receiver', 'reason'],
      registers,
    });
    for (const receiver of ['remote_write', 'otlp']) this.samples.inc({ receiver }, 0);
  }
}
