import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { CLOCK, type Clock } from '../common/clock.js';
import { CONFIG } from '../common/tokens.js';
import type { NotifierConfig, IncidentsSettings } from '../incidents/incidents.config.js';
import { IncidentsMetrics } from '../incidents/incidents.metrics.js';
import { INCIDENTS_SETTINGS } from '../incidents/incidents.tokens.js';
import { DeliveryWorker, type DeliveryOutcome } from './delivery-worker.js';
import { AlertmanagerNotifier, createNotifier } from './notifiers.js';
import type { NotificationMessage, Notifier } from './notify.types.js';
import { OutboxRepository, type OutboxEntry } from './outbox.repository.js';

export interface NotifyConfigView {
  notifiers: readonly NotifierConfig[];
  incidents?: IncidentsSettings;
}

/** Builds the configured notifiers, runs the delivery worker, and turns messages into outbox entries. */
@Injectable()
export class NotifyService implements OnModuleInit, OnApplicationShutdown {
  private readonly log = new Logger('notify');
  readonly notifiers: ReadonlyMap<string, Notifier>;
  readonly worker: DeliveryWorker;
  private readonly listeners = new Set<(outcome: DeliveryOutcome) => void>();

  constructor(
    @Inject(CONFIG) config: NotifyConfigView,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly outbox: OutboxRepository,
    private readonly metrics: IncidentsMetrics,
    @Inject(INCIDENTS_SETTINGS) settings: IncidentsSettings,
  ) {
    this.notifiers = new Map(config.notifiers.map((c) => [c.name, createNotifier(c)]));
    const d = settings.delivery;
    this.worker = new DeliveryWorker(
      outbox,
      this.notifiers,
      clock,
      { concurrency: d.concurrency, maxAttempts: d.max_attempts, backoffInitialMs: d.backoff_initial, backoffMaxMs: d.backoff_max, pollIntervalMs: 1000 },
      (outcome) => this.outcome(outcome),
    );
  }

  onModuleInit(): void {
    this.worker.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.worker.stop();
  }

  onOutcome(listener: (outcome: DeliveryOutcome) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Outbox entries for every notifier that wants this message; `keyBase` makes the idempotency keys. */
  entriesFor(message: NotificationMessage, keyBase: string, dueMs: number, only?: readonly string[]): OutboxEntry[] {
    const createdMs = this.clock.now();
    const body = JSON.stringify(message);
    const out: OutboxEntry[] = [];
    for (const notifier of this.notifiers.values()) {
      if (only && !only.includes(notifier.name)) continue;
      if (!notifier.accepts(message)) continue;
      out.push({ notifier: notifier.name, subject: `incident:${message.incidentId}`, event: message.event, message: body, idempotencyKey: `${keyBase}-${notifier.name}`, dueMs, createdMs });
    }
    return out;
  }

  /** Alertmanager notifiers with their resend intervals (firing alerts must be refreshed). */
  refreshingNotifiers(): Array<{ name: string; intervalMs: number }> {
    return [...this.notifiers.values()].filter((n): n is AlertmanagerNotifier => n instanceof AlertmanagerNotifier).map((n) => ({ name: n.name, intervalMs: n.resendIntervalMs }));
  }

  enqueue(entries: readonly OutboxEntry[]): Promise<void> {
    return this.outbox.enqueue(entries);
  }

  wake(): void {
    this.worker.wake();
  }

  private outcome(outcome: DeliveryOutcome): void {
    this.metrics.notification(outcome.row.notifier, outcome.outcome);
    if (outcome.outcome === 'failed') this.log.warn(`notification ${outcome.row.idempotency_key} to ${outcome.row.notifier} failed: ${outcome.error}`);
    for (const listener of this.listeners) {
      try {
        listener(outcome);
      } catch (error) {
        this.log.error(`outcome listener failed: ${String(error)}`);
      }
    }
  }
}
