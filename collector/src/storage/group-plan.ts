// What a group commit stores, decided the same way by every store: each batch judged against its
// stream's sequence window (and the group's own earlier batches), its series resolved, the samples
// of new series over a limit left out. Pure over the given state; the store writes the result.
import type { SeriesCache, SeriesDraft } from './series-cache.js';
import { judgeSequence, recordSequence, type SequenceState } from './sequence-window.js';
import type { LogEntry } from './sample-log.js';
import { StorageInputError } from './storage.errors.js';
import { sequenceGapLimit, type AppendOutcome, type SeriesLimited, type SeriesRef, type StoredSeriesSamples } from './storage.types.js';
import type { QueuedAppend } from './write-loop.js';

export type GroupResult = { outcome: AppendOutcome; stored: StoredSeriesSamples[] } | StorageInputError;

export interface GroupPlan {
  /** New sequence state per stream touched. */
  seqs: Map<string, { agentId: string; epoch: string; state: SequenceState }>;
  draft: SeriesDraft;
  /** Per appended batch: its result, or its resolved series while it awaits finishGroup. */
  results: Array<GroupResult | Array<SeriesRef | undefined>>;
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
      plan.results.push(refs);
    }
  }
  return plan;
}

export interface GroupSamples {
  entries: LogEntry[];
  /** Batches stored, and their samples. */
  stored: number;
  samples: number;
  kindConflicts: number;
}

/**
 * Turns the resolved batches into log entries and results. `replaced` maps provisional series refs
 * to the ones the database allocated (PostgreSQL).
 */
export function finishGroup(
  group: readonly QueuedAppend[],
  plan: GroupPlan,
  limitedBy: (agentId: string, refused: { series: number; samples: number; first: string }, by: 'max_series' | 'max_series_per_agent' | undefined) => SeriesLimited,
  replaced?: ReadonlyMap<SeriesRef, SeriesRef>,
): GroupSamples {
  const out: GroupSamples = { entries: [], stored: 0, samples: 0, kindConflicts: 0 };
  for (let k = 0; k < group.length; k++) {
    const refs = plan.results[k]!;
    if (!Array.isArray(refs)) continue;
    const { batch: b, samples } = group[k]!;
    const stored: StoredSeriesSamples[] = [];
    const refused = { series: 0, samples: 0, first: '' };
    const take = (ref: SeriesRef | undefined, metric: string, kind: SeriesRef['kind'], timestamps: number[], values: number[]) => {
      if (!ref) {
        refused.series++;
        refused.samples += timestamps.length;
        refused.first ||= metric;
        return;
      }
      if (ref.kind !== kind) out.kindConflicts++; // the first kind seen stays: a series does not change type
      // One object serves as the log entry and as what listeners get: one allocation per series, not two.
      const item: StoredSeriesSamples & LogEntry = { series: ref, seriesId: ref.id, timestamps, values };
      if (timestamps.length > 0) out.entries.push(item);
      stored.push(item);
    };
    const final = (found: SeriesRef | undefined) => found && (replaced?.get(found) ?? found);
    for (let i = 0; i < b.series.length; i++) {
      const s = b.series[i]!;
      take(final(refs[i]), s.metric, s.kind, s.timestamps, s.values);
    }
    const columns = b.columns;
    if (columns) {
      const { counts, timestamps, values } = columns;
      let at = 0;
      for (let i = 0; i < columns.series.length; i++) {
        const s = columns.series[i]!;
        const ref = final(refs[b.series.length + i]);
        if (ref !== undefined && s.resolved !== ref) s.resolved = ref;
        // Listeners and the log get arrays as for a series sent in full. Literals are exact-size: an array
        // grown by push keeps a 17-slot backing store for one sample (docs/storage.md, issue 14 memory).
        const n = counts ? counts[i]! : 1;
        if (n === 1) take(ref, s.metric, s.kind, [timestamps[at]!], [values[at]!]);
        else take(ref, s.metric, s.kind, Array.from(timestamps.subarray(at, at + n)), Array.from(values.subarray(at, at + n)));
        at += n;
      }
    }
    const kept = samples - refused.samples;
    plan.results[k] = { outcome: { status: 'stored', samples: kept, ...(refused.series ? { limited: limitedBy(b.agentId, refused, plan.draft.refusedBy.get(b.agentId)) } : {}) }, stored };
    out.stored++;
    out.samples += kept;
  }
  return out;
}

/** Settles every append of the group with its result (after the commit). */
export function settleGroup(group: readonly QueuedAppend[], plan: GroupPlan): number {
  let duplicates = 0;
  for (let i = 0; i < group.length; i++) {
    const result = plan.results[i]!;
    if (result instanceof StorageInputError) group[i]!.reject(result);
    else if (Array.isArray(result)) group[i]!.reject(new Error('internal: batch resolved but never finished'));
    else {
      if (result.outcome.status === 'duplicate') duplicates++;
      group[i]!.resolve(result);
    }
  }
  return duplicates;
}
