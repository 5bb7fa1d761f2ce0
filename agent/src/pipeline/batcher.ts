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

type OpenSeries = vigil.v1.Series.$Properties & { timestampsMs: number[]; values: number[] };
/**
 * What a series is, checked once and kept across batches: its name, a frozen copy of its labels and its type, and its
 * series in the open batch (when that has samples of it); or the reason its samples are dropped.
 */
type KnownSeries = { metric: string; labels: Readonly<Record<string, string>>; type: vigil.v1.MetricType; open: OpenSeries | undefined } | { problem: string };

/** Series remembered across batches; beyond this the memory starts over (churning scrape targets). */
const MAX_KNOWN_SERIES = 20_000;

export class Batcher implements SampleSink {
  /**
   * By series key. Also how samples find their series in the open batch: one lookup per sample, where a map per batch
   * cost a lookup and an insertion more, and the map's growth, on every tick (the agent runs in V8's interpreter).
   */
  private readonly known = new Map<string, KnownSeries>();
  /** The open batch's series in the order of their first sample, and their entries in `known`. */
  private openSeries: OpenSeries[] = [];
  private openKnown: { open: OpenSeries | undefined }[] = [];
  /** Set when `known` reached its bound; it starts over when the open batch closes, not within it. */
  private forgetKnown = false;
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
    for (let i = 0; i < samples.length; i++) {
      const s = samples[i]!;
      if (!Number.isFinite(s.value) || !Number.isFinite(s.timestampMs)) {
        this.options.rejected.add('non_finite_value');
        continue;
      }
      const key = seriesKey(s.metric, s.labels);
      let known = this.known.get(key);
      // A series already in the open batch takes the sample as it is (even with another kind); otherwise it is
      // checked (again, when its kind changed).
      if (known === undefined || ('open' in known && known.open === undefined)) known = this.knownSeries(key, s, known);
      if ('problem' in known) {
        this.options.rejected.add(known.problem);
        continue;
      }
      let series = known.open;
      if (series === undefined) {
        series = { metric: known.metric, labels: known.labels, type: known.type, timestampsMs: [], values: [] };
        known.open = series;
        this.openSeries.push(series);
        this.openKnown.push(known);
      }
      series.timestampsMs.push(Math.round(s.timestampMs));
      series.values.push(s.value);
      if (++this.count === 1) this.startAgeTimer();
      if (this.count >= this.options.maxSamples) this.flush();
    }
  }

  /** Closes the current batch, if it has samples. */
  flush(): void {
    clearTimeout(this.ageTimer);
    this.ageTimer = undefined;
    const series = this.openSeries;
    const count = this.count;
    for (let i = 0; i < this.openKnown.length; i++) this.openKnown[i]!.open = undefined;
    this.openSeries = [];
    this.openKnown = [];
    this.count = 0;
    if (this.forgetKnown) {
      this.known.clear();
      this.forgetKnown = false;
    }
    if (count === 0) return;
    this.options.onBatch({ createdMs: this.clock.now(), sampleCount: count, series });
  }

  /** Flushes and stops accepting samples. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
  }

  /** The entry of a series not in the open batch: `known` as it is, or checked again when new or of another kind. */
  private knownSeries(key: string, s: Sample, known: KnownSeries | undefined): KnownSeries {
    // The key leaves out the kind: a series whose kind changed is checked again.
    if (known === undefined || ('type' in known && known.type !== metricType(s))) {
      const problem = !isValidMetricName(s.metric) ? 'invalid_metric_name' : labelSetProblem(s.labels) ? 'invalid_label' : undefined;
      if (problem) known = { problem };
      else {
        known = { metric: s.metric, labels: Object.freeze({ ...s.labels }), type: metricType(s), open: undefined };
        rememberSeriesKey(known, key);
      }
      if (this.known.size >= MAX_KNOWN_SERIES) this.forgetKnown = true;
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
