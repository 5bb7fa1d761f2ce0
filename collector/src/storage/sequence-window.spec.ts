import { describe, expect, it } from 'vitest';
import { EMPTY_SEQUENCE, decodeSequence, encodeHoles, judgeSequence, recordSequence, type SequenceState } from './sequence-window.js';

const store = (seqs: number[], maxHoles = 64): SequenceState => seqs.reduce((state, seq) => recordSequence(state, seq, maxHoles), EMPTY_SEQUENCE);

describe('sequence window', () => {
  it('takes the next sequences as new and a stored one as a duplicate', () => {
    const state = store([1, 2, 3]);
    expect(state).toEqual({ highest: 3, holes: [], floor: 0 });
    expect(judgeSequence(state, 4, 10)).toEqual({ kind: 'new' });
    expect(judgeSequence(state, 2, 10)).toEqual({ kind: 'duplicate' });
  });

  it('rejects a jump past the allowed gap, accepts one at the limit', () => {
    const state = store([5]);
    expect(judgeSequence(state, 15, 10)).toEqual({ kind: 'new' });
    expect(judgeSequence(state, 16, 10)).toEqual({ kind: 'gap', detail: 'batch sequence 16 jumps 11 past the last stored 5 (limit 10, ingest.max_sequence_gap)' });
    expect(judgeSequence(EMPTY_SEQUENCE, 1e12, 1_000_000)).toMatchObject({ kind: 'gap' });
  });

  it('stores a late batch that fills a hole, and only once', () => {
    let state = store([1, 2, 6]);
    expect(state.holes).toEqual([[3, 5]]);
    expect(judgeSequence(state, 4, 10)).toEqual({ kind: 'new' });
    state = recordSequence(state, 4, 64);
    expect(state).toEqual({ highest: 6, holes: [[3, 3], [5, 5]], floor: 0 });
    expect(judgeSequence(state, 4, 10)).toEqual({ kind: 'duplicate' });
    state = recordSequence(recordSequence(state, 3, 64), 5, 64);
    expect(state).toEqual({ highest: 6, holes: [], floor: 0 });
  });

  it('forgets the oldest holes beyond the bound and refuses what lies below them', () => {
    const state = store([1, 3, 5, 7], 2);
    expect(state).toEqual({ highest: 7, holes: [[4, 4], [6, 6]], floor: 2 });
    expect(judgeSequence(state, 2, 10)).toEqual({ kind: 'unknown', detail: 'batch sequence 2 is at or below 2, older than the sequences the collector still tracks; not stored' });
    expect(judgeSequence(state, 4, 10)).toEqual({ kind: 'new' });
    expect(judgeSequence(state, 5, 10)).toEqual({ kind: 'duplicate' });
  });

  it('round-trips through the holes column, empty for the common case', () => {
    expect(encodeHoles(store([1, 2]))).toBe('');
    const state = store([1, 3, 5, 7], 2);
    expect(decodeSequence(7, encodeHoles(state))).toEqual(state);
  });
});
