// Weekly schedules in local time, e.g. "Mon-Fri 08:00-18:00" or "Mon-Fri 08:00-12:00 13:00-17:00; Sat 09:00-12:00".
// Used for service hours and for weekly maintenance windows. Times are wall-clock times in the
// schedule's time zone, so a DST change never shortens or lengthens "08:00-18:00".
import { DateTime } from 'luxon';
import { mergeIntervals, type Interval } from './bitmap.js';

const DAY_NAMES = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

export interface WeeklyRange {
  /** Luxon weekday numbers (1 = Monday … 7 = Sunday) on which the range starts. */
  weekdays: number[];
  /** Minutes after local midnight. */
  startMinute: number;
  /** Minutes after local midnight of the start day; may exceed 1440 for ranges past midnight. */
  endMinute: number;
}

export interface WeeklySchedule {
  /** True for "always": every minute is inside. */
  always: boolean;
  ranges: WeeklyRange[];
  text: string;
}

export const ALWAYS: WeeklySchedule = { always: true, ranges: [], text: 'always' };

/** Parses a weekly schedule; throws an Error whose message explains what is wrong. */
export function parseWeeklySchedule(text: string): WeeklySchedule {
  const trimmed = text.trim();
  if (/^(always|24x7|24\/7)$/i.test(trimmed)) return { ...ALWAYS, text: trimmed };
  if (trimmed === '') throw new Error('empty schedule');
  const ranges: WeeklyRange[] = [];
  for (const item of trimmed.split(/[;,]/)) {
    const parts = item.trim().split(/\s+/);
    if (parts.length < 2 || parts[0] === '') throw new Error(`"${item.trim()}" must look like "Mon-Fri 08:00-18:00"`);
    const weekdays = parseDays(parts[0]!);
    for (const timeRange of parts.slice(1)) {
      const m = /^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$/.exec(timeRange);
      if (!m) throw new Error(`"${timeRange}" is not a time range like 08:00-18:00`);
      const start = clock(Number(m[1]), Number(m[2]), timeRange, false);
      let end = clock(Number(m[3]), Number(m[4]), timeRange, true);
      if (end === start) throw new Error(`"${timeRange}" is an empty range`);
      // "22:00-06:00" runs past midnight into the next day.
      if (end < start) end += 1440;
      ranges.push({ weekdays, startMinute: start, endMinute: end });
    }
  }
  return { always: false, ranges, text: trimmed };
}

function parseDays(text: string): number[] {
  const [a, b, extra] = text.toLowerCase().split('-');
  if (extra !== undefined) throw new Error(`"${text}" is not a day or day range like Mon-Fri`);
  const from = dayIndex(a!, text);
  const to = b === undefined ? from : dayIndex(b, text);
  const days: number[] = [];
  // Wraps around the week: "Fri-Mon" is Fri, Sat, Sun, Mon.
  for (let d = from; ; d = (d + 1) % 7) {
    days.push(d + 1);
    if (d === to) break;
  }
  return days;
}

function dayIndex(name: string, text: string): number {
  const index = DAY_NAMES.indexOf(name.slice(0, 3) as (typeof DAY_NAMES)[number]);
  const full = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];
  if (index < 0 || !(name.length === 3 || full[index] === name)) throw new Error(`"${text}": unknown day "${name}" (use Mon … Sun)`);
  return index;
}

function clock(hour: number, minute: number, text: string, isEnd: boolean): number {
  if (minute > 59 || hour > 24 || (hour === 24 && (minute !== 0 || !isEnd))) throw new Error(`"${text}" has an invalid time`);
  return hour * 60 + minute;
}

/**
 * The schedule's intervals (UTC ms, merged) that overlap [fromMs, toMs), clipped to it.
 * Local times that do not exist (inside a spring-forward gap) move forward, as luxon does;
 * ambiguous times (fall-back) take the earlier offset.
 */
export function weeklyIntervals(schedule: WeeklySchedule, zone: string, fromMs: number, toMs: number): Interval[] {
  if (toMs <= fromMs) return [];
  if (schedule.always) return [[fromMs, toMs]];
  const out: [number, number][] = [];
  // Start a day early so a range past midnight that began the day before is included.
  let day = DateTime.fromMillis(fromMs, { zone }).startOf('day').minus({ days: 1 });
  const last = DateTime.fromMillis(toMs, { zone }).startOf('day');
  while (day <= last) {
    for (const range of schedule.ranges) {
      if (!range.weekdays.includes(day.weekday)) continue;
      const start = localTime(day, range.startMinute, zone);
      const end = localTime(day, range.endMinute, zone);
      const a = Math.max(start, fromMs);
      const b = Math.min(end, toMs);
      if (b > a) out.push([a, b]);
    }
    day = day.plus({ days: 1 });
  }
  return mergeIntervals(out);
}

function localTime(day: DateTime, minutes: number, zone: string): number {
  const date = minutes >= 1440 ? day.plus({ days: Math.floor(minutes / 1440) }) : day;
  const rest = minutes % 1440;
  return DateTime.fromObject(
    { year: date.year, month: date.month, day: date.day, hour: Math.floor(rest / 60), minute: rest % 60 },
    { zone },
  ).toMillis();
}
