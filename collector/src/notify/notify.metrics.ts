import { Inject, Injectable } from '@nestjs/common';
import { Counter, Gauge, type Registry } from 'prom-client';
import { METRICS_REGISTRY } from '../common/tokens.js';
import { OutboxRepository } from './outbox.repository.js';

export type NotificationOutcome = 'delivered' | 'retry' | 'failed' | 'superseded';

/** Delivery attempts by outcome, and the outbox backlog (read from SQLite at scrape time). */
@Injectable()
export class NotifyMetrics {
  private readonly notifications: Counter<'notifier' | 'outcome'>;

  constructor(@Inject(METRICS_REGISTRY) registry: Registry, outbox: OutboxRepository) {
    const registers = [registry];
    this.notifications = new Counter({
      name: 'vigil_notifications_total',
      help: 'Notification attempts and decisions by notifier and outcome (delivered, retry, failed, superseded).',
      labelNames: ['notifier', 'outcome'],
      registers,
    });
    new Gauge({
      name: 'vigil_notification_outbox_pending',
      help: 'Notifications waiting in the outbox (due later, being retried, or queued).',
      registers,
      async collect() {
        this.set((await outbox.countByState()).pending);
      },
    });
  }

  notification(notifier: string, outcome: NotificationOutcome, count = 1): void {
    this.notifications.inc({ notifier, outcome }, count);
  }
}
