// Planned maintenance windows: one-off, cron-recurring or weekly, each in its own time zone.
// Expansion turns a definition into concrete [start, end) intervals for a query range.
import { CronExpressionParser } from 'cron-parser';
import { mergeIntervals, type Interval } from './bitmap.js';
import { weeklyIntervals, type WeeklySchedule } from './weekly-schedule.js';

export type MaintenanceTiming =
  | { kind: 'once'; startMs: number; endMs: number }
  | { kind: 'cron'; schedule: string; durationMs: number }
  | { kind: 'weekly'; weekly: WeeklySchedule };

export interface MaintenanceDefinition {
  id: string;
  services: string[];
  timing: MaintenanceTiming;
  timezone: string;
  /** Recurring windows apply only within [validFromMs, validUntilMs). */
  validFromMs?: number;
  validUntilMs?: number;
}

/** Upper bound on occurrences per expansion: a "* * * * *" schedule must not exhaust memory. */
export const MAX_OCCURRENCES = 100_000;

/** Validates a cron schedule in a zone; returns a problem message or undefined. */
export function cronProblem(schedule: string, zone: string): string | undefined {
  try {
    CronExpressionParser.parse(schedule, { tz: zone, currentDate: 0 }).next();
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** The window's intervals overlapping [fromMs, toMs), clipped to it and merged. */
export function expandMaintenance(def: MaintenanceDefinition, fromMs: number, toMs: number): Interval[] {
  const from = Math.max(fromMs, def.timing.kind === 'once' ? -Infinity : (def.validFromMs ?? -Infinity));
  const to = Math.min(toMs, def.timing.kind === 'once' ? Infinity : (def.validUntilMs ?? Infinity));
  if (to <= from) return [];
  const timing = def.timing;
  switch (timing.kind) {
    case 'once':
      return timing.endMs > from && timing.startMs < to ? [[Math.max(from, timing.startMs), Math.min(to, timing.endMs)]] : [];
    case 'weekly':
      return weeklyIntervals(timing.weekly, def.timezone, from, to);
    case 'cron': {
      const out: Interval[] = [];
      // Start early by the duration so an occurrence that began before `from` still counts.
      const iterator = CronExpressionParser.parse(timing.schedule, { tz: def.timezone, currentDate: from - timing.durationMs - 1 });
      for (let i = 0; i < MAX_OCCURRENCES; i++) {
        const start = iterator.next().getTime();
        if (start >= to) break;
        const end = start + timing.durationMs;
        if (end > from) out.push([Math.max(from, start), Math.min(to, end)]);
      }
      return mergeIntervals(out);
    }
  }
}

/** Whether the definition has any time before `nowMs` (creating or changing it rewrites history). */
export function touchesPast(def: MaintenanceDefinition, nowMs: number): boolean {
  if (def.timing.kind === 'once') return def.timing.startMs < nowMs;
  return (def.validFromMs ?? -Infinity) < nowMs;
}
