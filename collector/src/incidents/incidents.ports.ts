// What the incidents module offers other features (exported by IncidentsModule):
// - INCIDENT_HISTORY: read access to past and current incidents (the SLA report's incident section,
//   the console's overview and public status page).
// It also provides the ports changes/ and problems/ define for what they show about incidents
// (CHANGE_INCIDENTS, PROBLEM_INCIDENTS), and publishes 'incident' events on the collector bus.
import type { IncidentView } from './incident-view.js';

export interface IncidentHistory {
  /** Incidents of a service overlapping [fromMs, toMs), suppressed ones excluded, by start time. */
  incidentsForService(serviceId: string, fromMs: number, toMs: number): Promise<IncidentView[]>;
  /** Open and acknowledged incidents, newest first, at most `limit`. */
  currentIncidents(limit: number): Promise<IncidentView[]>;
}

export const INCIDENT_HISTORY = Symbol('IncidentHistory');
