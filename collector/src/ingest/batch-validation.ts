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
export interface MemoEntry extends RecurringSeries {
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
  /**
   * Of each position, the bytes of the name, labels and type (the series' head on the wire) its entry was found
   * or remembered for, one after another; `headEnds[p]` is where position p's end (they start where p - 1's end)
   * and `headKept[p]` is 1 while they belong to the entry at p (remember() clears it). See wire-batch.ts.
   */
  private heads: Buffer = NO_BYTES;
  private headEnds = new Uint32Array(0);
  private headKept = new Uint8Array(0);
  /** Heads noted in the batch being checked: position, start and end in `notedIn`, in position order. */
  private noted: number[] = [];
  private notedIn: Buffer = NO_BYTES;

  /** Forgets everything when the stream's identity changed (the labels embed agent and host). */
  bind(agentId: string, hostname: string): void {
    if (agentId === this.agentId && hostname === this.hostname) return;
    this.agentId = agentId;
    this.hostname = hostname;
    this.entries = [];
    this.heads = NO_BYTES;
    this.headEnds = new Uint32Array(0);
    this.headKept = new Uint8Array(0);
    this.noted = [];
  }

  /**
   * The series accepted at `position` when the one sent there now is the same. Its metric string is
   * the one the store's series cache holds, so later comparisons are by identity.
   */
  lookup(position: number, metric: string, sent: Readonly<Record<string, string>>): MemoEntry | undefined {
    const e = this.current(position);
    if (!e || e.metric !== metric) return undefined;
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
    if (position < this.headKept.length) this.headKept[position] = 0;
    return entry;
  }

  /**
   * The entry at `position` when `bytes[start, end)` are the head bytes it was found or remembered for: the
   * series sent there now decodes to the same name, labels and type, so lookup() would give it too.
   */
  sameHead(position: number, bytes: Buffer, start: number, end: number): MemoEntry | undefined {
    if (this.headKept[position] !== 1) return undefined;
    const from = position === 0 ? 0 : this.headEnds[position - 1]!;
    if (this.headEnds[position]! - from !== end - start) return undefined;
    const heads = this.heads;
    for (let i = start, j = from; i < end; i++, j++) if (bytes[i] !== heads[j]) return undefined;
    return this.current(position);
  }

  /** Starts noting the heads of a batch read from `bytes` (see noteHead). */
  beginHeads(bytes: Buffer): void {
    this.noted = [];
    this.notedIn = bytes;
  }

  /**
   * Notes that the series at `position` (positions in increasing order), found or remembered just now, was sent
   * with the head bytes `[start, end)` of the batch's bytes; keepHeads() keeps them for the next batch.
   */
  noteHead(position: number, start: number, end: number): void {
    this.noted.push(position, start, end);
  }

  /** Keeps the heads noted since beginHeads(), and those of the other positions as they were. */
  keepHeads(): void {
    const noted = this.noted;
    if (noted.length === 0) return;
    const old = this.headEnds;
    const oldKept = this.headKept;
    const n = Math.max(old.length, noted[noted.length - 3]! + 1);
    const ends = new Uint32Array(n);
    const kept = new Uint8Array(n);
    let total = 0;
    for (let p = 0, k = 0; p < n; p++) {
      if (noted[k] === p) {
        total += noted[k + 2]! - noted[k + 1]!;
        kept[p] = 1;
        k += 3;
      } else if (oldKept[p] === 1) {
        total += old[p]! - (p === 0 ? 0 : old[p - 1]!);
        kept[p] = 1;
      }
      ends[p] = total;
    }
    const heads = Buffer.allocUnsafeSlow(total);
    for (let p = 0, k = 0, at = 0; p < n; p++) {
      if (noted[k] === p) {
        at += this.notedIn.copy(heads, at, noted[k + 1]!, noted[k + 2]!);
        k += 3;
      } else if (oldKept[p] === 1) at += this.heads.copy(heads, at, p === 0 ? 0 : old[p - 1]!, old[p]!);
    }
    this.heads = heads;
    this.headEnds = ends;
    this.headKept = kept;
    this.noted = [];
    this.notedIn = NO_BYTES;
  }

  /** The entry at `position`, its labels the store's own once it resolved them. */
  private current(position: number): MemoEntry | undefined {
    const e = this.entries[position];
    if (e?.resolved !== undefined && e.labels !== e.resolved.labels) e.labels = e.resolved.labels;
    return e;
  }
}

const NO_BYTES = Buffer.alloc(0);

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
  const check = new BatchCheck(ctx, form, inputSeries.length, total);
  for (let position = 0; position < inputSeries.length; position++) check.series(position, inputSeries[position]!);
  return check.result();
}

/** validateBatch's work on the series of one batch, in order; also what wire-batch.ts checks a batch with. */
export class BatchCheck {
  private readonly rejections = new RejectionTally();
  private readonly accepted: IncomingSeries[] = [];
  private readonly columns: ColumnsBuilder | undefined;
  private readonly oldest: number;
  private readonly newest: number;
  private readonly memo: SeriesMemo | undefined;
  private readonly problemOf: (metric: string) => SeriesProblem | undefined;
  private samples = 0;

  constructor(
    private readonly ctx: ValidationContext,
    form: 'series' | 'columns',
    seriesCount: number,
    sampleCount: number,
  ) {
    this.oldest = ctx.nowMs - ctx.maxAgeMs;
    this.newest = ctx.nowMs + ctx.maxFutureMs;
    this.columns = form === 'columns' ? new ColumnsBuilder(seriesCount, sampleCount) : undefined;
    this.memo = ctx.memo;
    this.memo?.bind(ctx.agentId, ctx.hostname);
    this.problemOf = metricProblems(ctx);
  }

  /** Checks the series sent at `position`; gives the memo entry it was found as or remembered as, if any. */
  series(position: number, s: vigil.v1.ISeries): MemoEntry | undefined {
    const sentMetric = s.metric ?? '';
    const timestamps = s.timestampsMs ?? [];
    const values = s.values ?? [];
    const count = values.length;
    const sent = s.labels ?? {};
    const known = this.memo?.lookup(position, sentMetric, sent);
    let metric = known ? known.metric : sentMetric;
    let labels = known?.labels;
    let entry: MemoEntry | undefined = known;
    if (!labels) {
      const problem = this.problemOf(metric);
      if (problem) {
        this.rejections.add(problem.reason, count, problem.detail);
        return undefined;
      }
      metric = seriesStrings.intern(metric);
    }
    if (timestamps.length !== values.length) {
      this.rejections.add(RejectReason.REJECT_REASON_MALFORMED_SERIES, Math.max(count, timestamps.length), `${metric}: ${timestamps.length} timestamps for ${values.length} values`);
      return entry;
    }
    if (!labels) {
      const checked = checkLabels(metric, sent, this.ctx);
      if ('reason' in checked) {
        this.rejections.add(checked.reason, count, checked.detail);
        return undefined;
      }
      labels = checked.labels;
      entry = this.memo?.remember(position, metric, labels, kindOf(s.type), checked.sent);
    }

    const kind = kindOf(s.type);
    if (allSamplesValid(timestamps, values, this.oldest, this.newest)) {
      // The common case. Exact-size copies: a decoded array keeps a 17-slot backing store for one sample,
      // and the batch waits for its commit long enough to be promoted (docs/storage.md, issue 14 memory).
      if (count === 0) return entry;
      if (this.columns) this.columns.add(entry?.kind === kind ? entry : { metric, labels, kind }, timestamps as number[], values, 0, count);
      else this.accepted.push({ metric, labels, kind, timestamps: (timestamps as number[]).slice(), values: values.slice() });
      this.samples += count;
      return entry;
    }
    const keptTs: number[] = [];
    const keptValues: number[] = [];
    for (let i = 0; i < count; i++) {
      const ts = Number(timestamps[i]);
      const value = values[i]!;
      if (!Number.isFinite(value)) this.rejections.add(RejectReason.REJECT_REASON_NON_FINITE_VALUE, 1, `${metric}: value ${value}`);
      else if (!Number.isSafeInteger(ts) || ts < this.oldest) this.rejections.add(RejectReason.REJECT_REASON_TIMESTAMP_TOO_OLD, 1, `${metric}: timestamp ${ts} is older than the accepted age`);
      else if (ts > this.newest) this.rejections.add(RejectReason.REJECT_REASON_TIMESTAMP_TOO_NEW, 1, `${metric}: timestamp ${ts} is in the future`);
      else {
        keptTs.push(ts);
        keptValues.push(value);
      }
    }
    if (keptTs.length === 0) return entry;
    if (this.columns) this.columns.add(entry?.kind === kind ? entry : { metric, labels, kind }, keptTs, keptValues, 0, keptTs.length);
    else this.accepted.push({ metric, labels, kind, timestamps: keptTs, values: keptValues });
    this.samples += keptTs.length;
    return entry;
  }

  /**
   * A series the memo gave for its head bytes (SeriesMemo.sameHead: `entry` is what series() would find, of the
   * same kind), its samples `timestamps[tsFrom, tsFrom + tsCount)` and `values[from, from + count)`: taken as
   * they are when they all are valid, which is what series() would do. False, with nothing done, otherwise: the
   * caller hands the series to series().
   */
  known(entry: MemoEntry, timestamps: readonly number[], tsFrom: number, tsCount: number, values: readonly number[], from: number, count: number): boolean {
    if (tsCount !== count || !this.columns) return false;
    for (let i = 0; i < count; i++) if (!sampleIsValid(timestamps[tsFrom + i]!, values[from + i]!, this.oldest, this.newest)) return false;
    if (count === 0) return true;
    this.columns.add(entry, timestamps, values, tsFrom, count, from);
    this.samples += count;
    return true;
  }

  result(): BatchValidation {
    const built = this.columns?.build();
    return { status: 'accepted', series: this.accepted, ...(built ? { columns: built } : {}), samples: this.samples, rejections: this.rejections.list() };
  }
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

  /** `n` samples of `series`: `timestamps` from `from`, `values` from `valuesFrom` (the same place by default). */
  add(series: RecurringSeries, timestamps: readonly number[], values: readonly number[], from: number, n: number, valuesFrom = from): void {
    if (n !== 1 && !this.counts) this.counts = new Uint32Array(this.maxSeries).fill(1, 0, this.series.length);
    if (this.counts) this.counts[this.series.length] = n;
    this.series.push(series);
    for (let i = 0; i < n; i++) {
      this.timestamps[this.samples] = timestamps[from + i]!;
      this.values[this.samples++] = values[valuesFrom + i]!;
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
