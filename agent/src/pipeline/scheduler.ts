// Runs a task on wall-clock-aligned ticks (every 10 s at :00, :10, ...), so the agents of a fleet sample at the
// same instants. Ticks never overlap: a tick due while the previous one still runs is skipped and counted.
import type { Logger } from '../log.js';
import { silentLogger } from '../log.js';
import { systemClock, type Clock } from './types.js';

export interface SchedulerOptions {
  intervalMs: number;
  /** Also run once right at start (not aligned), instead of waiting for the first aligned tick. */
  runAtStart?: boolean;
  task: (nowMs: number) => Promise<void>;
  clock?: Clock;
  logger?: Logger;
}

/** Pure: the first aligned instant strictly after `nowMs`. */
export function nextAlignedTick(nowMs: number, intervalMs: number): number {
  return (Math.floor(nowMs / intervalMs) + 1) * intervalMs;
}

export class Scheduler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private skipped = 0;
  private ticks = 0;
  private readonly clock: Clock;
  private readonly logger: Logger;

  constructor(private readonly options: SchedulerOptions) {
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silentLogger;
  }

  get skippedTicks(): number {
    return this.skipped;
  }

  get completedTicks(): number {
    return this.ticks;
  }

  start(): void {
    if (this.stopped || this.timer) return;
    if (this.options.runAtStart) this.fire(this.clock.now());
    else this.arm();
  }

  /** Stops future ticks and waits for a running one. Idempotent. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** Arms the timer for the first aligned tick after `after` (the tick that just fired, or now). */
  private arm(after = 0): void {
    const now = this.clock.now();
    const due = nextAlignedTick(Math.max(now, after), this.options.intervalMs);
    this.timer = setTimeout(() => this.fire(due), due - now);
    // The agent's main keeps the process alive; the scheduler alone must not.
    this.timer.unref();
  }

  private fire(due: number): void {
    if (this.stopped) return;
    // Timers may fire a millisecond early: arming from `now` would schedule the same tick again, 1 ms later,
    // and count it as skipped. The next tick comes after the one that is due.
    this.arm(due);
    if (this.running) {
      this.skipped++;
      this.logger.warn('tick skipped: the previous tick is still running', { skipped_total: this.skipped });
      return;
    }
    const run = this.options
      .task(this.clock.now())
      .then(() => void this.ticks++)
      .catch((error: unknown) => this.logger.error('tick failed', { error: error instanceof Error ? error.message : String(error) }))
      .finally(() => {
        if (this.running === run) this.running = undefined;
      });
    this.running = run;
  }
}
