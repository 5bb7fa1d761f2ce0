// Event-based SLIs: counter increases with resets, per-minute event counts, histogram buckets, and
// the availability, error budget and verdict of a window from event counts. Pure functions.
import { DAY_WORDS } from './bitmap.js';
import { forEachDay, type DayStatus, type ErrorBudget, type MinuteCounts, type MinuteMasks } from './sla-math.js';
import { coverage, type Verdict } from './verdict.js';

/** Good and total events (requests) of a minute range, after the service-hours and maintenance masks. */
export interface EventCounts {
  good: number;
  total: number;
}

/**
 * Increase of a counter between two consecutive samples. A drop is a reset (the process restarted
 * and counted from 0): the increase is the new value, as Prometheus' increase() computes it
 * (without its extrapolation to the window edges).
 */
export function counterIncrease(previous: number, current: number): number {
  return current >= previous ? current - previous : current;
}

/**
 * Adds a counter's increases to per-minute slots: the increase between two consecutive samples
 * belongs to the minute of the later sample. `points` are [ms, value] in time order; the first is
 * only a baseline (when no earlier sample is known, its events cannot be placed in time).
 * Slots cover minutes [fromMinute, fromMinute + increases.length); `sampled` marks minutes that
 * hold at least one sample.
 */
export function addMinuteIncreases(points: readonly (readonly [number, number])[], fromMinute: number, increases: Float64Array, sampled?: Uint8Array): void {
  for (let i = 0; i < points.length; i++) {
    const slot = Math.floor(points[i]![0] / 60_000) - fromMinute;
    if (slot < 0 || slot >= increases.length) continue;
    if (sampled) sampled[slot] = 1;
    if (i > 0) increases[slot]! += counterIncrease(points[i - 1]![1], points[i]![1]);
  }
}

/** A histogram bucket's upper bound from its `le` label ("0.3", "3e-1", "+Inf"); undefined when not a number. */
export function parseBucketBound(le: string): number | undefined {
  const text = le.trim();
  if (text === '+Inf' || text === 'Inf' || text === '+inf') return Number.POSITIVE_INFINITY;
  if (text === '' || !/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) return undefined;
  return Number(text);
}

/** Whether a bucket bound is the latency threshold (exposition formats print floats in several ways). */
export function isThresholdBound(bound: number, thresholdSeconds: number): boolean {
  return Math.abs(bound - thresholdSeconds) <= 1e-9 * Math.max(1, Math.abs(thresholdSeconds));
}

/** Why a latency SLI cannot be measured from a histogram whose bounds do not include the threshold. */
export function thresholdProblem(bounds: Iterable<number>, thresholdSeconds: number): string {
  const list = [...new Set(bounds)].sort((a, b) => a - b).map((b) => (b === Number.POSITIVE_INFINITY ? '+Inf' : String(b)));
  return `no bucket with le=${thresholdSeconds} (the threshold must be a bucket bound; bounds found: ${list.join(', ')})`;
}

/**
 * Sums good and total events over the counted minutes of [startMinute, endMinute): in service hours
 * and outside maintenance. Within a minute good is capped at total (series scraped a moment apart
 * may disagree by a few events), so good <= total always holds.
 */
export function countEvents(
  startMinute: number,
  endMinute: number,
  days: (day: number) => DayStatus | undefined,
  masks: MinuteMasks,
): EventCounts {
  const into: EventCounts = { good: 0, total: 0 };
  forEachDay(startMinute, endMinute, (day, range) => {
    const status = days(day);
    const good = status?.eventGood;
    const total = status?.eventTotal;
    if (!good || !total) return;
    const hours = masks.hours(day);
    const maint = masks.maintenance(day);
    for (let w = 0; w < DAY_WORDS; w++) {
      let bits = hours[w]! & range[w]! & ~(maint ? maint[w]! : 0);
      while (bits !== 0) {
        const bit = 31 - Math.clz32(bits);
        bits &= ~(1 << bit);
        const m = w * 32 + bit;
        const t = total[m]!;
        into.total += t;
        into.good += Math.min(good[m]!, t);
      }
    }
  });
  return into;
}

/** The good and bad terms of availability and burn rates for an event-based SLI. */
export function eventTerms(e: EventCounts): { good: number; bad: number } {
  return { good: e.good, bad: e.total - e.good };
}

/**
 * The error budget of an event-based SLI, in minute equivalents so it reads like a probe-based
 * one: the budget is (1 − objective) × measured minutes, and the bad-event share of those minutes
 * is consumed (10 % failed requests over 600 measured minutes consume 60 minutes). The ratios are
 * exactly the event ratios: consumed ratio = (bad / total) / (1 − objective).
 */
export function eventErrorBudget(e: EventCounts, measuredMinutes: number, objective: number): ErrorBudget {
  const total = (1 - objective) * measuredMinutes;
  const badShare = e.total > 0 ? (e.total - e.good) / e.total : 0;
  const consumed = round6(badShare * measuredMinutes);
  const consumedRatio = e.total === 0 ? 0 : badShare / (1 - objective);
  return { totalMinutes: total, consumedMinutes: consumed, remainingMinutes: total - consumed, consumedRatio, remainingRatio: 1 - consumedRatio };
}

const round6 = (v: number) => Math.round(v * 1e6) / 1e6;

/**
 * The status of an event-based figure. Coverage is minute-based (minutes with a sample of the total
 * series over counted minutes). A breach is never called "certain" early: events still to come,
 * or counted at the next sample after a gap, can always dilute the bad ones. So: insufficient_data
 * without events or below the minimum coverage, else met or breached by good / total >= objective.
 */
export function eventVerdict(counts: Pick<MinuteCounts, 'good' | 'bad' | 'unknown'>, e: EventCounts, objective: number, minCoverage: number): Verdict {
  const cov = coverage(counts);
  if (e.total === 0 || cov === null || cov < minCoverage) return { status: 'insufficient_data', coverage: cov, certainBreach: false };
  return { status: e.good / e.total >= objective ? 'met' : 'breached', coverage: cov, certainBreach: false };
}
