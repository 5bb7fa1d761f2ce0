// The storage seam. Services depend on these interfaces only; SQLite is the embedded
// implementation, and a PostgreSQL (shared state) or remote-write (long-term metrics) backend
// must be able to implement the same contracts.

import type { Labels, MetricKind, SeriesRef, StoredSeriesSamples } from '../common/samples.js';
export type { Labels, MetricKind, SeriesRef, StoredSeriesSamples } from '../common/samples.js';
import type { WriteState } from './write-health.js';
import type { SampleStoreStats } from './store-stats.js';
export type { WriteState } from './write-health.js';

/** One series' samples within an accepted batch, already validated. */
export interface IncomingSeries {
  metric: string;
  labels: Labels;
  kind: MetricKind;
  timestamps: number[];
  values: number[];
}

/**
 * A series a stream sends batch after batch (an agent's series reference): the caller keeps one such
 * object per series for the stream's life, and the store notes in it the series it resolved to, so
 * later batches skip the lookup by key. A redefinition starts unresolved; a reconnecting agent's new stream
 * takes its previous stream's object for the same series (ingest/carried-series.ts).
 */
export interface RecurringSeries {
  readonly metric: string;
  readonly labels: Labels;
  readonly kind: MetricKind;
  /** Written by the store only; checked against the store's own series before it is trusted. */
  resolved?: SeriesRef;
}

/**
 * Samples as columns, grouped by series: `series[i]` owns the next `counts[i]` samples (one each
 * when `counts` is omitted), in order. Stored after the batch's `series`, exactly as if each were one
 * more IncomingSeries, without an object and two arrays per series on the way.
 */
export interface IncomingColumns {
  series: RecurringSeries[];
  counts?: Uint32Array;
  timestamps: Float64Array;
  values: Float64Array;
}

/** A validated batch from one agent, ready to be stored. */
export interface IncomingBatch {
  agentId: string;
  epoch: string;
  seq: number;
  series: IncomingSeries[];
  /** More series of the batch, as columns (referenced samples at ingest). */
  columns?: IncomingColumns;
  /**
   * `dense` (default): an agent's batch counter, 1, 2, 3…, so a jump past ingest.max_sequence_gap is
   * refused. `timestamps`: the newest sample time of the batch (the HTTP receivers' per-series
   * streams), which legitimately jumps by the time between requests, so no gap limit applies.
   */
  sequence?: 'dense' | 'timestamps';
}

/** The largest forward jump a batch's sequence may make for its kind of sequence. */
export function sequenceGapLimit(batch: Pick<IncomingBatch, 'sequence'>, denseLimit: number): number {
  return batch.sequence === 'timestamps' ? Number.POSITIVE_INFINITY : denseLimit;
}

/** New series of a batch refused by the series limits (their samples were not stored). */
export interface SeriesLimited {
  series: number;
  samples: number;
  detail: string;
}

export type AppendOutcome =
  /** `samples` stored; with `limited`, the samples of new series over a limit were left out. */
  | { status: 'stored'; samples: number; limited?: SeriesLimited }
  /** Already stored earlier (replay after a lost ack): nothing written, ack again. */
  | { status: 'duplicate' };

export interface SeriesFilter {
  metric?: string;
  /** Exact label matches. */
  labels?: Labels;
  limit?: number;
}

export type Point = [timestampMs: number, value: number];

/** The newest point of every series as of one moment, without an object per series (SampleStore.latestTable). */
export interface LatestTable {
  /** The time of the series' newest point, NaN when it has none. */
  time(id: number): number;
  /** The value of the series' newest point (when `time` is not NaN). */
  value(id: number): number;
}

export interface RangeOptions {
  /** Refuse (QueryTooLargeError) rather than return more points than this. */
  maxPoints?: number;
}

/** What one commit of the group writer did; reported to metrics. */
export interface CommitInfo {
  batches: number;
  samples: number;
  durationMs: number;
}

/** Raw samples: append (idempotent per agent, epoch and sequence) and read back. */
export interface SampleStore {
  /**
   * Stores one batch. Concurrent calls are grouped into one durable commit (group commit); the
   * promise resolves only after that commit, so an ack sent afterwards never acknowledges data a
   * crash could lose. `stored` carries the series the samples were resolved to.
   */
  append(batch: IncomingBatch): Promise<{ outcome: AppendOutcome; stored: StoredSeriesSamples[] }>;
  /** Called after every commit (for the storage write-duration metric). */
  onCommit(listener: (info: CommitInfo) => void): void;
  /** Highest stored sequence of an agent's epoch, 0 when none. */
  lastStoredSeq(agentId: string, epoch: string): Promise<number>;
  findSeries(filter: SeriesFilter): Promise<SeriesRef[]>;
  getSeries(id: number): Promise<SeriesRef | undefined>;
  /**
   * Samples of one series with from <= ts <= to, in time order, one per timestamp. With
   * `maxPoints`, a range holding more points rejects with QueryTooLargeError (storage.errors.ts).
   */
  queryRange(seriesId: number, fromMs: number, toMs: number, options?: RangeOptions): Promise<Point[]>;
  /** Last sample of each given series (or of all series when omitted). */
  latest(seriesIds?: number[]): Promise<Map<number, Point>>;
  /** Last sample of every series, as a table without an object per series (/metrics). */
  latestTable(): Promise<LatestTable>;
  /** Number of stored samples (for tests and diagnostics). */
  countSamples(): Promise<number>;
  /**
   * Several collectors on one PostgreSQL: calls `listener` with the samples other collectors stored,
   * in their commit order, from the moment of the call on (the leader folds them into the SLA
   * minutes; each collector already sees its own through the `samples` event). Returns a stop
   * function. Stores of a single collector leave it out.
   */
  followPeers?(listener: (samples: StoredSeriesSamples[]) => void): () => void;
  /** Whether writes work now, for readiness (a store that cannot tell leaves it out). */
  writeState?(): WriteState;
  /** The store's own counters and gauges, for the metrics module (a store without them leaves it out). */
  stats?(): SampleStoreStats;
  close(): Promise<void>;
}

/**
 * Retention and bulk reads over raw samples (capacity engineering, rollups). Separate from
 * SampleStore so implementations and fakes of the ingest seam need not provide it.
 */
export interface SampleRetention {
  /**
   * Removes samples with timestamp < cutoffMs stored before the call, in bounded steps that
   * interleave with ingest. Resolves to the number of samples removed.
   */
  deleteBefore(cutoffMs: number): Promise<number>;
  /** Samples of each matching series within [from, to] (as queryRange), one series at a time. */
  scanRange(fromMs: number, toMs: number, filter?: SeriesFilter): AsyncIterable<StoredSeriesSamples>;
}
