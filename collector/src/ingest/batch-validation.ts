import { RejectReason, isValidMetricName, labelSetProblem, type vigil } from '@vigil/proto';
import { StringInterner } from '../common/string-interner.js';
import type { IncomingColumns, IncomingSeries, Labels, MetricKind, RecurringSeries } from '../storage/storage.types.js';

/** Metric names and label values of the series ingest keeps (one copy per distinct string, process-wide). */
export const seriesStrings = new StringInterner();

export interface ValidationContext {
  agentId: string;
  hostname: string;
  nowMs: number;
  maxFutureMs: number;
  maxAgeMs: number;
  maxSeriesPerBatch: number;
  /** Names the collector exposes itself (metrics/exposition-names.ts); none when omitted. */
  isReservedMetric?: (name: string) => boolean;
  /** The stream's memo of series already checked (see SeriesMemo); every series is checked without it. */
  memo?: SeriesMemo;
}

/** Positions a memo remembers; later series of larger batches are checked every time. */
const MAX_MEMO_POSITIONS = 10_000;

/** Also the series handed to the store in columns form, which notes in it the series it resolved to. */
interface MemoEntry extends RecurringSeries {
  readonly metric: string;
  /**
   * Checked labels plus agent and host, frozen: shared with the store, which keeps them. Once the store
   * resolved the entry, its series' own label set (equal: the series was found by these labels), so a stream
   * of an existing series does not keep a copy of its labels (issue 14 memory).
   */
  labels: Labels;
  /** Label count as the agent sent them (without agent and host). */
  readonly sent: number;
}

/**
 * One agent stream's series as last accepted, by position. Agents send the same series in the same
 * order, so a series equal to the one at its position last time skips the name and label checks
 * and the copy, and reuses that label set: the store then recognises it by identity. This is most
 * of the per-series work at ingest (profile in docs/storage.md).
 */
export class SeriesMemo {
  private entries: Array<MemoEntry | undefined> = [];
  private agentId = '';
  private hostname = '';

  /** Forgets everything when the stream's identity changed (the labels embed agent and host). */
  bind(agentId: string, hostname: string): void {
    if (agentId === this.agentId && hostname === this.hostname) return;
    this.agentId = agentId;
    this.hostname = hostname;
    this.entries = [];
  }

  /**
   * The series accepted at `position` when the one sent there now is the same. Its metric string is
   * the one the store's series cache holds, so later comparisons are by identity.
   */
  lookup(position: number, metric: string, sent: Readonly<Record<string, string>>): MemoEntry | undefined {
    const e = this.entries[position];
    if (!e || e.metric !== metric) return undefined;
    if (e.resolved !== undefined && e.labels !== e.resolved.labels) e.labels = e.resolved.labels;
    let n = 0;
    for (const k in sent) {
      if (k === 'agent' || k === 'host' || e.labels[k] !== sent[k]) return undefined;
      n++;
    }
    return n === e.sent ? e : undefined;
  }

  remember(position: number, metric: string, labels: Labels, kind: MetricKind, sent: number): MemoEntry | undefined {
    if (position >= MAX_MEMO_POSITIONS) return undefined;
    // `resolved` in the literal: set later, it would go to an out-of-object property array (~44 bytes a series).
    const entry: MemoEntry = { metric, labels, kind, resolved: undefined, sent };
    this.entries[position] = entry;
    return entry;
  }
}

export interface SampleRejection {
  reason: vigil.v1.RejectReason;
  count: number;
  /** First offending series, for the operator reading the agent's log. */
  detail: string;
}

/** Rejected samples by reason, in the order reasons first occur; each keeps its first detail. */
export class RejectionTally {
  private readonly byReason = new Map<vigil.v1.RejectReason, SampleRejection>();

  add(reason: vigil.v1.RejectReason, count: number, detail: string): void {
    if (count <= 0) return;
    const existing = this.byReason.get(reason);
    if (existing) existing.count += count;
    else this.byReason.set(reason, { reason, count, detail });
  }

  list(): SampleRejection[] {
    return [...this.byReason.values()];
  }
}

export type BatchValidation =
  | { status: 'accepted'; series: IncomingSeries[]; columns?: IncomingColumns; samples: number; rejections: SampleRejection[] }
  | { status: 'rejected'; reason: vigil.v1.RejectReason; detail: string; samples: number };

/** Labels the collector sets itself; an agent may not send them. */
export const RESERVED_LABELS = ['agent', 'host'] as const;

/** RejectReason value -> the snake_case reason label of the counters (REJECT_REASON_SEQUENCE_GAP -> sequence_gap). */
export const REASON_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(RejectReason as unknown as Record<string, number>)
    .filter(([key, value]) => typeof value === 'number' && key.startsWith('REJECT_REASON_'))
    .map(([key, value]) => [value, key.slice('REJECT_REASON_'.length).toLowerCase()]),
);

/**
 * Checks one batch. Policy (documented in the README): bad samples are dropped one by one and the
 * rest of the batch is stored; the whole batch is rejected only when the batch itself is unusable
 * (missing sequence number, too many series). `form` 'columns' hands the accepted series to the store
 * as columns (the same series in the same order, see IncomingColumns) with the stream memo's entries as
 * their series: a batch waiting for its commit then holds two typed arrays instead of an object and two
 * arrays per series, and the store finds each series again by the one it resolved to (issue 14 memory).
 */
export function validateBatch(batch: vigil.v1.IBatch, ctx: ValidationContext, form: 'series' | 'columns' = 'series'): BatchValidation {
  const inputSeries = batch.series ?? [];
  const total = inputSeries.reduce((n, s) => n + (s.values?.length ?? 0), 0);
  const refused = batchProblem(batch, inputSeries.length, total, ctx);
  if (refused) return refused;

  const rejections = new RejectionTally();
  const reject = (reason: vigil.v1.RejectReason, count: number, detail: string) => rejections.add(reason, count, detail);

  const oldest = ctx.nowMs - ctx.maxAgeMs;
  const newest = ctx.nowMs + ctx.maxFutureMs;
  const series: IncomingSeries[] = [];
  const columns = form === 'columns' ? new ColumnsBuilder(inputSeries.length, total) : undefined;
  const memo = ctx.memo;
  memo?.bind(ctx.agentId, ctx.hostname);
  const problemOf = metricProblems(ctx);
  let accepted = 0;
  for (let position = 0; position < inputSeries.length; position++) {
    const s = inputSeries[position]!;
    const sentMetric = s.metric ?? '';
    const timestamps = s.timestampsMs ?? [];
    const values = s.values ?? [];
    const count = values.length;
    const sent = s.labels ?? {};
    const known = memo?.lookup(position, sentMetric, sent);
    let metric = known ? known.metric : sentMetric;
    let labels = known?.labels;
    let entry: MemoEntry | undefined = known;
    if (!labels) {
      const problem = problemOf(metric);
      if (problem) {
        reject(problem.reason, count, problem.detail);
        continue;
      }
      metric = seriesStrings.intern(metric);
    }
    if (timestamps.length !== values.length) {
      reject(RejectReason.REJECT_REASON_MALFORMED_SERIES, Math.max(count, timestamps.length), `${metric}: ${timestamps.length} timestamps for ${values.length} values`);
      continue;
    }
    if (!labels) {
      const checked = checkLabels(metric, sent, ctx);
      if ('reason' in checked) {
        reject(checked.reason, count, checked.detail);
        continue;
      }
      labels = checked.labels;
      entry = memo?.remember(position, metric, labels, kindOf(s.type), checked.sent);
    }

    const kind = kindOf(s.type);
    if (allSamplesValid(timestamps, values, oldest, newest)) {
      // The common case. Exact-size copies: a decoded array keeps a 17-slot backing store for one sample,
      // and the batch waits for its commit long enough to be promoted (docs/storage.md, issue 14 memory).
      if (count === 0) continue;
      if (columns) columns.add(entry?.kind === kind ? entry : { metric, labels, kind }, timestamps as number[], values);
      else series.push({ metric, labels, kind, timestamps: (timestamps as number[]).slice(), values: values.slice() });
      accepted += count;
      continue;
    }
    const keptTs: number[] = [];
    const keptValues: number[] = [];
    for (let i = 0; i < count; i++) {
      const ts = Number(timestamps[i]);
      const value = values[i]!;
      if (!Number.isFinite(value)) reject(RejectReason.REJECT_REASON_NON_FINITE_VALUE, 1, `${metric}: value ${value}`);
      else if (!Number.isSafeInteger(ts) || ts < oldest) reject(RejectReason.REJECT_REASON_TIMESTAMP_TOO_OLD, 1, `${metric}: timestamp ${ts} is older than the accepted age`);
      else if (ts > newest) reject(RejectReason.REJECT_REASON_TIMESTAMP_TOO_NEW, 1, `${metric}: timestamp ${ts} is in the future`);
      else {
        keptTs.push(ts);
        keptValues.push(value);
      }
    }
    if (keptTs.length === 0) continue;
    if (columns) columns.add(entry?.kind === kind ? entry : { metric, labels, kind }, keptTs, keptValues);
    else series.push({ metric, labels, kind, timestamps: keptTs, values: keptValues });
    accepted += keptTs.length;
  }
  const built = columns?.build();
  return { status: 'accepted', series, ...(built ? { columns: built } : {}), samples: accepted, rejections: rejections.list() };
}

/** Accepted series of a batch as columns, in order (sized for every sample sent; trimmed when some were dropped). */
class ColumnsBuilder {
  private readonly series: RecurringSeries[] = [];
  /** Only once a series has other than one sample (agents send one sample per series). */
  private counts: Uint32Array | undefined;
  private readonly timestamps: Float64Array;
  private readonly values: Float64Array;
  private samples = 0;

  constructor(
    private readonly maxSeries: number,
    maxSamples: number,
  ) {
    this.timestamps = new Float64Array(maxSamples);
    this.values = new Float64Array(maxSamples);
  }

  add(series: RecurringSeries, timestamps: readonly number[], values: readonly number[]): void {
    const n = values.length;
    if (n !== 1 && !this.counts) this.counts = new Uint32Array(this.maxSeries).fill(1, 0, this.series.length);
    if (this.counts) this.counts[this.series.length] = n;
    this.series.push(series);
    for (let i = 0; i < n; i++) {
      this.timestamps[this.samples] = timestamps[i]!;
      this.values[this.samples++] = values[i]!;
    }
  }

  build(): IncomingColumns | undefined {
    if (this.series.length === 0) return undefined;
    const { samples } = this;
    const exact = samples === this.timestamps.length;
    return {
      series: this.series,
      ...(this.counts ? { counts: this.counts.slice(0, this.series.length) } : {}),
      timestamps: exact ? this.timestamps : this.timestamps.slice(0, samples),
      values: exact ? this.values : this.values.slice(0, samples),
    };
  }
}

/** Why a whole batch is refused before its series are looked at: its sequence, or too many series. */
export function batchProblem(batch: vigil.v1.IBatch, seriesCount: number, samples: number, ctx: Pick<ValidationContext, 'maxSeriesPerBatch'>): Extract<BatchValidation, { status: 'rejected' }> | undefined {
  const seq = Number(batch.seq ?? 0);
  if (!Number.isSafeInteger(seq) || seq <= 0) {
    return { status: 'rejected', reason: RejectReason.REJECT_REASON_SEQUENCE, detail: `batch sequence must be a positive integer, got ${String(batch.seq)}`, samples };
  }
  if (seriesCount > ctx.maxSeriesPerBatch) {
    return { status: 'rejected', reason: RejectReason.REJECT_REASON_TOO_MANY_SERIES, detail: `${seriesCount} series in one batch (limit ${ctx.maxSeriesPerBatch})`, samples };
  }
  return undefined;
}

export interface SeriesProblem {
  reason: vigil.v1.RejectReason;
  detail: string;
}

/**
 * metricProblem for the series of one batch: series of a batch mostly share their metric name with the one
 * before (a name per family, a series per label set), so the answer is kept for the last name asked.
 */
export function metricProblems(ctx: Pick<ValidationContext, 'isReservedMetric'>): (metric: string) => SeriesProblem | undefined {
  let last: string | undefined;
  let problem: SeriesProblem | undefined;
  return (metric) => {
    if (metric !== last) {
      last = metric;
      problem = metricProblem(metric, ctx);
    }
    return problem;
  };
}

/** Why every sample of a series named `metric` is rejected, if it is (checked before the samples' shape). */
export function metricProblem(metric: string, ctx: Pick<ValidationContext, 'isReservedMetric'>): SeriesProblem | undefined {
  if (!isValidMetricName(metric)) return { reason: RejectReason.REJECT_REASON_INVALID_METRIC_NAME, detail: `invalid metric name ${JSON.stringify(metric)}` };
  if (ctx.isReservedMetric?.(metric)) return { reason: RejectReason.REJECT_REASON_RESERVED_METRIC_NAME, detail: `metric name ${metric} is reserved: the collector exposes it itself` };
  return undefined;
}

/** The label set to store for labels an agent sent (checked, plus agent and host, frozen), or why it is refused. */
export function checkLabels(metric: string, sent: Readonly<Record<string, string>>, ctx: Pick<ValidationContext, 'agentId' | 'hostname'>): { labels: Labels; sent: number } | SeriesProblem {
  const reserved = RESERVED_LABELS.find((l) => l in sent);
  const problem = labelSetProblem(sent) ?? (reserved && `label ${reserved} is set by the collector`);
  if (problem) return { reason: RejectReason.REJECT_REASON_INVALID_LABEL, detail: `${metric}: ${problem}` };
  // Copied key by key (names checked above): a spread of a decoded map field gives every copy a
  // hidden class of its own (~280 bytes of V8 maps and descriptors a series, 28 MiB for 100k).
  const checked: Labels = {};
  for (const k in sent) checked[k] = seriesStrings.intern(sent[k]!);
  const count = Object.keys(checked).length;
  checked.agent = ctx.agentId;
  checked.host = ctx.hostname;
  return { labels: Object.freeze(checked), sent: count };
}

export function kindOf(type: vigil.v1.MetricType | null | undefined): MetricKind {
  return type === 1 ? 'counter' : 'gauge';
}

/** Whether every sample of a series is stored as sent (finite, integer timestamp within [oldest, newest]). */
export function sampleIsValid(ts: number, value: number, oldest: number, newest: number): boolean {
  return Number.isSafeInteger(ts) && ts >= oldest && ts <= newest && Number.isFinite(value);
}

function allSamplesValid(timestamps: ReadonlyArray<number | { toNumber(): number }>, values: readonly number[], oldest: number, newest: number): boolean {
  for (let i = 0; i < values.length; i++) {
    const ts = timestamps[i];
    if (typeof ts !== 'number' || !sampleIsValid(ts, values[i]!, oldest, newest)) return false;
  }
  return true;
}
