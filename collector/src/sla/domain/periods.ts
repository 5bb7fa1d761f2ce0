// SLA windows: rolling (the last 7d/28d/30d up to the current minute) and calendar periods
// (day, week, month, quarter, year) in the SLA's time zone.
import { DateTime, IANAZone } from 'luxon';
import { parseDuration } from '@vigil/proto';
import { MINUTE_MS } from './bitmap.js';

export type PeriodKind = 'day' | 'week' | 'month' | 'quarter' | 'year';
export const PERIOD_KINDS: readonly PeriodKind[] = ['day', 'week', 'month', 'quarter', 'year'];

/** A resolved time range to evaluate: [startMs, endMs), minute aligned. */
export interface SlaRange {
  /** "30d" for a rolling window, "2026-11" for a period, "month" for the current month. */
  label: string;
  kind: 'rolling' | PeriodKind;
  startMs: number;
  endMs: number;
  /** For a period still in progress: where evaluation stops (now); equals endMs otherwise. */
  evaluatedToMs: number;
}

export function isValidZone(zone: string): boolean {
  return IANAZone.isValidZone(zone);
}

/** Parses a rolling window such as "30d" or "1h" to whole minutes; undefined when invalid. */
export function parseRollingWindow(text: string): number | undefined {
  const ms = parseDuration(text);
  if (ms === undefined || ms < MINUTE_MS || ms % MINUTE_MS !== 0) return undefined;
  return ms / MINUTE_MS;
}

/** The rolling window ending at the start of the current minute (the last complete minute is included). */
export function rollingRange(label: string, minutes: number, nowMs: number): SlaRange {
  const end = Math.floor(nowMs / MINUTE_MS) * MINUTE_MS;
  return { label, kind: 'rolling', startMs: end - minutes * MINUTE_MS, endMs: end, evaluatedToMs: end };
}

/**
 * Parses a calendar period: "2026" (year), "2026-Q4" (quarter), "2026-11" (month),
 * "2026-W45" (ISO week), "2026-11-03" (day). Returns undefined when the text is none of these.
 */
export function parsePeriod(text: string, zone: string, nowMs: number): SlaRange | undefined {
  let start: DateTime | undefined;
  let kind: PeriodKind;
  let m: RegExpExecArray | null;
  if ((m = /^(\d{4})$/.exec(text))) {
    kind = 'year';
    start = DateTime.fromObject({ year: Number(m[1]) }, { zone });
  } else if ((m = /^(\d{4})-Q([1-4])$/i.exec(text))) {
    kind = 'quarter';
    start = DateTime.fromObject({ year: Number(m[1]), month: (Number(m[2]) - 1) * 3 + 1 }, { zone });
  } else if ((m = /^(\d{4})-(\d{2})$/.exec(text))) {
    kind = 'month';
    start = DateTime.fromObject({ year: Number(m[1]), month: Number(m[2]) }, { zone });
  } else if ((m = /^(\d{4})-W(\d{2})$/i.exec(text))) {
    kind = 'week';
    start = DateTime.fromObject({ weekYear: Number(m[1]), weekNumber: Number(m[2]), weekday: 1 }, { zone });
    if (start.isValid && start.weekNumber !== Number(m[2])) return undefined;
  } else if ((m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text))) {
    kind = 'day';
    start = DateTime.fromObject({ year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) }, { zone });
  } else {
    return undefined;
  }
  if (!start.isValid) return undefined;
  return periodRange(kind, start, text, nowMs);
}

/** The calendar period of the given kind that contains `atMs`, e.g. the current month. */
export function periodContaining(kind: PeriodKind, zone: string, atMs: number, label: string = kind): SlaRange {
  const start = DateTime.fromMillis(atMs, { zone }).startOf(kind === 'week' ? 'week' : kind);
  return periodRange(kind, start, label, atMs);
}

/** The identifier of a period ("2026-11", "2026-W45", …) in the same syntax parsePeriod reads. */
export function periodId(kind: PeriodKind, zone: string, atMs: number): string {
  const t = DateTime.fromMillis(atMs, { zone });
  switch (kind) {
    case 'year':
      return t.toFormat('yyyy');
    case 'quarter':
      return `${t.year}-Q${t.quarter}`;
    case 'month':
      return t.toFormat('yyyy-MM');
    case 'week':
      return `${t.weekYear}-W${String(t.weekNumber).padStart(2, '0')}`;
    case 'day':
      return t.toFormat('yyyy-MM-dd');
  }
}

function periodRange(kind: PeriodKind, start: DateTime, label: string, nowMs: number): SlaRange {
  const end = start.plus(kind === 'week' ? { weeks: 1 } : kind === 'quarter' ? { months: 3 } : { [`${kind}s`]: 1 });
  const startMs = start.toMillis();
  const endMs = end.toMillis();
  // A period in progress is evaluated up to the current minute; the rest is in the future.
  const nowMinute = Math.floor(nowMs / MINUTE_MS) * MINUTE_MS;
  return { label, kind, startMs, endMs, evaluatedToMs: Math.max(startMs, Math.min(endMs, nowMinute)) };
}

/** Local calendar days [start, end) of a range, for per-day breakdowns (DST days are 23 or 25 hours). */
export function localDays(startMs: number, endMs: number, zone: string): { date: string; startMs: number; endMs: number }[] {
  const days: { date: string; startMs: number; endMs: number }[] = [];
  let day = DateTime.fromMillis(startMs, { zone }).startOf('day');
  while (day.toMillis() < endMs) {
    const next = day.plus({ days: 1 });
    days.push({ date: day.toFormat('yyyy-MM-dd'), startMs: Math.max(startMs, day.toMillis()), endMs: Math.min(endMs, next.toMillis()) });
    day = next;
  }
  return days;
}
