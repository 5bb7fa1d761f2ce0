// The API shapes the console reads. Where the collector declares a shape, it is imported from its
// compiled declarations (type-only: nothing of the collector reaches the bundle).
import type { IncidentView } from '../../collector/dist/incidents/incident-view.js';
import type { DailyUptime } from '../../collector/dist/console/overview.service.js';
import type { SlaStatus } from '../../collector/dist/sla/domain/verdict.js';

export type { IncidentView as Incident } from '../../collector/dist/incidents/incident-view.js';
export type { AgentView as Agent } from '../../collector/dist/agents/agents.service.js';
export type { ChangeView as Change } from '../../collector/dist/changes/changes.service.js';
export type { PublicStatus } from '../../collector/dist/console/status.service.js';
export type { DailyUptime as Day } from '../../collector/dist/console/overview.service.js';
export type { SlaStatus } from '../../collector/dist/sla/domain/verdict.js';
type Incident = IncidentView;

export interface OverviewService {
  id: string;
  name: string;
  public: boolean;
  owner: string | null;
  state: string;
  state_since: string | null;
  objective: number | null;
  windows: SlaWindow[];
  burning: { severity: string; long_window: string; short_window: string; rate: number }[];
}

/** One SLA window of a service as the overview lists it. */
export interface SlaWindow {
  window: string;
  availability: number | null;
  /** Measured minutes over counted minutes; null when none was counted. */
  coverage: number | null;
  status: SlaStatus;
  unknown_policy: string;
  met: boolean | null;
  budget_remaining_ratio: number;
  budget_remaining_minutes: number;
}

export interface Overview {
  generated_at: string;
  evaluated_at: string | null;
  services: OverviewService[];
  incidents: Incident[];
  agents: { total: number; connected: number; lost: number; lost_agents: { id: string; hostname: string; last_seen: string }[] };
}

export interface Uptime {
  service: string;
  objective: number;
  timezone: string;
  days: DailyUptime[];
}

export interface SeriesRef {
  id: number;
  metric: string;
  labels: Record<string, string>;
}

export interface Rollup {
  series: SeriesRef & { kind: string };
  resolution: string;
  stepMs: number;
  unit: 'value' | 'per_second';
  points: { t: number; avg: number; min: number; max: number; last: number; count: number }[];
}

export interface CapacityEntry {
  host: string;
  agent: string;
  resource: string;
  mountpoint: string | null;
  title: string;
  unit: string;
  status: string;
  message?: string;
  current: number | null;
  threshold: number | null;
  growth_per_day: number | null;
  exhaustion: { exceeded: boolean; days_left: number | null; expected_at: string | null; earliest_days_left: number | null; latest_days_left: number | null } | null;
  model: string | null;
  history?: [number, number][];
  forecast?: { t: number; mean: number; lower: number; upper: number }[];
}

export interface Maintenance {
  id: string;
  title?: string;
  services: string[];
  timezone: string;
  start?: string;
  end?: string;
  schedule?: string;
  duration?: string;
  weekly?: string;
  change?: string;
  reason?: string;
  source: string;
  created_by?: string;
  audit?: { action: string; at: string; actor: string | null; token: string | null; reason: string | null; retroactive: boolean }[];
}

export interface Problem {
  id: number;
  rule: string;
  service: string | null;
  title: string;
  status: string;
  known_error: boolean;
  workaround: string | null;
  root_cause: string | null;
  created_at: string;
  updated_at: string;
  incidents?: { id: number; state: string; title: string; opened_at: string }[];
}
