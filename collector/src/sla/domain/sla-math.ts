// Availability, error budgets, burn rates and outages over minute bitmaps. Pure functions over
// plain data: the service layer supplies the day bitmaps and masks.
import { DAY_MINUTES, DAY_WORDS, FULL_DAY, MINUTE_MS, emptyDay, fillRange, getBit, popcount32, type DayBitmap } from './bitmap.js';

/** One service's minute states for one UTC day. A minute in neither bitmap is unknown. */
export interface DayStatus {
  good: DayBitmap;
  bad: DayBitmap;
  /** Probe results under the latency threshold, and all results with a duration, per minute. */
  latencyGood?: Uint16Array;
  latencyTotal?: Uint16Array;
  /** Event-based SLIs: good and total events (counter increases) per minute. */
  eventGood?: Float64Array;
  eventTotal?: Float64Array;
}

export interface MinuteMasks {
  /** Minutes inside service hours for a UTC day (FULL_DAY for 24x7). */
  hours(day: number): DayBitmap;
  /** Minutes inside planned maintenance for a UTC day, or undefined when there is none. */
  maintenance(day: number): DayBitmap | undefined;
}

export interface MinuteCounts {
  /** Counted minutes (in service hours, outside maintenance) by state. */
  good: number;
  bad: number;
  unknown: number;
  /** Minutes of the range inside service hours. */
  serviceMinutes: number;
  /** Service-hours minutes inside planned maintenance, and how many of those were bad. */
  plannedMinutes: number;
  plannedDown: number;
  /** Probe results (counted minutes only) under the latency threshold, and all of them. */
  latencyGood: number;
  latencyTotal: number;
}

export function zeroCounts(): MinuteCounts {
  return { good: 0, bad: 0, unknown: 0, serviceMinutes: 0, plannedMinutes: 0, plannedDown: 0, latencyGood: 0, latencyTotal: 0 };
}

/**
 * Counts minutes [startMinute, endMinute) (minutes since the epoch). Missing days count as unknown.
 * This is the hot loop of every SLA figure: per day 45 word operations plus, for services with a
 * latency objective, one pass over the counted minutes.
 */
export function countMinutes(
  startMinute: number,
  endMinute: number,
  days: (day: number) => DayStatus | undefined,
  masks: MinuteMasks,
  into: MinuteCounts = zeroCounts(),
): MinuteCounts {
  forEachDay(startMinute, endMinute, (day, range) => {
    const hours = masks.hours(day);
    const maint = masks.maintenance(day);
    const status = days(day);
    const good = status?.good;
    const bad = status?.bad;
    const latGood = status?.latencyGood;
    const latTotal = status?.latencyTotal;
    for (let w = 0; w < DAY_WORDS; w++) {
      const inHours = hours[w]! & range[w]!;
      if (inHours === 0) continue;
      const m = maint ? maint[w]! : 0;
      const counted = inHours & ~m;
      const planned = inHours & m;
      const g = good ? good[w]! : 0;
      const b = bad ? bad[w]! : 0;
      into.serviceMinutes += popcount32(inHours);
      into.good += popcount32(g & counted);
      into.bad += popcount32(b & counted);
      into.unknown += popcount32(counted & ~(g | b));
      if (planned !== 0) {
        into.plannedMinutes += popcount32(planned);
        into.plannedDown += popcount32(b & planned);
      }
      if (latTotal && latGood && counted !== 0) {
        let bits = counted;
        while (bits !== 0) {
          const bit = 31 - Math.clz32(bits);
          bits &= ~(1 << bit);
          const minute = w * 32 + bit;
          into.latencyGood += latGood[minute]!;
          into.latencyTotal += latTotal[minute]!;
        }
      }
    }
  });
  return into;
}

/**
 * Calls `visit` for each UTC day touched by minutes [startMinute, endMinute), with the mask of
 * the day's minutes inside the range (FULL_DAY for whole days; the partial mask is reused).
 */
export function forEachDay(startMinute: number, endMinute: number, visit: (day: number, range: DayBitmap) => void): void {
  if (endMinute <= startMinute) return;
  const firstDay = Math.floor(startMinute / DAY_MINUTES);
  const lastDay = Math.floor((endMinute - 1) / DAY_MINUTES);
  const partial = emptyDay();
  for (let day = firstDay; day <= lastDay; day++) {
    const base = day * DAY_MINUTES;
    let range = FULL_DAY;
    if (day === firstDay || day === lastDay) {
      partial.fill(0);
      fillRange(partial, startMinute - base, endMinute - base);
      range = partial;
    }
    visit(day, range);
  }
}

/** good / (good + bad); null when no minute was measured (never "100 %" by default). */
export function availability(c: Pick<MinuteCounts, 'good' | 'bad'>): number | null {
  const measured = c.good + c.bad;
  return measured === 0 ? null : c.good / measured;
}

export function latencyAttainment(c: Pick<MinuteCounts, 'latencyGood' | 'latencyTotal'>): number | null {
  return c.latencyTotal === 0 ? null : c.latencyGood / c.latencyTotal;
}

export interface ErrorBudget {
  /** Allowed bad minutes: (1 - objective) x measured minutes. */
  totalMinutes: number;
  consumedMinutes: number;
  remainingMinutes: number;
  /** consumed / total; 0 when nothing was measured; above 1 when the objective is breached. */
  consumedRatio: number;
  remainingRatio: number;
}

/**
 * The budget is sized on measured minutes (good + bad), the same base as the availability, so
 * "remaining < 0" and "availability < objective" are the same statement.
 */
export function errorBudget(c: Pick<MinuteCounts, 'good' | 'bad'>, objective: number): ErrorBudget {
  const total = (1 - objective) * (c.good + c.bad);
  const consumed = c.bad;
  const consumedRatio = total > 0 ? consumed / total : consumed > 0 ? Infinity : 0;
  return {
    totalMinutes: total,
    consumedMinutes: consumed,
    remainingMinutes: total - consumed,
    consumedRatio,
    remainingRatio: 1 - consumedRatio,
  };
}

/** Bad ratio over the allowed bad ratio: 1 spends the budget exactly over the SLO window. 0 when unmeasured. */
export function burnRate(c: Pick<MinuteCounts, 'good' | 'bad'>, objective: number): number {
  const measured = c.good + c.bad;
  if (measured === 0) return 0;
  return c.bad / measured / (1 - objective);
}

export interface BurnRule {
  severity: 'page' | 'ticket';
  longMinutes: number;
  shortMinutes: number;
  /** Burn-rate factor both windows must reach. */
  factor: number;
}

/** Google SRE workbook thresholds for a 30-day budget (chapter "Alerting on SLOs"). */
export const DEFAULT_BURN_RULES: readonly BurnRule[] = [
  { severity: 'page', longMinutes: 60, shortMinutes: 5, factor: 14.4 },
  { severity: 'page', longMinutes: 360, shortMinutes: 30, factor: 6 },
  { severity: 'ticket', longMinutes: 1440, shortMinutes: 120, factor: 3 },
  { severity: 'ticket', longMinutes: 4320, shortMinutes: 360, factor: 1 },
];

export interface BurnEvaluation {
  rule: BurnRule;
  longRate: number;
  shortRate: number;
  firing: boolean;
}

export function evaluateBurnRules(rules: readonly BurnRule[], rateFor: (minutes: number) => number): BurnEvaluation[] {
  return rules.map((rule) => {
    const longRate = rateFor(rule.longMinutes);
    const shortRate = rateFor(rule.shortMinutes);
    return { rule, longRate, shortRate, firing: longRate >= rule.factor && shortRate >= rule.factor };
  });
}

export interface Outage {
  startMs: number;
  endMs: number;
  minutes: number;
  /** Minutes of the outage that count against the SLA (in service hours, outside maintenance). */
  unplannedMinutes: number;
  /** Minutes inside service hours and planned maintenance. */
  plannedMinutes: number;
}

/** Maximal runs of consecutive bad minutes in [startMinute, endMinute). An unknown minute ends a run. */
export function findOutages(
  startMinute: number,
  endMinute: number,
  days: (day: number) => DayStatus | undefined,
  masks: MinuteMasks,
): Outage[] {
  const out: Outage[] = [];
  let current: Outage | undefined;
  const firstDay = Math.floor(startMinute / DAY_MINUTES);
  const lastDay = Math.floor((endMinute - 1) / DAY_MINUTES);
  for (let day = firstDay; day <= lastDay; day++) {
    const base = day * DAY_MINUTES;
    const bad = days(day)?.bad;
    const from = Math.max(startMinute, base) - base;
    const to = Math.min(endMinute, base + DAY_MINUTES) - base;
    if (!bad) {
      current = undefined;
      continue;
    }
    const hours = masks.hours(day);
    const maint = masks.maintenance(day);
    for (let m = from; m < to; m++) {
      // Skip whole clean words quickly.
      if ((m & 31) === 0 && bad[m >>> 5] === 0 && m + 32 <= to) {
        current = undefined;
        m += 31;
        continue;
      }
      if (!getBit(bad, m)) {
        current = undefined;
        continue;
      }
      const minuteMs = (base + m) * MINUTE_MS;
      if (!current) {
        current = { startMs: minuteMs, endMs: minuteMs, minutes: 0, unplannedMinutes: 0, plannedMinutes: 0 };
        out.push(current);
      }
      current.endMs = minuteMs + MINUTE_MS;
      current.minutes++;
      if (getBit(hours, m)) {
        if (maint && getBit(maint, m)) current.plannedMinutes++;
        else current.unplannedMinutes++;
      }
    }
  }
  return out;
}
