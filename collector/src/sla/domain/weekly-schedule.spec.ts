import { describe, expect, it } from 'vitest';
import { DateTime } from 'luxon';
import { parseWeeklySchedule, weeklyIntervals } from './weekly-schedule.js';
import { ScheduleMaskCache, scheduleDayMask } from './masks.js';
import { countBits, dayOf, DAY_MS } from './bitmap.js';

const BERLIN = 'Europe/Berlin';
const berlin = (iso: string) => DateTime.fromISO(iso, { zone: BERLIN }).toMillis();
const minutes = (intervals: readonly (readonly [number, number])[]) => intervals.reduce((n, [a, b]) => n + (b - a) / 60_000, 0);

describe('parseWeeklySchedule', () => {
  it('parses day ranges, several time ranges and items', () => {
    const s = parseWeeklySchedule('Mon-Fri 08:00-12:00 13:00-17:00; Sat 09:00-12:00');
    expect(s.ranges).toEqual([
      { weekdays: [1, 2, 3, 4, 5], startMinute: 480, endMinute: 720 },
      { weekdays: [1, 2, 3, 4, 5], startMinute: 780, endMinute: 1020 },
      { weekdays: [6], startMinute: 540, endMinute: 720 },
    ]);
  });

  it('wraps day ranges and times past midnight', () => {
    const s = parseWeeklySchedule('Fri-Mon 22:00-06:00');
    expect(s.ranges).toEqual([{ weekdays: [5, 6, 7, 1], startMinute: 1320, endMinute: 1800 }]);
    expect(parseWeeklySchedule('Sun 00:00-24:00').ranges[0]!.endMinute).toBe(1440);
    expect(parseWeeklySchedule('always').always).toBe(true);
  });

  it.each([
    ['', 'empty schedule'],
    ['Mon-Fri', '"Mon-Fri" must look like "Mon-Fri 08:00-18:00"'],
    ['Mon-Fri 8-18', '"8-18" is not a time range like 08:00-18:00'],
    ['Mon-Fri 08:00-25:00', '"08:00-25:00" has an invalid time'],
    ['Mon-Fri 08:61-09:00', '"08:61-09:00" has an invalid time'],
    ['Mon-Fri 08:00-08:00', '"08:00-08:00" is an empty range'],
    ['Mo-Fr 08:00-18:00', '"Mo-Fr": unknown day "mo" (use Mon … Sun)'],
    ['Mon-Fri-Sat 08:00-18:00', '"Mon-Fri-Sat" is not a day or day range like Mon-Fri'],
  ])('rejects %j', (text, message) => {
    expect(() => parseWeeklySchedule(text)).toThrow(message);
  });
});

describe('weeklyIntervals across DST (Europe/Berlin)', () => {
  const office = parseWeeklySchedule('Mon-Fri 08:00-18:00');

  it('keeps 600 minutes on the working days around both DST changes', () => {
    // Week of the spring change (Sun 2026-03-29) and the week after.
    expect(minutes(weeklyIntervals(office, BERLIN, berlin('2026-03-23T00:00'), berlin('2026-04-06T00:00')))).toBe(10 * 600);
    // Monday after the autumn change (Sun 2026-10-25).
    const monday = weeklyIntervals(office, BERLIN, berlin('2026-10-26T00:00'), berlin('2026-10-27T00:00'));
    expect(monday).toEqual([[Date.parse('2026-10-26T07:00:00Z'), Date.parse('2026-10-26T17:00:00Z')]]);
  });

  it('gives the DST Sundays 1380 and 1500 minutes when the schedule is all day', () => {
    const sunday = parseWeeklySchedule('Sun 00:00-24:00');
    expect(minutes(weeklyIntervals(sunday, BERLIN, berlin('2026-03-29T00:00'), berlin('2026-03-30T00:00')))).toBe(1380);
    expect(minutes(weeklyIntervals(sunday, BERLIN, berlin('2026-10-25T00:00'), berlin('2026-10-26T00:00')))).toBe(1500);
    // 01:00-04:00 loses the skipped hour in spring and gains the repeated hour in autumn.
    const night = parseWeeklySchedule('Sun 01:00-04:00');
    expect(minutes(weeklyIntervals(night, BERLIN, berlin('2026-03-29T00:00'), berlin('2026-03-30T00:00')))).toBe(120);
    expect(minutes(weeklyIntervals(night, BERLIN, berlin('2026-10-25T00:00'), berlin('2026-10-26T00:00')))).toBe(240);
  });

  it('includes a range past midnight that started the day before, clipped to the query', () => {
    const night = parseWeeklySchedule('Sun 22:00-06:00');
    const got = weeklyIntervals(night, 'UTC', Date.parse('2026-11-02T00:00:00Z'), Date.parse('2026-11-02T12:00:00Z'));
    expect(got).toEqual([[Date.parse('2026-11-02T00:00:00Z'), Date.parse('2026-11-02T06:00:00Z')]]);
  });
});

describe('schedule day masks', () => {
  it('maps local service hours onto UTC day bitmaps, 600 minutes per working day', () => {
    const office = parseWeeklySchedule('Mon-Fri 08:00-18:00');
    const cache = new ScheduleMaskCache();
    // Berlin office hours on a UTC day: 07:00-17:00 UTC in winter.
    const monday = dayOf(Date.parse('2026-11-02T00:00:00Z'));
    expect(countBits(cache.get(office, BERLIN, monday))).toBe(600);
    expect(countBits(cache.get(office, BERLIN, monday + 5))).toBe(0); // Saturday
    expect(cache.size).toBe(2);
    expect(countBits(scheduleDayMask(office, 'America/New_York', monday))).toBe(600);
    // A Tokyo working day spans two UTC days: Monday 08:00 JST is Sunday 23:00 UTC.
    const sundayUtc = dayOf(Date.parse('2026-11-01T00:00:00Z'));
    expect(countBits(scheduleDayMask(office, 'Asia/Tokyo', sundayUtc))).toBe(60);
    expect(DAY_MS).toBe(86_400_000);
  });
});
