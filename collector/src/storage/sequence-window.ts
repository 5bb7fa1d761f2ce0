// What the store remembers of one agent stream epoch's batch sequence numbers, and how it judges a
// new batch by them. Pure functions over plain data (see docs/storage.md, "Batch sequences").
//
// Delivery is at least once and may be out of order (a late batch after a reconnect, a sender that
// pipelines differently), so "seq <= highest" is not enough to call a batch a replay: the store keeps
// the ranges below the highest stored sequence that were never stored (holes). A batch in a hole is
// new and stored; one outside every hole was stored before and is acked again without a write.

/** [from, to], inclusive. */
export type SeqRange = [number, number];

export interface SequenceState {
  /** Highest stored sequence, 0 when none. */
  readonly highest: number;
  /** Ranges below `highest` never stored, ascending and disjoint. */
  readonly holes: readonly SeqRange[];
  /** Holes at or below this sequence were forgotten (too many holes): such a sequence is unknown. */
  readonly floor: number;
}

export const EMPTY_SEQUENCE: SequenceState = { highest: 0, holes: [], floor: 0 };

export type SequenceVerdict =
  | { kind: 'new' }
  /** Stored before (a replay after a lost ack): ack again, write nothing. */
  | { kind: 'duplicate' }
  /** Jumps further ahead of the highest stored sequence than allowed: reject the batch whole. */
  | { kind: 'gap'; detail: string }
  /** Below the tracked window: the store cannot tell a replay from new data, so it refuses. */
  | { kind: 'unknown'; detail: string };

export function judgeSequence(state: SequenceState, seq: number, maxGap: number): SequenceVerdict {
  if (seq > state.highest) {
    if (seq - state.highest <= maxGap) return { kind: 'new' };
    return { kind: 'gap', detail: `batch sequence ${seq} jumps ${seq - state.highest} past the last stored ${state.highest} (limit ${maxGap}, ingest.max_sequence_gap)` };
  }
  if (holeIndex(state.holes, seq) >= 0) return { kind: 'new' };
  if (seq <= state.floor) {
    return { kind: 'unknown', detail: `batch sequence ${seq} is at or below ${state.floor}, older than the sequences the collector still tracks; not stored` };
  }
  return { kind: 'duplicate' };
}

/** The state after storing `seq` (judged 'new'). Keeps at most `maxHoles` holes, forgetting the oldest. */
export function recordSequence(state: SequenceState, seq: number, maxHoles: number): SequenceState {
  let holes: SeqRange[];
  let highest = state.highest;
  if (seq > highest) {
    holes = seq > highest + 1 ? [...state.holes, [highest + 1, seq - 1]] : [...state.holes];
    highest = seq;
  } else {
    const i = holeIndex(state.holes, seq);
    if (i < 0) return state;
    const [from, to] = state.holes[i]!;
    const parts: SeqRange[] = [];
    if (from < seq) parts.push([from, seq - 1]);
    if (seq < to) parts.push([seq + 1, to]);
    holes = [...state.holes.slice(0, i), ...parts, ...state.holes.slice(i + 1)];
  }
  let floor = state.floor;
  while (holes.length > maxHoles) floor = holes.shift()![1];
  return { highest, holes, floor };
}

/** The `holes` column of stream_seq: '' for the common case of no holes. */
export function encodeHoles(state: SequenceState): string {
  return state.holes.length === 0 && state.floor === 0 ? '' : JSON.stringify({ floor: state.floor, holes: state.holes });
}

export function decodeSequence(highest: number, holes: string): SequenceState {
  if (!holes) return { highest, holes: [], floor: 0 };
  const parsed = JSON.parse(holes) as { floor: number; holes: SeqRange[] };
  return { highest, holes: parsed.holes, floor: parsed.floor };
}

function holeIndex(holes: readonly SeqRange[], seq: number): number {
  let lo = 0;
  let hi = holes.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const [from, to] = holes[mid]!;
    if (seq < from) hi = mid - 1;
    else if (seq > to) lo = mid + 1;
    else return mid;
  }
  return -1;
}
