// Flap detection: a condition that changes state too often (open/resolve/reopen ...) within a
// window is marked flapping; notifications are held until it has been stable for a while, then
// the current state is notified once. The change history is bounded by the threshold.

export interface FlapSettings {
  windowMs: number;
  /** State changes within the window that make a condition flapping. */
  threshold: number;
  /** No change for this long ends flapping. */
  stableForMs: number;
}

export interface FlapState {
  /** Timestamps of recent state changes, oldest first, at most `threshold` of them. */
  changes: number[];
  flapping: boolean;
}

export type FlapEvent = 'started' | 'stopped' | undefined;

/** Records a state change; returns the new state and whether flapping started. */
export function recordChange(state: FlapState, atMs: number, settings: FlapSettings): { state: FlapState; event: FlapEvent } {
  const changes = [...state.changes.filter((t) => atMs - t < settings.windowMs), atMs].slice(-settings.threshold);
  const flapping = state.flapping || (settings.threshold > 0 && changes.length >= settings.threshold);
  return { state: { changes, flapping }, event: flapping && !state.flapping ? 'started' : undefined };
}

/** Ends flapping once the last change is at least `stableForMs` old. */
export function checkStable(state: FlapState, nowMs: number, settings: FlapSettings): { state: FlapState; event: FlapEvent } {
  if (!state.flapping) return { state, event: undefined };
  const last = state.changes.at(-1) ?? -Infinity;
  if (nowMs - last < settings.stableForMs) return { state, event: undefined };
  return { state: { changes: state.changes, flapping: false }, event: 'stopped' };
}
