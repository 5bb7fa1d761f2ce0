// What the console's overview and service pages need in one read each: every service's state and
// SLA figures from the last evaluation (no recomputation per request), open incidents, agents, and
// the daily uptime series of a service.
import { Inject, Injectable } from '@nestjs/common';
import { DateTime } from 'luxon';
import { AgentsService } from '../agents/agents.service.js';
import { CLOCK, type Clock } from '../common/clock.js';
import { INCIDENT_HISTORY, type IncidentHistory } from '../incidents/incidents.ports.js';
import { MINUTE_MS } from '../sla/domain/bitmap.js';
import type { SlaRange } from '../sla/domain/periods.js';
import type { ServiceModel } from '../sla/sla.model.js';
import { ServicesService } from '../sla/services.service.js';
import { SlaEvaluator } from '../sla/sla-evaluator.js';
import { dailyView, requireSla, type DailyView } from '../sla/sla.dto.js';
import { ServiceStatesService } from './service-states.service.js';

/** Lists in the overview are bounded; the full lists have their own pages. */
const MAX_LISTED = 100;

const iso = (ms: number) => new Date(ms).toISOString();
const round = (v: number) => Math.round(v * 1e9) / 1e9;

/** A day of the uptime bars: the SLA API's daily view. */
export type DailyUptime = DailyView;

@Injectable()
export class OverviewService {
  constructor(
    private readonly catalogue: ServicesService,
    private readonly sla: SlaEvaluator,
    private readonly states: ServiceStatesService,
    private readonly agents: AgentsService,
    @Inject(INCIDENT_HISTORY) private readonly incidents: IncidentHistory,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async overview(): Promise<Record<string, unknown>> {
    const snapshot = this.sla.lastSnapshot();
    const firing = new Map<string, Record<string, unknown>[]>();
    for (const s of this.sla.burnRateSignals()) {
      if (!s.firing) continue;
      const list = firing.get(s.service) ?? [];
      list.push({ severity: s.severity, long_window: s.longWindow, short_window: s.shortWindow, rate: round(Math.min(s.longRate, s.shortRate)) });
      firing.set(s.service, list);
    }
    const states = this.states.all();
    const services = this.catalogue.list().map((svc) => {
      const current = states.get(svc.id);
      return {
        ...this.identity(svc),
        owner: svc.definition.owner ?? null,
        state: current?.state ?? 'no_data',
        state_since: current ? iso(current.sinceMs) : null,
        objective: svc.sla?.objective ?? null,
        windows: [...(snapshot.windows.get(svc.id) ?? new Map())].map(([label, f]) => ({
          window: label,
          availability: f.availability === null ? null : round(f.availability),
          coverage: f.coverage === null ? null : round(f.coverage),
          // 'insufficient_data' when too few minutes were measured to call the objective met or breached.
          status: f.status,
          unknown_policy: f.unknownPolicy,
          met: f.met,
          budget_remaining_ratio: round(f.errorBudget.remainingRatio),
          budget_remaining_minutes: round(f.errorBudget.remainingMinutes),
        })),
        burning: firing.get(svc.id) ?? [],
      };
    });
    const agents = this.agents.list();
    const lost = agents.filter((a) => !a.connected);
    const open = await this.incidents.currentIncidents(MAX_LISTED);
    return {
      generated_at: iso(this.clock.now()),
      evaluated_at: snapshot.atMs ? iso(snapshot.atMs) : null,
      services,
      incidents: open,
      agents: {
        total: agents.length,
        connected: agents.length - lost.length,
        lost: lost.length,
        lost_agents: lost.slice(0, MAX_LISTED).map((a) => ({ id: a.id, hostname: a.hostname, last_seen: iso(a.lastSeen) })),
      },
    };
  }

  identity(svc: ServiceModel): { id: string; name: string; public: boolean } {
    return { id: svc.id, name: svc.definition.name, public: svc.definition.public === true };
  }

  /** Availability per local day of the service's SLA time zone, today included (up to now). */
  async dailyUptime(svc: ServiceModel, days: number): Promise<{ objective: number; timezone: string; days: DailyUptime[] }> {
    const sla = requireSla(svc);
    const now = Math.floor(this.clock.now() / MINUTE_MS) * MINUTE_MS;
    const start = DateTime.fromMillis(now, { zone: sla.zone }).startOf('day').minus({ days: days - 1 }).toMillis();
    const range: SlaRange = { label: `${days}d`, kind: 'rolling', startMs: start, endMs: now, evaluatedToMs: now };
    const figures = await this.sla.figures(svc, range, { daily: true });
    return {
      objective: sla.objective,
      timezone: sla.zone,
      days: (figures.daily ?? []).map(dailyView),
    };
  }
}
