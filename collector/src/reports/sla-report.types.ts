// What the SLA report shows of incidents. The report service adapts the incidents module's
// INCIDENT_HISTORY port to IncidentsForReport; without that port the report has no incidents section.

export interface ReportIncident {
  id: string;
  title: string;
  /** Service the incident affected, when known. */
  service?: string;
  severity?: string;
  status?: string;
  openedAtMs: number;
  resolvedAtMs?: number;
  /** Link to the incident in the API or UI (rendered as text, never fetched). */
  url?: string;
}

export interface IncidentsForReport {
  /** Incidents of the given services that overlap [fromMs, toMs). */
  incidentsForReport(query: { services: string[]; fromMs: number; toMs: number }): Promise<ReportIncident[]>;
}
