import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { CLOCK, type Clock } from '../common/clock.js';
import type { Transaction } from '../database/database.js';
import { LEADERSHIP, NotLeaderError, type Leadership } from '../leadership/leadership.js';
import { DeliveryWorker, type DeliveryOutcome } from './delivery-worker.js';
import { AlertmanagerNotifier, createNotifier } from './notifiers.js';
import type { NotifyConfig } from './notify.config.js';
import { NotifyMetrics } from './notify.metrics.js';
import { NotifierHealth } from './notifier-health.js';
import { NOTIFY_CONFIG, type NotificationQueue } from './notify.ports.js';
import type { NotificationMessage, Notifier } from './notify.types.js';
import { OutboxRepository, type Fence, type OutboxEntry } from './outbox.repository.js';

/** Finished outbox rows older than `delivery.retention` are deleted this often. */
const PRUNE_EVERY_MS = 3_600_000;

const subjectOf = (incidentId: number) => `incident:${incidentId}`;

/**
 * Builds the configured notifiers, turns messages into durable outbox entries, runs the delivery
 * worker and prunes finished entries. Offered to other features as the NotificationQueue port.
 * Every collector queues; only the leader delivers and prunes (its outbox writes are fenced).
 */
@Injectable()
export class NotifyService implements NotificationQueue, OnModuleInit, OnApplicationShutdown {
  private readonly log = new Logger('notify');
  readonly notifiers: ReadonlyMap<string, Notifier>;
  readonly worker: DeliveryWorker;
  private readonly listeners = new Set<(outcome: DeliveryOutcome) => void>();
  private readonly health = new NotifierHealth();
  private pruneTimer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  /** Deliveries and pruning are the leader's: their transactions start with its fencing check. */
  private readonly fence: Fence;

  constructor(
    @Inject(NOTIFY_CONFIG) private readonly config: NotifyConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly outbox: OutboxRepository,
    private readonly metrics: NotifyMetrics,
    @Inject(LEADERSHIP) private readonly leadership: Leadership,
  ) {
    this.fence = (tx) => leadership.assertLeader(tx);
    this.notifiers = new Map(config.notifiers.map((c) => [c.name, createNotifier(c)]));
    const d = config.delivery;
    this.worker = new DeliveryWorker(
      outbox,
      this.notifiers,
      clock,
      { concurrency: d.concurrency, maxAttempts: d.max_attempts, backoffInitialMs: d.backoff_initial, backoffMaxMs: d.backoff_max, pollIntervalMs: 1000, active: () => leadership.isLeader() },
      (outcome) => this.outcome(outcome),
      undefined,
      undefined,
      this.fence,
    );
  }

  onModuleInit(): void {
    this.unsubscribe = this.leadership.onChange((leader) => {
      if (leader) this.worker.wake();
    });
    this.worker.start();
    this.prune();
    this.pruneTimer = setInterval(() => this.prune(), PRUNE_EVERY_MS);
    this.pruneTimer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    this.unsubscribe?.();
    await this.worker.stop();
  }

  onOutcome(listener: (outcome: DeliveryOutcome) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async queue(tx: Transaction, message: NotificationMessage, keyBase: string, dueMs: number, only?: readonly string[]): Promise<string[]> {
    const entries = this.entriesFor(message, keyBase, dueMs, only);
    await this.outbox.enqueue(tx, entries);
    return entries.map((e) => e.notifier);
  }

  async prepareResolve(tx: Transaction, incidentId: number, nowMs: number): Promise<string[]> {
    const history = await this.outbox.history(subjectOf(incidentId), tx);
    const targets: string[] = [];
    for (const name of this.notifiers.keys()) {
      const rows = history.filter((r) => r.notifier === name);
      // Only what was queued since the last resolve counts (a reopened incident starts afresh).
      let start = 0;
      rows.forEach((r, i) => {
        if (r.event === 'resolve' && r.state !== 'superseded') start = i + 1;
      });
      const since = rows.slice(start);
      const unattempted = since.filter((r) => r.state === 'pending' && r.attempts === 0).map((r) => r.id);
      const superseded = await this.outbox.supersede(tx, unattempted, nowMs);
      if (superseded) this.metrics.notification(name, 'superseded', superseded);
      const claimedMeanwhile = superseded < unattempted.length;
      if (claimedMeanwhile || since.some((r) => r.state === 'delivered' || r.attempts > 0)) targets.push(name);
    }
    return targets;
  }

  refreshingNotifiers(): Array<{ name: string; intervalMs: number }> {
    return [...this.notifiers.values()].filter((n): n is AlertmanagerNotifier => n instanceof AlertmanagerNotifier).map((n) => ({ name: n.name, intervalMs: n.resendIntervalMs }));
  }

  wake(): void {
    this.worker.wake();
  }

  /** Outbox entries for every notifier that wants this message. */
  private entriesFor(message: NotificationMessage, keyBase: string, dueMs: number, only?: readonly string[]): OutboxEntry[] {
    const createdMs = this.clock.now();
    const body = JSON.stringify(message);
    const out: OutboxEntry[] = [];
    for (const notifier of this.notifiers.values()) {
      if (only && !only.includes(notifier.name)) continue;
      if (!notifier.accepts(message)) continue;
      out.push({ notifier: notifier.name, subject: subjectOf(message.incidentId), event: message.event, message: body, idempotencyKey: `${keyBase}-${notifier.name}`, dueMs, createdMs });
    }
    return out;
  }

  private prune(): void {
    if (!this.leadership.isLeader()) return;
    this.outbox.prune(this.clock.now() - this.config.delivery.retention, this.fence).catch((error) => {
      // Another collector leads now: pruning is its job.
      if (!(error instanceof NotLeaderError)) this.log.error(`outbox prune failed: ${String(error)}`);
    });
  }

  private outcome(outcome: DeliveryOutcome): void {
    this.metrics.notification(outcome.row.notifier, outcome.outcome);
    const change = this.health.observe(outcome, this.clock.now());
    if (change) this.log[change.level](change.line);
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
