// Adapts the incidents module's IncidentHistory port to the SLA report's seam (IncidentsForReport),
// so the report lists the incidents of each service and period when the application has incidents.
import type { IncidentView } from '../incidents/incident-view.js';
import type { IncidentHistory } from '../incidents/incidents.ports.js';
import type { IncidentsForReport, ReportIncident } from './sla-report.types.js';

export function incidentsForReportFrom(source: IncidentHistory): IncidentsForReport {
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
