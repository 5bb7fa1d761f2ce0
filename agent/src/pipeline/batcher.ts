// Groups samples per series into vigil.v1.Series (parallel timestamp/value arrays) and closes a batch when it
// holds max samples, reaches max age, or on flush (after every sampler tick). Samples that the collector would
// reject anyway (bad metric or label names, non-finite values) are dropped here and counted.
import { isValidMetricName, labelSetProblem, MetricType, seriesKey, type vigil } from '@vigil/proto/agent';
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
/** What a series is, checked once and kept across batches: its name, a frozen copy of its labels and its type. */
type KnownSeries = { metric: string; labels: Readonly<Record<string, string>>; type: vigil.v1.MetricType } | { problem: string };

/** Series remembered across batches; beyond this the memory starts over (churning scrape targets). */
const MAX_KNOWN_SERIES = 20_000;

export class Batcher implements SampleSink {
  private open = new Map<string, OpenSeries>();
  /** Checked once per series rather than once per batch: the same series come back on every tick. */
  private readonly known = new Map<string, KnownSeries>();
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
        const known = this.knownSeries(key, s);
        entry = 'problem' in known ? known : { series: { metric: known.metric, labels: known.labels, type: known.type, timestampsMs: [], values: [] } };
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

  private knownSeries(key: string, s: Sample): KnownSeries {
    let known = this.known.get(key);
    // The key leaves out the kind: a series whose kind changed is checked again.
    if (known === undefined || ('type' in known && known.type !== metricType(s))) {
      const problem = !isValidMetricName(s.metric) ? 'invalid_metric_name' : labelSetProblem(s.labels) ? 'invalid_label' : undefined;
      known = problem ? { problem } : { metric: s.metric, labels: Object.freeze({ ...s.labels }), type: metricType(s) };
      if (this.known.size >= MAX_KNOWN_SERIES) this.known.clear();
      this.known.set(key, known);
    }
    return known;
  }

  private startAgeTimer(): void {
    this.ageTimer = setTimeout(() => this.flush(), this.options.maxAgeMs);
    this.ageTimer.unref();
  }
}

function metricType(s: Sample): vigil.v1.MetricType {
  return s.kind === 'counter' ? MetricType.METRIC_TYPE_COUNTER : MetricType.METRIC_TYPE_GAUGE;
}
