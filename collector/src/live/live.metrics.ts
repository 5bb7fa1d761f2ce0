import { Inject, Injectable } from '@nestjs/common';
import { Counter, Gauge, type Registry } from 'prom-client';
import { METRICS_REGISTRY } from '../common/tokens.js';

export type LiveDropReason = 'unauthorized' | 'too_many_clients' | 'slow_client' | 'relay_failed';

/** Live-feed clients and the messages (or connections) they did not get. */
@Injectable()
export class LiveMetrics {
  private readonly dropped: Counter<'reason'>;
  private clientsSource: () => number = () => 0;

  constructor(@Inject(METRICS_REGISTRY) registry: Registry) {
    const self = this;
    new Gauge({
      name: 'vigil_live_clients',
      help: 'Connected live-feed WebSocket clients.',
      registers: [registry],
      collect() {
        this.set(self.clientsSource());
      },
    });
    this.dropped = new Counter({
      name: 'vigil_live_messages_dropped_total',
      help: 'Live-feed messages not sent, by reason.',
      labelNames: ['reason'],
      registers: [registry],
    });
  }

  bindClients(source: () => number): void {
    this.clientsSource = source;
  }

  droppedOne(reason: LiveDropReason): void {
    this.dropped.inc({ reason });
  }
}
