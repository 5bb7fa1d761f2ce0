// The figures of one service over one window, assembled from minute counts.
import { MINUTE_MS } from './bitmap.js';
import type { SlaRange } from './periods.js';
import { localDays } from './periods.js';
import { availability, countMinutes, errorBudget, findOutages, latencyAttainment, type DayStatus, type ErrorBudget, type MinuteCounts, type MinuteMasks, type Outage } from './sla-math.js';
import { coverage, effectiveMinutes, metOf, verdict, type EffectiveMinutes, type SlaStatus, type UnknownPolicy } from './verdict.js';
import { countEvents, eventErrorBudget, eventTerms, eventVerdict, type EventCounts } from './sli-events.js';

/** Below this coverage a figure gives no verdict unless the breach is already certain. */
export const DEFAULT_MIN_COVERAGE = 0.9;

export interface SlaObjectives {
  /** Availability objective as a ratio. */
  objective: number;
  latency?: { thresholdSeconds: number; target: number };
  zone: string;
  /** How unknown minutes count; `exclude` when absent. */
  unknownPolicy?: UnknownPolicy;
  /** Coverage needed for a verdict; DEFAULT_MIN_COVERAGE when absent. */
  minCoverage?: number;
  /** An SLI on metrics: availability, budget and burn rates from event counts, not minutes. */
  eventBased?: boolean;
}

export interface DailyFigure {
  date: string;
  availability: number | null;
  coverage: number | null;
  good: number;
  bad: number;
  unknown: number;
  plannedDown: number;
}

export interface SlaFigures {
  range: SlaRange;
  zone: string;
  objective: number;
  /** good / (good + bad) after the unknown policy; null when nothing was measured. */
  availability: number | null;
  /** Measured minutes over counted minutes elapsed; null when no minute was counted yet. */
  coverage: number | null;
  unknownPolicy: UnknownPolicy;
  status: SlaStatus;
  /** Follows `status`: true when met, false when breached, null when the data is insufficient. */
  met: boolean | null;
  counts: MinuteCounts;
  errorBudget: ErrorBudget;
  latency?: { thresholdSeconds: number; target: number; attainment: number | null; met: boolean | null };
  outages?: Outage[];
  daily?: DailyFigure[];
  /** Event-based SLIs: good and total events of the counted minutes. */
  events?: EventCounts;
}

/**
 * The good and bad terms of availability and burn rates over [startMinute, endMinute): events for
 * an SLI on metrics, minutes after the unknown policy for probes.
 */
export function measuredTerms(
  objectives: Pick<SlaObjectives, 'eventBased' | 'unknownPolicy'>,
  startMinute: number,
  endMinute: number,
  days: (day: number) => DayStatus | undefined,
  masks: MinuteMasks,
): EffectiveMinutes {
  if (objectives.eventBased) return eventTerms(countEvents(startMinute, endMinute, days, masks));
  return effectiveMinutes(countMinutes(startMinute, endMinute, days, masks), objectives.unknownPolicy ?? 'exclude');
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
  const policy = objectives.unknownPolicy ?? 'exclude';
  const minCoverage = objectives.minCoverage ?? DEFAULT_MIN_COVERAGE;
  const events = objectives.eventBased ? countEvents(from, to, days, masks) : undefined;
  const effective = events ? eventTerms(events) : effectiveMinutes(counts, policy);
  const ahead = range.endMs > range.evaluatedToMs ? countMinutes(to, range.endMs / MINUTE_MS, () => undefined, masks) : undefined;
  const judged = events
    ? eventVerdict(counts, events, objectives.objective, minCoverage)
    : verdict({ counts, remainingMinutes: ahead ? ahead.unknown : 0, objective: objectives.objective, policy, minCoverage });
  const figures: SlaFigures = {
    range,
    zone: objectives.zone,
    objective: objectives.objective,
    availability: availability(effective),
    coverage: judged.coverage,
    unknownPolicy: policy,
    status: judged.status,
    met: metOf(judged.status),
    counts,
    errorBudget: events ? eventErrorBudget(events, counts.good + counts.bad, objectives.objective) : errorBudget(effective, objectives.objective),
  };
  if (events) figures.events = events;
  if (objectives.latency) {
    const attainment = latencyAttainment(counts);
    figures.latency = { ...objectives.latency, attainment, met: attainment === null ? null : attainment >= objectives.latency.target };
  }
  if (options.outages) figures.outages = findOutages(from, to, days, masks);
  if (options.daily) {
    figures.daily = localDays(range.startMs, range.evaluatedToMs, objectives.zone).map((d) => {
      const c = countMinutes(d.startMs / MINUTE_MS, d.endMs / MINUTE_MS, days, masks);
      const terms = objectives.eventBased ? eventTerms(countEvents(d.startMs / MINUTE_MS, d.endMs / MINUTE_MS, days, masks)) : effectiveMinutes(c, policy);
      return { date: d.date, availability: availability(terms), coverage: coverage(c), good: c.good, bad: c.bad, unknown: c.unknown, plannedDown: c.plannedDown };
    });
  }
  return figures;
}
