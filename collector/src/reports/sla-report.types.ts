// The seam between SLA reports and incidents: the incidents feature implements
// IncidentsForReport and provides it under INCIDENTS_FOR_REPORT (or calls
// SlaReportService.setIncidentsProvider). Without a provider the report has no incidents section.

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

export const INCIDENTS_FOR_REPORT = Symbol('IncidentsForReport');
