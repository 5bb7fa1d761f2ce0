// The SLA report's model (what its JSON, CSV and HTML renderings are made from) and what it shows
// of incidents. The report service adapts the incidents module's INCIDENT_HISTORY port to
// IncidentsForReport; without that port the report has no incidents section.
import type { SlaFigures } from '../sla/domain/figures.js';
import type { ServiceModel } from '../sla/sla.model.js';

export interface ServiceReport {
  service: ServiceModel;
  figures: SlaFigures;
  incidents?: ReportIncident[];
}

export interface SlaReportModel {
  /** The period asked for; undefined for the current period of each service. */
  period: string | undefined;
  generatedAtMs: number;
  services: ServiceReport[];
  /** Services in the catalogue without an SLA (listed, not measured). */
  unmeasured: string[];
  incidentsAvailable: boolean;
}

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
