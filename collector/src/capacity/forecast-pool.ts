// Forecasting in worker threads: the models are pure CPU work (about a millisecond per resource), so
// thousands of resources use every core and leave the event loop (ingest, API) free. Where the compiled
// worker is missing (tests running the TypeScript sources) the service forecasts in its own thread.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ForecastOptions } from './domain/forecast.js';
import { buildEntry, type CapacityEntry, type ResourceGroup } from './domain/resources.js';
import { unpackPoints } from './domain/series.js';

/** One resource to forecast: everything buildEntry needs, as plain data (it crosses threads). */
export interface ForecastJob {
  group: ResourceGroup;
  /** Hourly points packed (packPoints): one typed array crosses threads as one copy, not 700 arrays. */
  hourly: Float64Array;
  current: number | undefined;
  options: Omit<ForecastOptions, 'threshold'>;
  historyFromMs: number;
  nowMs: number;
}

/** The one place a job becomes an entry, in a worker or in the calling thread. */
export function runForecastJob(job: ForecastJob): CapacityEntry {
  return buildEntry(job.group, unpackPoints(job.hourly), job.current, job.options, job.historyFromMs, job.nowMs);
}

export type WorkerRequest = { id: number; jobs: ForecastJob[] };
export type WorkerReply = { id: number; entries: CapacityEntry[] } | { id: number; error: string };

interface Pending {
  resolve: (entries: CapacityEntry[]) => void;
  reject: (error: Error) => void;
}

export class ForecastPool {
  private readonly workers: Worker[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private closed = false;
  /** Set when a worker died: the caller falls back to its own thread. */
  broken: Error | undefined;

  private constructor(script: URL, size: number) {
    for (let i = 0; i < size; i++) {
      const worker = new Worker(script);
      worker.unref(); // an idle pool never keeps the process alive
      worker.on('message', (reply: WorkerReply) => this.settle(reply));
      worker.on('error', (error) => this.fail(error));
      worker.on('exit', (code) => {
        if (!this.closed) this.fail(new Error(`forecast worker exited with code ${code}`));
      });
      this.workers.push(worker);
    }
  }

  /** A pool of `size` workers, or undefined for size 0 or when the compiled worker is not there. */
  static open(size: number): ForecastPool | undefined {
    const script = new URL('./forecast.worker.js', import.meta.url);
    if (size < 1 || !existsSync(fileURLToPath(script))) return undefined;
    return new ForecastPool(script, size);
  }

  get size(): number {
    return this.workers.length;
  }

  /** Forecasts the jobs in one worker (round robin); entries in job order. */
  run(jobs: ForecastJob[]): Promise<CapacityEntry[]> {
    if (this.closed) return Promise.reject(new Error('forecast pool is closed'));
    if (this.broken) return Promise.reject(this.broken);
    const id = this.nextId++;
    const worker = this.workers[id % this.workers.length]!;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.ref(); // busy: keep the process alive until the answer
      worker.postMessage({ id, jobs } satisfies WorkerRequest);
    });
  }

  private settle(reply: WorkerReply): void {
    const waiting = this.pending.get(reply.id);
    this.pending.delete(reply.id);
    if (this.pending.size === 0) for (const w of this.workers) w.unref();
    if (!waiting) return;
    if ('error' in reply) waiting.reject(new Error(reply.error));
    else waiting.resolve(reply.entries);
  }

  private fail(error: Error): void {
    this.broken ??= error;
    for (const waiting of this.pending.values()) waiting.reject(error);
    this.pending.clear();
  }

  /** Stops every worker; pending runs are rejected. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.fail(new Error('forecast pool closed'));
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
