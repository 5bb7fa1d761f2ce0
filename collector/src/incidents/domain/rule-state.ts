// The alerting state machine of one condition (one rule on one series, or one built-in signal).
//
//   inactive --breach--> pending --breach held for `for`--> firing --clear held for keep_firing_for--> inactive
//                        pending --no breach / stale--> inactive
//
// "breach" and "clear" are separate predicates so recovery can use its own threshold
// (hysteresis): a firing disk alert at > 0.9 only clears below 0.85; values in between hold it.
// Times come from sample timestamps (observe) and from the injected clock (advance), so `for`
// expiry and keep_firing_for resolve on the timer even when no new sample arrives.
// States are mutated in place: this runs for every sample on the ingest hot path.

export type Comparison = '>' | '>=' | '<' | '<=' | '==' | '!=';

export interface ThresholdSpec {
  op: Comparison;
  threshold: number;
  /** Recovery threshold (recover_below for > and >=, recover_above for < and <=); none: clear = !breach. */
  recover?: number | undefined;
}

export function compare(op: Comparison, value: number, threshold: number): boolean {
  switch (op) {
    case '>':
      return value > threshold;
    case '>=':
      return value >= threshold;
    case '<':
      return value < threshold;
    case '<=':
      return value <= threshold;
    case '==':
      return value === threshold;
    case '!=':
      return value !== threshold;
  }
}

export function isBreach(spec: ThresholdSpec, value: number): boolean {
  return compare(spec.op, value, spec.threshold);
}

/** Whether a firing condition has recovered at this value (honours the recovery threshold). */
export function isClear(spec: ThresholdSpec, value: number): boolean {
  if (spec.recover === undefined) return !compare(spec.op, value, spec.threshold);
  return spec.op === '>' || spec.op === '>=' ? value < spec.recover : value > spec.recover;
}

/** Which side a recovery threshold must be on, or a problem description. */
export function recoveryProblem(spec: ThresholdSpec, key: 'recover_below' | 'recover_above'): string | undefined {
  if (spec.recover === undefined) return undefined;
  if (spec.op === '==' || spec.op === '!=') return `${key} cannot be used with op "${spec.op}"`;
  const above = spec.op === '>' || spec.op === '>=';
  if (above && key !== 'recover_below') return `op "${spec.op}" recovers below the threshold: use recover_below, not ${key}`;
  if (!above && key !== 'recover_above') return `op "${spec.op}" recovers above the threshold: use recover_above, not ${key}`;
  if (above && spec.recover > spec.threshold) return `${key} (${spec.recover}) must be at or below threshold (${spec.threshold}) for op "${spec.op}"`;
  if (!above && spec.recover < spec.threshold) return `${key} (${spec.recover}) must be at or above threshold (${spec.threshold}) for op "${spec.op}"`;
  return undefined;
}

export interface Timing {
  /** The breach must hold this long before firing. */
  forMs: number;
  /** A firing condition stays firing this long after it clears (absorbs short dips). */
  keepFiringForMs: number;
  /** A pending condition without samples for this long is dropped (nothing confirms the breach). */
  staleMs: number;
}

export type Phase = 'inactive' | 'pending' | 'firing';

export interface AlertState {
  phase: Phase;
  /** Timestamp of the first breaching sample of the current episode. */
  activeSinceMs: number;
  /** When it started firing. */
  firingSinceMs: number;
  /** While firing: timestamp of the first clear sample of an unbroken run, else null. */
  clearSinceMs: number | null;
  lastTs: number;
  lastValue: number;
}

export type Step =
  | { kind: 'none' }
  | { kind: 'fire'; startedMs: number; atMs: number; value: number }
  | { kind: 'resolve'; atMs: number; value: number };

const NONE: Step = { kind: 'none' };

export function newAlertState(): AlertState {
  return { phase: 'inactive', activeSinceMs: 0, firingSinceMs: 0, clearSinceMs: null, lastTs: -Infinity, lastValue: NaN };
}

/** A state that is already firing (restored from an open incident after a restart). */
export function firingState(startedMs: number, nowMs: number): AlertState {
  return { phase: 'firing', activeSinceMs: startedMs, firingSinceMs: startedMs, clearSinceMs: null, lastTs: nowMs, lastValue: NaN };
}

function fire(state: AlertState, atMs: number): Step {
  state.phase = 'firing';
  state.firingSinceMs = atMs;
  state.clearSinceMs = null;
  return { kind: 'fire', startedMs: state.activeSinceMs, atMs, value: state.lastValue };
}

function resolve(state: AlertState, atMs: number): Step {
  state.phase = 'inactive';
  state.clearSinceMs = null;
  return { kind: 'resolve', atMs, value: state.lastValue };
}

/**
 * Feeds one sample. `breach` decides entering (inactive/pending), `clear` decides leaving (firing).
 * Samples not newer than the last one are ignored (replays, out-of-order batches).
 */
export function observe(state: AlertState, tsMs: number, value: number, breach: boolean, clear: boolean, timing: Timing): Step {
  if (!(tsMs > state.lastTs) || Number.isNaN(value)) return NONE;
  state.lastTs = tsMs;
  state.lastValue = value;
  switch (state.phase) {
    case 'inactive':
      if (!breach) return NONE;
      state.activeSinceMs = tsMs;
      if (timing.forMs <= 0) return fire(state, tsMs);
      state.phase = 'pending';
      return NONE;
    case 'pending':
      if (!breach) {
        state.phase = 'inactive';
        return NONE;
      }
      return tsMs - state.activeSinceMs >= timing.forMs ? fire(state, tsMs) : NONE;
    case 'firing':
      if (!clear) {
        state.clearSinceMs = null;
        return NONE;
      }
      state.clearSinceMs ??= tsMs;
      return tsMs - state.clearSinceMs >= timing.keepFiringForMs ? resolve(state, tsMs) : NONE;
  }
}

/**
 * Moves time forward without a sample: fires a pending condition whose `for` has elapsed (its last
 * sample still breached and is fresh), resolves a clear one whose keep_firing_for has elapsed.
 * A firing condition whose data stops stays firing: missing data is not recovery (agent_down
 * reports the absence).
 */
export function advance(state: AlertState, nowMs: number, timing: Timing): Step {
  if (state.phase === 'pending') {
    if (nowMs - state.lastTs > timing.staleMs) {
      state.phase = 'inactive';
      return NONE;
    }
    return nowMs - state.activeSinceMs >= timing.forMs ? fire(state, Math.max(nowMs, state.lastTs)) : NONE;
  }
  if (state.phase === 'firing' && state.clearSinceMs !== null && nowMs - state.clearSinceMs >= timing.keepFiringForMs) {
    return resolve(state, Math.max(nowMs, state.lastTs));
  }
  return NONE;
}

/** Whether `advance` can change this state later (the engine only ticks these). */
export function needsTimer(state: AlertState): boolean {
  return state.phase === 'pending' || (state.phase === 'firing' && state.clearSinceMs !== null);
}
