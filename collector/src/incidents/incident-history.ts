import { Inject, Injectable } from '@nestjs/common';
import type { ChangeIncidents } from '../changes/changes.ports.js';
import type { ProblemIncident, ProblemIncidents } from '../problems/problems.ports.js';
import { IncidentMapper, type IncidentView } from './incident-view.js';
import type { IncidentsSettings } from './incidents.config.js';
import type { IncidentHistory } from './incidents.ports.js';
import { IncidentsRepository } from './incidents.repository.js';
import { INCIDENTS_SETTINGS } from './incidents.tokens.js';

/** Read-only answers about incidents for other features: SLA reports, the console, change and problem records. */
@Injectable()
export class IncidentHistoryReader implements IncidentHistory, ChangeIncidents, ProblemIncidents {
  private readonly mapper: IncidentMapper;

  constructor(
    private readonly repo: IncidentsRepository,
    @Inject(INCIDENTS_SETTINGS) settings: IncidentsSettings,
  ) {
    this.mapper = new IncidentMapper(settings.external_url);
  }

  async incidentsForService(serviceId: string, fromMs: number, toMs: number): Promise<IncidentView[]> {
    return (await this.repo.overlapping(serviceId, fromMs, toMs)).map((r) => this.mapper.view(r));
  }

  async currentIncidents(limit: number): Promise<IncidentView[]> {
    return (await this.repo.list({ states: ['open', 'acknowledged'], limit })).map((r) => this.mapper.view(r));
  }

  async incidentIdsByChange(changeIds: readonly string[]): Promise<Map<string, number[]>> {
    const out = new Map<string, number[]>();
    for (const { change_id, id } of await this.repo.linkedToChanges(changeIds)) {
      const ids = out.get(change_id) ?? [];
      ids.push(id);
      out.set(change_id, ids);
    }
    return out;
  }

  changesWithIncidents(): Promise<string[]> {
    return this.repo.changesWithIncidents();
  }

  async incidentsOfProblem(problemId: number): Promise<ProblemIncident[]> {
    return (await this.repo.byProblem(problemId)).map((i) => ({ id: i.id, state: i.state, title: i.title, openedMs: i.opened_ms, resolvedMs: i.resolved_ms }));
  }
}
