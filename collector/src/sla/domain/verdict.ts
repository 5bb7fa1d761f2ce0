// Coverage, the unknown-minute policy and the verdict of one SLA figure. Pure functions: the figure
// assembler hands in minute counts, this decides whether they are enough to call the objective met
// or breached.
import type { MinuteCounts } from './sla-math.js';

/** How minutes without any probe result count (a contract decision, set per service). */
export type UnknownPolicy = 'exclude' | 'as_good' | 'as_bad';
export const UNKNOWN_POLICIES: readonly UnknownPolicy[] = ['exclude', 'as_good', 'as_bad'];

export type SlaStatus = 'met' | 'breached' | 'insufficient_data';
export const SLA_STATUSES: readonly SlaStatus[] = ['met', 'breached', 'insufficient_data'];

/** The good and bad minutes a figure is computed from, after the unknown policy is applied. */
export interface EffectiveMinutes {
  good: number;
  bad: number;
}

export function effectiveMinutes(c: Pick<MinuteCounts, 'good' | 'bad' | 'unknown'>, policy: UnknownPolicy): EffectiveMinutes {
  switch (policy) {
    case 'exclude':
      return { good: c.good, bad: c.bad };
    case 'as_good':
      return { good: c.good + c.unknown, bad: c.bad };
    case 'as_bad':
      return { good: c.good, bad: c.bad + c.unknown };
  }
}

/**
 * Measured minutes (good + bad) over the counted minutes elapsed so far (good + bad + unknown);
 * null when no minute has been counted yet (a window entirely outside service hours, say).
 */
export function coverage(c: Pick<MinuteCounts, 'good' | 'bad' | 'unknown'>): number | null {
  const counted = c.good + c.bad + c.unknown;
  return counted === 0 ? null : (c.good + c.bad) / counted;
}

export interface VerdictInput {
  /** Counted minutes elapsed so far, by state (before the policy). */
  counts: Pick<MinuteCounts, 'good' | 'bad' | 'unknown'>;
  /** Counted minutes still to come before the window or period ends (0 for a rolling window). */
  remainingMinutes: number;
  objective: number;
  policy: UnknownPolicy;
  minCoverage: number;
}

export interface Verdict {
  status: SlaStatus;
  coverage: number | null;
  /** True when the objective can no longer be met whatever the unknown and remaining minutes turn out to be. */
  certainBreach: boolean;
}

/**
 * The status of one figure:
 * - `breached` as soon as the breach is certain: the (policy-adjusted) bad minutes exceed the error
 *   budget of the whole window, i.e. even if every unknown and every remaining minute were good;
 * - otherwise `insufficient_data` while the coverage is below `minCoverage` (or nothing was measured);
 * - otherwise `met` or `breached` by comparing the availability with the objective.
 */
export function verdict(input: VerdictInput): Verdict {
  const { counts, objective, policy } = input;
  const cov = coverage(counts);
  const eff = effectiveMinutes(counts, policy);
  const wholeWindow = counts.good + counts.bad + counts.unknown + Math.max(0, input.remainingMinutes);
  // Compared in whole minutes with a tolerance, so 99.9 % of 10,000 minutes allows exactly 10 bad ones.
  const certainBreach = eff.bad > (1 - objective) * wholeWindow + 1e-9;
  if (certainBreach) return { status: 'breached', coverage: cov, certainBreach };
  const measured = eff.good + eff.bad;
  if (measured === 0 || cov === null || cov < input.minCoverage) return { status: 'insufficient_data', coverage: cov, certainBreach };
  return { status: eff.good / measured >= objective ? 'met' : 'breached', coverage: cov, certainBreach };
}

/** The `met` boolean of the API and reports: true or false only when the status is a verdict. */
export function metOf(status: SlaStatus): boolean | null {
  return status === 'insufficient_data' ? null : status === 'met';
}
