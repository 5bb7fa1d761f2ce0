// Incident lifecycle (ISO/IEC 20000 incident management):
//
//   open ──ack──> acknowledged ──resolve──> resolved ──close_after──> closed
//     └────────────resolve──────────────────┘   │
//   resolved ──same condition within reopen_within──> open (reopened)
//   suppressed (opened during maintenance) ──maintenance over, still firing──> open
//   suppressed ──condition recovers──> resolved
//
// Pure: the service applies the result to the database and the timeline.

export const INCIDENT_STATES = ['open', 'acknowledged', 'resolved', 'closed', 'suppressed'] as const;
export type IncidentState = (typeof INCIDENT_STATES)[number];

/** States in which the condition is considered active: at most one incident per fingerprint. */
export const ACTIVE_STATES: readonly IncidentState[] = ['open', 'acknowledged', 'suppressed'];

export type LifecycleAction =
  | { type: 'acknowledge' }
  | { type: 'resolve' }
  | { type: 'reopen'; suppressed: boolean }
  | { type: 'unsuppress' }
  | { type: 'close' };

export type TransitionResult = { ok: true; state: IncidentState } | { ok: false; reason: string };

export function isActive(state: IncidentState): boolean {
  return state === 'open' || state === 'acknowledged' || state === 'suppressed';
}

/** The state after `action`, or why the action is not allowed in `state`. */
export function transition(state: IncidentState, action: LifecycleAction): TransitionResult {
  const refuse = (why: string): TransitionResult => ({ ok: false, reason: why });
  switch (action.type) {
    case 'acknowledge':
      if (state === 'open') return { ok: true, state: 'acknowledged' };
      if (state === 'acknowledged') return refuse('incident is already acknowledged');
      if (state === 'suppressed') return refuse('incident is suppressed by a maintenance window; nothing to acknowledge');
      return refuse(`cannot acknowledge a ${state} incident`);
    case 'resolve':
      if (isActive(state)) return { ok: true, state: 'resolved' };
      return refuse(`incident is already ${state}`);
    case 'reopen':
      if (state === 'resolved') return { ok: true, state: action.suppressed ? 'suppressed' : 'open' };
      return refuse(`cannot reopen a ${state} incident`);
    case 'unsuppress':
      if (state === 'suppressed') return { ok: true, state: 'open' };
      return refuse(`incident is ${state}, not suppressed`);
    case 'close':
      if (state === 'resolved') return { ok: true, state: 'closed' };
      return refuse(`cannot close a ${state} incident (resolve it first)`);
  }
}

/** Whether a condition returning at `nowMs` reopens the incident resolved at `resolvedMs`. */
export function shouldReopen(resolvedMs: number, nowMs: number, reopenWithinMs: number): boolean {
  return reopenWithinMs > 0 && nowMs - resolvedMs <= reopenWithinMs;
}

/** Whether a resolved incident is due to be closed. */
export function isDueForClose(resolvedMs: number, nowMs: number, closeAfterMs: number): boolean {
  return nowMs - resolvedMs >= closeAfterMs;
}
