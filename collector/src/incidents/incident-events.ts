// Incident changes as published on the collector event bus ('incident'), after their commit.
// The live feed (and any other observer) listens there; incidents never learns who listens.
import type { IncidentView } from './incident-view.js';

export type IncidentChange =
  | 'opened'
  | 'reopened'
  | 'suppressed'
  | 'unsuppressed'
  | 'acknowledged'
  | 'resolved'
  | 'closed'
  | 'commented'
  | 'flapping_started'
  | 'flapping_stopped';

export interface IncidentEvent {
  change: IncidentChange;
  incident: IncidentView;
  atMs: number;
}

declare module '../common/events.js' {
  interface CollectorEventMap {
    /** An incident changed; emitted once the change is committed. */
    incident: [event: IncidentEvent];
  }
}
