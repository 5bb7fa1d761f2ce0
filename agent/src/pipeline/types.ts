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
}
