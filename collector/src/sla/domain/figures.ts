// The figures of one service over one window, assembled from minute counts.
import { MINUTE_MS } from './bitmap.js';
import type { SlaRange } from './periods.js';
import { localDays } from './periods.js';
import { availability, countMinutes, errorBudget, findOutages, latencyAttainment, type DayStatus, type ErrorBudget, type MinuteCounts, type MinuteMasks, type Outage } from './sla-math.js';

export interface SlaObjectives {
  /** Availability objective as a ratio. */
  objective: number;
  latency?: { thresholdSeconds: number; target: number };
  zone: string;
}

export interface DailyFigure {
  date: string;
  availability: number | null;
  good: number;
  bad: number;
  unknown: number;
  plannedDown: number;
}

export interface SlaFigures {
  range: SlaRange;
  zone: string;
  objective: number;
  availability: number | null;
  /** Whether the availability objective is met; null when nothing was measured. */
  met: boolean | null;
  counts: MinuteCounts;
  errorBudget: ErrorBudget;
  latency?: { thresholdSeconds: number; target: number; attainment: number | null; met: boolean | null };
  outages?: Outage[];
  daily?: DailyFigure[];
}

export function slaFigures(
  range: SlaRange,
  objectives: SlaObjectives,
  days: (day: number) => DayStatus | undefined,
  masks: MinuteMasks,
  options: { outages?: boolean; daily?: boolean } = {},
): SlaFigures {
  const from = range.startMs / MINUTE_MS;
  const to = range.evaluatedToMs / MINUTE_MS;
  const counts = countMinutes(from, to, days, masks);
  const avail = availability(counts);
  const figures: SlaFigures = {
    range,
    zone: objectives.zone,
    objective: objectives.objective,
    availability: avail,
    met: avail === null ? null : avail >= objectives.objective,
    counts,
    errorBudget: errorBudget(counts, objectives.objective),
  };
  if (objectives.latency) {
    const attainment = latencyAttainment(counts);
    figures.latency = { ...objectives.latency, attainment, met: attainment === null ? null : attainment >= objectives.latency.target };
  }
  if (options.outages) figures.outages = findOutages(from, to, days, masks);
  if (options.daily) {
    figures.daily = localDays(range.startMs, range.evaluatedToMs, objectives.zone).map((d) => {
      const c = countMinutes(d.startMs / MINUTE_MS, d.endMs / MINUTE_MS, days, masks);
      return { date: d.date, availability: availability(c), good: c.good, bad: c.bad, unknown: c.unknown, plannedDown: c.plannedDown };
    });
  }
  return figures;
}
