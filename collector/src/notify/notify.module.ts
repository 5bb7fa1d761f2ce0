import { Module } from '@nestjs/common';
import { CONFIG } from '../common/tokens.js';
import { notifyConfigOf } from './notify.config.js';
import { NotifyMetrics } from './notify.metrics.js';
import { NOTIFICATION_QUEUE, NOTIFY_CONFIG } from './notify.ports.js';
import { NotifyService } from './notify.service.js';
import { OutboxRepository } from './outbox.repository.js';

/**
 * Notifications: the configured notifiers (webhook, Alertmanager, PagerDuty), the durable outbox
 * and its delivery worker. Exports the NotificationQueue port; knows nothing of who queues.
 */
@Module({
  providers: [
    { provide: NOTIFY_CONFIG, useFactory: notifyConfigOf, inject: [CONFIG] },
    OutboxRepository,
    NotifyMetrics,
    NotifyService,
    { provide: NOTIFICATION_QUEUE, useExisting: NotifyService },
  ],
  exports: [NOTIFICATION_QUEUE],
})
export class NotifyModule {}
