// Groups samples per series into vigil.v1.Series (parallel timestamp/value arrays) and closes a batch when it
// holds max samples, reaches max age, or on flush (after every sampler tick). Samples that the collector would
// reject anyway (bad metric or label names, non-finite values) are dropped here and counted.
import { isValidMetricName, labelSetProblem, MetricType, seriesKey, type vigil } from '@vigil/proto';
import { rememberSeriesKey } from './series-key.js';
import { systemClock, type Clock, type ReasonCounter, type Sample, type SampleSink } from './types.js';

export interface ClosedBatch {
  createdMs: number;
  sampleCount: number;
  series: vigil.v1.Series.$Properties[];
}

export interface BatcherOptions {
  maxSamples: number;
  maxAgeMs: number;
  onBatch: (batch: ClosedBatch) => void;
  /** Local drops, by reason (invalid_metric_name, invalid_label, non_finite_value). */
  rejected: ReasonCounter;
  clock?: Clock;
}

/** A series of the open batch, or the reason its samples are dropped. */
type OpenSeries = { series: vigil.v1.Series.$Properties & { timestampsMs: number[]; values: number[] } } | { problem: string };

export class Batcher implements SampleSink {
  private open = new Map<string, OpenSeries>();
  private count = 0;
  private ageTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly clock: Clock;

  constructor(private readonly options: BatcherOptions) {
    this.clock = options.clock ?? systemClock;
  }

  get pendingSamples(): number {
    return this.count;
  }

  add(samples: readonly Sample[]): void {
    if (this.closed) return;
    for (const s of samples) {
      if (!Number.isFinite(s.value) || !Number.isFinite(s.timestampMs)) {
        this.options.rejected.add('non_finite_value');
        continue;
      }
      const key = seriesKey(s.metric, s.labels);
      let entry = this.open.get(key);
      if (entry === undefined) {
        // Validate once per series and batch, not per sample.
        const problem = !isValidMetricName(s.metric) ? 'invalid_metric_name' : labelSetProblem(s.labels) ? 'invalid_label' : undefined;
        entry = problem
          ? { problem }
          : { series: { metric: s.metric, labels: { ...s.labels }, type: s.kind === 'counter' ? MetricType.METRIC_TYPE_COUNTER : MetricType.METRIC_TYPE_GAUGE, timestampsMs: [], values: [] } };
        if ('series' in entry) rememberSeriesKey(entry.series, key);
        this.open.set(key, entry);
      }
      if ('problem' in entry) {
        this.options.rejected.add(entry.problem);
        continue;
      }
      entry.series.timestampsMs.push(Math.round(s.timestampMs));
      entry.series.values.push(s.value);
      if (++this.count === 1) this.startAgeTimer();
      if (this.count >= this.options.maxSamples) this.flush();
    }
  }

  /** Closes the current batch, if it has samples. */
  flush(): void {
    clearTimeout(this.ageTimer);
    this.ageTimer = undefined;
    const open = this.open;
    const count = this.count;
    this.open = new Map();
    this.count = 0;
    if (count === 0) return;
    const series: vigil.v1.Series.$Properties[] = [];
    for (const entry of open.values()) if ('series' in entry) series.push(entry.series);
    this.options.onBatch({ createdMs: this.clock.now(), sampleCount: count, series });
  }

  /** Flushes and stops accepting samples. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
  }

  private startAgeTimer(): void {
    this.ageTimer = setTimeout(() => this.flush(), this.options.maxAgeMs);
    this.ageTimer.unref();
  }
}
