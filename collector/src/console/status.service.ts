// The public status page's data: services marked `public: true` and nothing else. No hosts, labels,
// incident titles or descriptions (they are written for operators and may name internal things).
import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, type Clock } from '../common/clock.js';
import { INCIDENT_HISTORY, type IncidentHistory } from '../incidents/incidents.ports.js';
import { expandMaintenance } from '../sla/domain/maintenance.js';
import { MaintenanceService } from '../sla/maintenance.service.js';
import { ServicesService } from '../sla/services.service.js';
import { OverviewService, type DailyUptime } from './overview.service.js';
import { ServiceStatesService } from './service-states.service.js';

export const STATUS_DAYS = 90;
/** Planned maintenance shown this far ahead. */
const MAINTENANCE_AHEAD_MS = 14 * 86_400_000;
const MAX_MAINTENANCE = 20;
/** The page is public: answers are reused for this long so visitors cannot make the collector recompute. */
const CACHE_MS = 10_000;

/** Public wording of incident states (status pages say what is being done, not the workflow). */
const PUBLIC_PHASE: Record<string, string> = { open: 'investigating', acknowledged: 'identified' };

const iso = (ms: number) => new Date(ms).toISOString();

export interface PublicStatus {
  generated_at: string;
  services: { id: string; name: string; state: string; objective: number | null; uptime: number | null; days: DailyUptime[] }[];
  incidents: { service: string; service_name: string; severity: string; phase: string; started_at: string }[];
  maintenance: { services: string[]; start: string; end: string; in_progress: boolean }[];
}

@Injectable()
export class StatusService {
  private cached: { atMs: number; value: PublicStatus } | undefined;

  constructor(
    private readonly catalogue: ServicesService,
    private readonly overview: OverviewService,
    private readonly states: ServiceStatesService,
    private readonly maintenance: MaintenanceService,
    @Inject(INCIDENT_HISTORY) private readonly incidents: IncidentHistory,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async status(): Promise<PublicStatus> {
    const now = this.clock.now();
    if (this.cached && now - this.cached.atMs < CACHE_MS && now >= this.cached.atMs) return this.cached.value;
    const value = await this.compute(now);
    this.cached = { atMs: now, value };
    return value;
  }

  private async compute(now: number): Promise<PublicStatus> {
    const published = this.catalogue.list().filter((s) => s.definition.public === true);
    const names = new Map(published.map((s) => [s.id, s.definition.name]));
    const states = this.states.all();
    const services: PublicStatus['services'] = [];
    for (const svc of published) {
      const daily = svc.sla ? await this.overview.dailyUptime(svc, STATUS_DAYS) : undefined;
      const totals = (daily?.days ?? []).reduce((t, d) => ({ good: t.good + d.good, bad: t.bad + d.bad }), { good: 0, bad: 0 });
      services.push({
        id: svc.id,
        name: svc.definition.name,
        state: states.get(svc.id)?.state ?? 'no_data',
        objective: daily?.objective ?? null,
        uptime: totals.good + totals.bad > 0 ? totals.good / (totals.good + totals.bad) : null,
        days: daily?.days ?? [],
      });
    }
    const incidents = (await this.incidents.currentIncidents(1000))
      .filter((i) => i.service !== null && names.has(i.service))
      .map((i) => ({ service: i.service!, service_name: names.get(i.service!)!, severity: i.severity, phase: PUBLIC_PHASE[i.state] ?? i.state, started_at: i.started_at }));
    const maintenance: PublicStatus['maintenance'] = [];
    for (const w of this.maintenance.list()) {
      const shown = w.window.services.filter((id) => names.has(id)).map((id) => names.get(id)!);
      if (shown.length === 0) continue;
      // Expanded from a day back so a window in progress keeps its real start (expansion clips to the range).
      for (const [a, b] of expandMaintenance(w.window, now - 86_400_000, now + MAINTENANCE_AHEAD_MS)) if (b > now) maintenance.push({ services: shown, start: iso(a), end: iso(b), in_progress: a <= now });
    }
    maintenance.sort((x, y) => x.start.localeCompare(y.start));
    return { generated_at: iso(now), services, incidents, maintenance: maintenance.slice(0, MAX_MAINTENANCE) };
  }
}
