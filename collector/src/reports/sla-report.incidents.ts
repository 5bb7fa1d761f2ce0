// Adapts the incidents feature to the SLA report's seam (IncidentsForReport), so the report lists
// the incidents of each service and period once the incidents module is part of the application.
import type { IncidentView } from '../incidents/incidents.service.js';
import type { IncidentsForReport, ReportIncident } from './sla-report.types.js';

export interface IncidentsByService {
  incidentsForService(serviceId: string, fromMs: number, toMs: number): Promise<IncidentView[]>;
}

export function incidentsForReportFrom(source: IncidentsByService): IncidentsForReport {
  return {
    async incidentsForReport({ services, fromMs, toMs }) {
      const out: ReportIncident[] = [];
      for (const service of services) for (const incident of await source.incidentsForService(service, fromMs, toMs)) out.push(reportIncident(incident));
      return out.sort((a, b) => a.openedAtMs - b.openedAtMs);
    },
  };
}

function reportIncident(v: IncidentView): ReportIncident {
  const incident: ReportIncident = { id: String(v.id), title: v.title, severity: v.severity, status: v.state, openedAtMs: Date.parse(v.opened_at), url: v.url };
  if (v.service !== null) incident.service = v.service;
  if (v.resolved_at !== null) incident.resolvedAtMs = Date.parse(v.resolved_at);
  return incident;
}
