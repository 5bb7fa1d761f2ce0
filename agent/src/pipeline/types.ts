// Types shared by the agent's pipeline stages: sources (samplers, probes) -> batcher -> spool -> sender.

export type MetricKind = 'gauge' | 'counter';

/** One measured value. `labels` identify the series together with `metric`. */
export interface Sample {
  metric: string;
  labels: Record<string, string>;
  kind: MetricKind;
  timestampMs: number;
  value: number;
}

/** Where sources deliver samples; the batcher implements it. Must never block the caller. */
export interface SampleSink {
  add(samples: readonly Sample[]): void;
}

/** A capacity sampler: asked for its current readings on every tick. */
export interface Sampler {
  readonly name: string;
  collect(nowMs: number): Promise<Sample[]>;
  /** Releases open files; optional. */
  close?(): Promise<void>;
}

/** Source of the current time, injected so schedulers, batch ages and spool ages are testable. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** Counts events by reason (drops, rejections); every reason stays visible once created. */
export class ReasonCounter {
  private readonly counts = new Map<string, number>();
  constructor(initialReasons: readonly string[] = []) {
    for (const reason of initialReasons) this.counts.set(reason, 0);
  }
  add(reason: string, n = 1): void {
    this.counts.set(reason, (this.counts.get(reason) ?? 0) + n);
  }
  get(reason: string): number {
    return this.counts.get(reason) ?? 0;
  }
  total(): number {
    let sum = 0;
    for (const value of this.counts.values()) sum += value;
    return sum;
  }
  entries(): IterableIterator<[string, number]> {
    return this.counts.entries();
  }
}

/** Helper for samplers: one sample. */
export function sample(metric: string, kind: MetricKind, value: number, timestampMs: number, labels: Record<string, string> = {}): Sample {
  return { metric, labels, kind, timestampMs, value };
}
