import { StorageClosedError } from './storage.errors.js';
import type { AppendOutcome, IncomingBatch, StoredSeriesSamples } from './storage.types.js';

export interface AppendResult {
  outcome: AppendOutcome;
  stored: StoredSeriesSamples[];
}

export interface QueuedAppend {
  batch: IncomingBatch;
  samples: number;
  resolve: (result: AppendResult) => void;
  reject: (error: unknown) => void;
}

interface Job {
  /** One bounded unit of work; true when the job is finished. */
  step(): Promise<boolean>;
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * The store's single writer: group commits of the queued appends, alternating with bounded steps of
 * the oldest maintenance job (a compaction round, retention, a read on the writer's turn). Only one
 * of them touches the database at a time, so a job never sees a commit half-way.
 *
 * After each commit, jobs get a turn of at least `jobSliceMs`, or as long as that commit took: small
 * steps keep a commit's wait short, and jobs still get half of a busy writer (one step per commit
 * starved compaction when commits were large and steps small). While `behind()` holds (the log
 * nears its bound), the turn lasts until it no longer does: commits wait, so senders slow down
 * (acks come later) instead of being refused once the log is full. While `light()` holds (the log
 * is under its compaction trigger: nothing presses), the turn is one step: a burst of appends (every
 * agent reconnecting) is not held behind the rest of a round that can as well finish later.
 */
export class WriteLoop {
  private readonly queue: QueuedAppend[] = [];
  private queued = 0;
  private readonly jobs: Job[] = [];
  private running = false;
  private idle: Promise<void> = Promise.resolve();
  private markIdle: () => void = () => undefined;
  private stopped = false;

  constructor(
    private readonly limits: { maxGroupSamples: number; maxGroupBatches: number; jobSliceMs: number },
    private readonly commit: (group: QueuedAppend[]) => Promise<void>,
    private readonly behind: () => boolean = () => false,
    private readonly light: () => boolean = () => false,
  ) {}

  get closed(): boolean {
    return this.stopped;
  }

  get queuedBatches(): number {
    return this.queue.length;
  }

  get queuedSamples(): number {
    return this.queued;
  }

  /** Queues an append; it resolves or rejects when its group commit does. */
  append(batch: IncomingBatch, samples: number): Promise<AppendResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ batch, samples, resolve, reject });
      this.queued += samples;
      this.kick();
    });
  }

  /** Queues a maintenance job, run one step at a time between group commits. */
  enqueue(step: () => Promise<boolean>): Promise<void> {
    if (this.stopped) return Promise.reject(new StorageClosedError());
    return new Promise((resolve, reject) => {
      this.jobs.push({ step, resolve, reject });
      this.kick();
    });
  }

  /** Commits the appends already queued, then abandons the jobs not finished. Safe to call twice. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.idle;
    for (const job of this.jobs.splice(0)) job.reject(new StorageClosedError());
  }

  private kick(): void {
    if (this.running) return;
    this.running = true;
    this.idle = new Promise((resolve) => (this.markIdle = resolve));
    // Start on the next microtask so appends made in the same tick share the first commit.
    queueMicrotask(() => void this.loop());
  }

  private async loop(): Promise<void> {
    try {
      while (this.queue.length > 0 || (this.jobs.length > 0 && !this.stopped)) {
        const started = performance.now();
        if (this.queue.length > 0) await this.commit(this.takeGroup());
        const turnEnds = this.light() ? 0 : performance.now() + Math.max(this.limits.jobSliceMs, performance.now() - started);
        do {
          if (this.jobs.length === 0 || this.stopped) break;
          await this.runJobStep(this.jobs[0]!);
        } while (performance.now() < turnEnds || this.behind());
      }
    } finally {
      this.running = false;
      this.markIdle();
    }
  }

  private takeGroup(): QueuedAppend[] {
    let samples = 0;
    let n = 0;
    while (n < this.queue.length && n < this.limits.maxGroupBatches) {
      const s = this.queue[n]!.samples;
      if (n > 0 && samples + s > this.limits.maxGroupSamples) break;
      samples += s;
      n++;
    }
    this.queued -= samples;
    return this.queue.splice(0, n);
  }

  private async runJobStep(job: Job): Promise<void> {
    let finished: boolean;
    try {
      finished = await job.step();
    } catch (error) {
      this.jobs.shift();
      job.reject(error);
      return;
    }
    if (finished) {
      this.jobs.shift();
      job.resolve();
    }
  }
}
