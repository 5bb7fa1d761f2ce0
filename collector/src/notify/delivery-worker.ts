import { Logger } from '@nestjs/common';
import type { Clock } from '../common/clock.js';
import { backoffMs } from '../common/retry.js';
import { NotLeaderError } from '../leadership/leadership.js';
import { httpSend, type Sender } from './http-sender.js';
import type { NotificationMessage, Notifier } from './notify.types.js';
import type { Fence, OutboxRepository, OutboxRow } from './outbox.repository.js';

/**
 * How long past its timeout a claimed attempt keeps its entry from other workers: enough for the
 * bookkeeping after the send, so a successor never re-sends an attempt still being made.
 */
const LEASE_MARGIN_MS = 30_000;

export interface DeliverySettings {
  concurrency: number;
  maxAttempts: number;
  backoffInitialMs: number;
  backoffMaxMs: number;
  /** Safety-net poll; due entries are normally picked up by wake() or an exact timer. */
  pollIntervalMs: number;
  /** Whether this collector delivers now (the leader's job when several share a database); default always. */
  active?: () => boolean;
}

export interface DeliveryOutcome {
  row: OutboxRow;
  message: NotificationMessage | undefined;
  outcome: 'delivered' | 'retry' | 'failed';
  attempts: number;
  error?: string;
  nextDueMs?: number;
  httpStatus?: number;
}

/**
 * Delivers outbox entries: bounded concurrency, a timeout per attempt, exponential backoff.
 * An entry is marked delivered only after a 2xx; a crash in between re-sends it (once its claim's
 * lease ran out) with the same idempotency key (at-least-once, duplicates detectable by receivers).
 * Each attempt is claimed first, fenced when `fence` is given: a deposed leader starts no new
 * attempt, and two workers never make the same one. Nothing here runs on the ingest or evaluation
 * path: a dead receiver only makes its own entries wait.
 */
export class DeliveryWorker {
  private readonly log = new Logger('notify');
  private readonly inFlight = new Map<number, Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;
  private pumping = false;
  private again = false;
  private stopping: Promise<void> | undefined;

  constructor(
    private readonly repo: OutboxRepository,
    private readonly notifiers: ReadonlyMap<string, Notifier>,
    private readonly clock: Clock,
    private readonly settings: DeliverySettings,
    private readonly onOutcome: (outcome: DeliveryOutcome) => void = () => undefined,
    private readonly send: Sender = httpSend,
    private readonly random: () => number = Math.random,
    /** The leader's fencing check (Leadership.assertLeader), run first in each claim. */
    private readonly fence?: Fence,
  ) {}

  start(): void {
    this.wake();
  }

  /** Something was enqueued or finished: look for due work now. */
  wake(): void {
    this.schedule(0);
  }

  get inFlightCount(): number {
    return this.inFlight.size;
  }

  /** Resolves when nothing is in flight (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0 || this.pumping) {
      await Promise.allSettled([...this.inFlight.values()]);
      await new Promise((r) => setImmediate(r));
    }
  }

  /** Stops picking up work and waits for attempts in flight (each bounded by its timeout). Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      if (this.timer) clearTimeout(this.timer);
      this.timer = undefined;
      await this.idle();
    })();
    return this.stopping;
  }

  /** Launches deliveries for due entries up to the concurrency limit; returns how many started. */
  async runOnce(): Promise<number> {
    if (this.stopping || this.settings.active?.() === false) return 0;
    const free = this.settings.concurrency - this.inFlight.size;
    if (free <= 0) return 0;
    const rows = await this.repo.due(this.clock.now(), free + this.inFlight.size);
    let started = 0;
    for (const row of rows) {
      if (started >= free) break;
      if (this.inFlight.has(row.id)) continue;
      const attempt = this.deliver(row)
        .catch((error) => {
          // Deposed between two polls: the fenced write rolled back, the new leader delivers the entry.
          if (error instanceof NotLeaderError) this.log.warn(`outbox entry ${row.id} left to the new leader: ${error.message}`);
          else this.log.error(`delivery bookkeeping failed for outbox entry ${row.id}: ${String(error)}`);
        })
        .finally(() => {
          this.inFlight.delete(row.id);
          this.wake();
        });
      this.inFlight.set(row.id, attempt);
      started++;
    }
    return started;
  }

  private schedule(delayMs: number): void {
    if (this.stopping) return;
    // Real time on purpose: this is about when the timer fires, not about the data's clock.
    const at = Date.now() + delayMs;
    if (this.timer && this.timerAt <= at) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Infinity;
      void this.pump();
    }, delayMs);
    this.timer.unref();
  }

  private async pump(): Promise<void> {
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = true;
    try {
      // A standby only keeps polling (cheaply) until it leads; wake() starts it at once then.
      if (this.settings.active?.() === false) return this.schedule(this.settings.pollIntervalMs);
      do {
        this.again = false;
        await this.runOnce();
      } while (this.again && !this.stopping);
      // Sleep until the next entry becomes due (group_wait, backoff), at most one poll interval.
      const next = await this.repo.nextDueMs();
      const now = this.clock.now();
      const delay = next !== null && next > now ? Math.min(next - now, this.settings.pollIntervalMs) : this.settings.pollIntervalMs;
      this.schedule(delay);
    } catch (error) {
      if (!this.stopping) this.log.error(`outbox poll failed: ${String(error)}`);
      this.schedule(this.settings.pollIntervalMs);
    } finally {
      this.pumping = false;
    }
  }

  /** False when another worker claimed the attempt, the entry was superseded, or this collector no longer leads. */
  private async claim(row: OutboxRow, attempts: number, leaseUntilMs: number): Promise<boolean> {
    try {
      return await this.repo.claim(row.id, attempts, leaseUntilMs, this.fence);
    } catch (error) {
      if (error instanceof NotLeaderError) return false;
      throw error;
    }
  }

  private async deliver(row: OutboxRow): Promise<void> {
    const attempts = row.attempts + 1;
    const notifier = this.notifiers.get(row.notifier);
    let message: NotificationMessage | undefined;
    try {
      message = JSON.parse(row.message) as NotificationMessage;
    } catch {
      message = undefined;
    }
    if (!(await this.claim(row, attempts, this.clock.now() + (notifier?.timeoutMs ?? 0) + LEASE_MARGIN_MS))) return;
    if (!notifier || !message) {
      const error = !notifier ? `notifier "${row.notifier}" is no longer configured` : 'unreadable outbox message';
      await this.repo.finish(row.id, 'failed', attempts, this.clock.now(), error);
      this.onOutcome({ row, message, outcome: 'failed', attempts, error });
      return;
    }
    const request = notifier.render(message, { nowMs: this.clock.now(), idempotencyKey: row.idempotency_key });
    const result = await this.send(request, notifier.timeoutMs);
    const now = this.clock.now();
    if (result.status === 'success') {
      await this.repo.finish(row.id, 'delivered', attempts, now, null);
      this.onOutcome({ row, message, outcome: 'delivered', attempts, httpStatus: result.httpStatus });
      return;
    }
    if (result.status === 'failure' || attempts >= this.settings.maxAttempts) {
      const error = result.status === 'failure' ? result.error : `${result.error} (gave up after ${attempts} attempts)`;
      await this.repo.finish(row.id, 'failed', attempts, now, error);
      this.onOutcome({ row, message, outcome: 'failed', attempts, error });
      return;
    }
    const wait = Math.max(
      backoffMs(attempts, this.settings.backoffInitialMs, this.settings.backoffMaxMs, this.random),
      Math.min(result.retryAfterMs ?? 0, this.settings.backoffMaxMs),
    );
    await this.repo.retryLater(row.id, attempts, now + wait, result.error);
    this.onOutcome({ row, message, outcome: 'retry', attempts, error: result.error, nextDueMs: now + wait });
  }
}
