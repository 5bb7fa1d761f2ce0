// What a group commit stores, decided the same way by every store: each batch judged against its
// stream's sequence window (and the group's own earlier batches), its series resolved, the samples
// of new series over a limit left out. Pure over the given state; the store writes the result.
import type { SeriesCache, SeriesDraft } from './series-cache.js';
import { judgeSequence, recordSequence, type SequenceState } from './sequence-window.js';
import { LogWriter, type LogEntry } from './sample-log.js';
import { StorageInputError } from './storage.errors.js';
import { sequenceGapLimit, type AppendOutcome, type IncomingBatch, type MetricKind, type SeriesLimited, type SeriesRef, type StoredSeriesSamples } from './storage.types.js';
import type { AppendResult, QueuedAppend } from './write-loop.js';

/**
 * A batch judged new: its series resolved (one list: its series, then its columns' series; undefined where
 * refused), then by finishGroup its outcome and its final series (PostgreSQL's replaced ids).
 */
interface ResolvedBatch {
  refs: Array<SeriesRef | undefined>;
  outcome?: AppendOutcome;
}

export type GroupResult = AppendResult | StorageInputError | ResolvedBatch;

export interface GroupPlan {
  /** New sequence state per stream touched. */
  seqs: Map<string, { agentId: string; epoch: string; state: SequenceState }>;
  draft: SeriesDraft;
  /** Per appended batch: its result, or its resolved series until the commit (storedResults). */
  results: GroupResult[];
}

export function streamKey(agentId: string, epoch: string): string {
  return `${agentId}\u0000${epoch}`;
}

/** Judges every batch of the group and resolves the series of those to store. */
export function judgeGroup(
  group: readonly QueuedAppend[],
  stateOf: (agentId: string, epoch: string) => SequenceState,
  series: SeriesCache,
  limits: { maxSequenceGap: number; maxSequenceHoles: number },
): GroupPlan {
  const plan: GroupPlan = { seqs: new Map(), draft: series.newDraft(), results: [] };
  for (const { batch: b } of group) {
    const sk = streamKey(b.agentId, b.epoch);
    // Judged again against this group's own earlier batches (two streams of one agent epoch).
    const state = plan.seqs.get(sk)?.state ?? stateOf(b.agentId, b.epoch);
    const verdict = judgeSequence(state, b.seq, sequenceGapLimit(b, limits.maxSequenceGap));
    if (verdict.kind === 'duplicate') plan.results.push({ outcome: { status: 'duplicate' }, stored: [] });
    else if (verdict.kind !== 'new') plan.results.push(new StorageInputError(`agent ${b.agentId}: ${verdict.detail}`, verdict.kind === 'gap' ? 'sequence_gap' : 'sequence'));
    else {
      plan.seqs.set(sk, { agentId: b.agentId, epoch: b.epoch, state: recordSequence(state, b.seq, limits.maxSequenceHoles) });
      // One list per batch: its series, then its columns' series.
      const refs = series.resolve(b.agentId, b.series, plan.draft);
      if (b.columns) series.resolveRecurring(b.agentId, b.columns.series, plan.draft, refs);
      plan.results.push({ refs });
    }
  }
  return plan;
}

export interface GroupSamples {
  /** The log row (every stored sample of the group), undefined when the group stores no sample. */
  log: Buffer | undefined;
  /** Batches stored, and their samples. */
  stored: number;
  samples: number;
  kindConflicts: number;
}

/**
 * Visits a batch's series in order, its series then its columns' series (`i`, their position in the batch's
 * refs), with their samples: `n` of `timestamps` and `values` from `from` on.
 */
function forEachSeries(
  b: IncomingBatch,
  visit: (i: number, metric: string, kind: MetricKind, timestamps: ArrayLike<number>, values: ArrayLike<number>, from: number, n: number) => void,
): void {
  const sent = b.series.length;
  for (let i = 0; i < sent; i++) {
    const s = b.series[i]!;
    visit(i, s.metric, s.kind, s.timestamps, s.values, 0, s.timestamps.length);
  }
  const columns = b.columns;
  if (!columns) return;
  const { counts, timestamps, values } = columns;
  let at = 0;
  for (let i = 0; i < columns.series.length; i++) {
    const s = columns.series[i]!;
    const n = counts ? counts[i]! : 1;
    visit(sent + i, s.metric, s.kind, timestamps, values, at, n);
    at += n;
  }
}

/**
 * Decides each resolved batch's outcome and writes the log row from the batches' own arrays and columns.
 * `replaced` maps provisional series refs to the ones the database allocated (PostgreSQL). No object per
 * series is made before the commit: what listeners get is made after it (storedResults), so it dies young
 * instead of being promoted while the commit's round trips wait (docs/storage.md, seventh pass).
 */
export function finishGroup(
  group: readonly QueuedAppend[],
  plan: GroupPlan,
  limitedBy: (agentId: string, refused: { series: number; samples: number; first: string }, by: 'max_series' | 'max_series_per_agent' | undefined) => SeriesLimited,
  replaced?: ReadonlyMap<SeriesRef, SeriesRef>,
): GroupSamples {
  const out: GroupSamples = { log: undefined, stored: 0, samples: 0, kindConflicts: 0 };
  let entries = 0;
  for (let k = 0; k < group.length; k++) {
    const result = plan.results[k]!;
    if (!('refs' in result)) continue;
    const { batch: b, samples } = group[k]!;
    const { refs } = result;
    const refused = { series: 0, samples: 0, first: '' };
    forEachSeries(b, (i, metric, kind, _t, _v, _from, n) => {
      const found = refs[i];
      const ref = found && (replaced?.get(found) ?? found);
      refs[i] = ref;
      if (!ref) {
        refused.series++;
        refused.samples += n;
        refused.first ||= metric;
        return;
      }
      if (ref.kind !== kind) out.kindConflicts++; // the first kind seen stays: a series does not change type
      if (n > 0) entries++;
    });
    const columns = b.columns;
    for (let j = 0; columns && j < columns.series.length; j++) {
      const ref = refs[b.series.length + j];
      if (ref !== undefined && columns.series[j]!.resolved !== ref) columns.series[j]!.resolved = ref;
    }
    const kept = samples - refused.samples;
    result.outcome = { status: 'stored', samples: kept, ...(refused.series ? { limited: limitedBy(b.agentId, refused, plan.draft.refusedBy.get(b.agentId)) } : {}) };
    out.stored++;
    out.samples += kept;
  }
  if (entries > 0) {
    const writer = new LogWriter(entries, out.samples);
    for (let k = 0; k < group.length; k++) {
      const result = plan.results[k]!;
      if (!('refs' in result)) continue;
      const { refs } = result;
      forEachSeries(group[k]!.batch, (i, _m, _k, timestamps, values, from, n) => {
        const ref = refs[i];
        if (ref && n > 0) writer.entry(ref.id, timestamps, values, from, n);
      });
    }
    out.log = writer.finish();
  }
  return out;
}

/**
 * After the commit: each stored batch's result. What listeners get (`stored`, a series with its samples each) is
 * made when the batch's own continuation first reads it, so a group's items never live all at once: made for the
 * whole group (100,000 series), they outlived scavenges and were promoted (docs/storage.md, eighth pass).
 */
export function storedResults(group: readonly QueuedAppend[], plan: GroupPlan): void {
  for (let k = 0; k < group.length; k++) {
    const result = plan.results[k]!;
    if (!('refs' in result) || !result.outcome) continue;
    plan.results[k] = storedResult(result.outcome, group[k]!.batch, result.refs);
  }
}

/** storedResults, and every stored series with samples as a log entry (PostgreSQL's log mirror; the same objects). */
export function storedEntries(group: readonly QueuedAppend[], plan: GroupPlan): LogEntry[] {
  storedResults(group, plan);
  const entries: LogEntry[] = [];
  for (const result of plan.results) {
    if (!('stored' in result)) continue;
    for (const item of result.stored as Array<StoredSeriesSamples & LogEntry>) if (item.timestamps.length > 0) entries.push(item);
  }
  return entries;
}

/** A plain object (as the append's result always was), its `stored` made on first read. */
function storedResult(outcome: AppendOutcome, batch: IncomingBatch, refs: ReadonlyArray<SeriesRef | undefined>): AppendResult {
  let items: StoredSeriesSamples[] | undefined;
  return {
    outcome,
    get stored() {
      return (items ??= storedItems(batch, refs));
    },
  };
}

/** A batch's stored series with their samples (the same object is a log entry: seriesId). */
function storedItems(b: IncomingBatch, refs: ReadonlyArray<SeriesRef | undefined>): StoredSeriesSamples[] {
  const stored: StoredSeriesSamples[] = [];
  forEachSeries(b, (i, _m, _k, timestamps, values, from, n) => {
    const ref = refs[i];
    if (!ref) return;
    // A series sent in full keeps its arrays; one from columns gets arrays of its own. Literals are exact-size:
    // an array grown by push keeps a 17-slot backing store for one sample (docs/storage.md, issue 14 memory).
    const item: StoredSeriesSamples & LogEntry =
      from === 0 && Array.isArray(timestamps) && n === timestamps.length
        ? { series: ref, seriesId: ref.id, timestamps, values: values as number[] }
        : n === 1
          ? { series: ref, seriesId: ref.id, timestamps: [timestamps[from]!], values: [values[from]!] }
          : { series: ref, seriesId: ref.id, timestamps: Array.prototype.slice.call(timestamps, from, from + n) as number[], values: Array.prototype.slice.call(values, from, from + n) as number[] };
    stored.push(item);
  });
  return stored;
}

/** Settles every append of the group with its result (after the commit). */
export function settleGroup(group: readonly QueuedAppend[], plan: GroupPlan): number {
  let duplicates = 0;
  for (let i = 0; i < group.length; i++) {
    const result = plan.results[i]!;
    if (result instanceof StorageInputError) group[i]!.reject(result);
    else if ('refs' in result) group[i]!.reject(new Error('internal: batch resolved but never finished'));
    else {
      if (result.outcome.status === 'duplicate') duplicates++;
      group[i]!.resolve(result);
    }
  }
  return duplicates;
}
