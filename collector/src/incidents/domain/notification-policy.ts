// What to tell notifiers about an incident change. Only state changes notify; `group_wait`
// delays the first notification so a blip that resolves within it notifies nobody, and
// `repeat_interval` re-sends a trigger for incidents still open and unacknowledged.

import type { IncidentState } from './lifecycle.js';
import type { NotifyEvent } from '../../notify/notify.types.js';

export type { NotifyEvent };

export interface NotifySettings {
  groupWaitMs: number;
  repeatIntervalMs: number;
}

export interface NotifyView {
  state: IncidentState;
  flapping: boolean;
  /** The last event handed to notifiers for this incident, if any. */
  notified: NotifyEvent | null;
}

export type NotifyDecision = { notify: true; event: NotifyEvent; delayMs: number } | { notify: false; reason: string };

/** The event an incident in `state` stands for, from the receivers' point of view. */
export function eventForState(state: IncidentState): NotifyEvent | null {
  switch (state) {
    case 'open':
      return 'trigger';
    case 'acknowledged':
      return 'acknowledge';
    case 'resolved':
    case 'closed':
      return 'resolve';
    case 'suppressed':
      return null;
  }
}

/**
 * Decides the notification for an incident that has just moved to `view.state`.
 * `view.notified` is what receivers were last told (before this change).
 */
export function decide(view: NotifyView, settings: NotifySettings): NotifyDecision {
  if (view.state === 'suppressed') return { notify: false, reason: 'suppressed by maintenance' };
  if (view.flapping) return { notify: false, reason: 'flapping' };
  const event = eventForState(view.state);
  if (event === null || event === view.notified) return { notify: false, reason: 'receivers already know' };
  if (event === 'trigger') return { notify: true, event, delayMs: settings.groupWaitMs };
  // Acknowledge and resolve only mean something to receivers that heard of the trigger.
  if (view.notified === null || view.notified === 'resolve') return { notify: false, reason: 'never notified as firing' };
  return { notify: true, event, delayMs: 0 };
}

/** Whether an open, unacknowledged incident last notified at `lastMs` is due for a repeat. */
export function isRepeatDue(view: NotifyView, lastMs: number | null, nowMs: number, settings: NotifySettings): boolean {
  return (
    settings.repeatIntervalMs > 0 &&
    view.state === 'open' &&
    !view.flapping &&
    view.notified === 'trigger' &&
    lastMs !== null &&
    nowMs - lastMs >= settings.repeatIntervalMs
  );
}
