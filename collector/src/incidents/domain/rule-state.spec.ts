import { describe, expect, it } from 'vitest';
import { advance, isBreach, isClear, needsTimer, newAlertState, observe, recoveryProblem, type Step, type ThresholdSpec, type Timing } from './rule-state.js';

const disk: ThresholdSpec = { op: '>', threshold: 0.9, recover: 0.85 };
const T = (forMs: number, keepFiringForMs = 0, staleMs = 300_000): Timing => ({ forMs, keepFiringForMs, staleMs });

/** Feeds (ts, value) pairs through the threshold spec; returns the non-empty steps with their index. */
function feed(spec: ThresholdSpec, timing: Timing, points: Array<[number, number]>, state = newAlertState()) {
  const steps: Array<[number, Step['kind']]> = [];
  points.forEach(([ts, v], i) => {
    const s = observe(state, ts, v, isBreach(spec, v), isClear(spec, v), timing);
    if (s.kind !== 'none') steps.push([i, s.kind]);
  });
  return { state, steps };
}

describe('thresholds and hysteresis', () => {
  it('breach and clear honour the recovery threshold', () => {
    expect([isBreach(disk, 0.9), isBreach(disk, 0.9001)]).toEqual([false, true]);
    expect([isClear(disk, 0.86), isClear(disk, 0.85), isClear(disk, 0.849)]).toEqual([false, false, true]);
    const low: ThresholdSpec = { op: '<', threshold: 14, recover: 20 };
    expect([isBreach(low, 13.9), isClear(low, 19), isClear(low, 20.5)]).toEqual([true, false, true]);
    const plain: ThresholdSpec = { op: '>=', threshold: 5 };
    expect([isBreach(plain, 5), isClear(plain, 5), isClear(plain, 4.99)]).toEqual([true, false, true]);
    expect([isBreach({ op: '==', threshold: 0 }, 0), isBreach({ op: '!=', threshold: 0 }, 0)]).toEqual([true, false]);
  });

  it('names a recovery threshold on the wrong side', () => {
    expect(recoveryProblem({ op: '>', threshold: 0.9, recover: 0.95 }, 'recover_below')).toBe('recover_below (0.95) must be at or below threshold (0.9) for op ">"');
    expect(recoveryProblem({ op: '<', threshold: 10, recover: 5 }, 'recover_above')).toBe('recover_above (5) must be at or above threshold (10) for op "<"');
    expect(recoveryProblem({ op: '>', threshold: 0.9, recover: 0.8 }, 'recover_above')).toBe('op ">" recovers below the threshold: use recover_below, not recover_above');
    expect(recoveryProblem({ op: '==', threshold: 0, recover: 1 }, 'recover_above')).toBe('recover_above cannot be used with op "=="');
    expect(recoveryProblem(disk, 'recover_below')).toBeUndefined();
  });
});

describe('observe', () => {
  it('fires immediately without for, and resolves only below the recovery threshold', () => {
    const { steps, state } = feed(disk, T(0), [
      [1000, 0.5],
      [2000, 0.95], // fire
      [3000, 0.88], // inside the band: holds
      [4000, 0.86],
      [5000, 0.84], // resolve
      [6000, 0.88], // band while inactive: not a breach
    ]);
    expect(steps).toEqual([
      [1, 'fire'],
      [4, 'resolve'],
    ]);
    expect(state.phase).toBe('inactive');
  });

  it('waits for `for` on sample time and resets when the breach breaks', () => {
    const { steps } = feed(disk, T(300_000), [
      [0, 0.95], // pending since 0
      [120_000, 0.95],
      [180_000, 0.89], // not a breach: back to inactive
      [240_000, 0.95], // pending since 240000
      [539_999, 0.95],
      [540_000, 0.95], // 300 s held: fire
    ]);
    expect(steps).toEqual([[5, 'fire']]);
  });

  it('reports the start of the breach and the firing time', () => {
    const state = newAlertState();
    const timing = T(60_000);
    observe(state, 10_000, 0.95, true, false, timing);
    const step = observe(state, 70_000, 0.97, true, false, timing);
    expect(step).toEqual({ kind: 'fire', startedMs: 10_000, atMs: 70_000, value: 0.97 });
  });

  it('keep_firing_for holds through short dips and resolves after a clear run', () => {
    const { steps } = feed(disk, T(0, 30_000), [
      [0, 0.95], // fire
      [10_000, 0.8], // clear since 10 s
      [20_000, 0.95], // breach again: dip forgotten
      [30_000, 0.8], // clear since 30 s
      [50_000, 0.8],
      [60_000, 0.8], // 30 s clear: resolve
    ]);
    expect(steps).toEqual([
      [0, 'fire'],
      [5, 'resolve'],
    ]);
  });

  it('ignores replayed, out-of-order and NaN samples', () => {
    const state = newAlertState();
    const timing = T(0);
    expect(observe(state, 5000, 0.95, true, false, timing).kind).toBe('fire');
    expect(observe(state, 5000, 0.1, false, true, timing).kind).toBe('none');
    expect(observe(state, 4000, 0.1, false, true, timing).kind).toBe('none');
    expect(observe(state, 6000, NaN, false, true, timing).kind).toBe('none');
    expect(state.phase).toBe('firing');
    expect(observe(state, 7000, 0.1, false, true, timing).kind).toBe('resolve');
  });
});

describe('advance (timer)', () => {
  it('fires a pending condition when `for` expires without a new sample', () => {
    const state = newAlertState();
    const timing = T(5000);
    observe(state, 1000, 0.95, true, false, timing);
    expect(needsTimer(state)).toBe(true);
    expect(advance(state, 5999, timing).kind).toBe('none');
    expect(advance(state, 6000, timing)).toEqual({ kind: 'fire', startedMs: 1000, atMs: 6000, value: 0.95 });
    expect(needsTimer(state)).toBe(false);
  });

  it('drops a pending condition whose data went stale', () => {
    const state = newAlertState();
    const timing = T(600_000, 0, 60_000);
    observe(state, 0, 0.95, true, false, timing);
    expect(advance(state, 60_001, timing).kind).toBe('none');
    expect(state.phase).toBe('inactive');
  });

  it('resolves after keep_firing_for on the timer and keeps firing without data', () => {
    const state = newAlertState();
    const timing = T(0, 10_000, 1000);
    observe(state, 0, 0.95, true, false, timing);
    expect(advance(state, 3_600_000, timing).kind).toBe('none'); // no data is not recovery
    expect(state.phase).toBe('firing');
    observe(state, 3_600_000, 0.5, false, true, timing);
    expect(advance(state, 3_609_999, timing).kind).toBe('none');
    expect(advance(state, 3_610_000, timing)).toEqual({ kind: 'resolve', atMs: 3_610_000, value: 0.5 });
  });
});
