import { describe, expect, it } from 'vitest';
import { DateTime } from 'luxon';
import { DAY_MINUTES, FULL_DAY, dayOf, intervalsToDayMasks, type DayBitmap } from './bitmap.js';
import {
  DEFAULT_BURN_RULES,
  availability,
  burnRate,
  countMinutes,
  errorBudget,
  evaluateBurnRules,
  findOutages,
  latencyAttainment,
  type MinuteMasks,
} from './sla-math.js';
import { minuteMasks, ScheduleMaskCache } from './masks.js';
import { parseWeeklySchedule } from './weekly-schedule.js';
import { parsePeriod } from './periods.js';
import { minuteHistory } from '../../../test/support/minute-history.js';

const MIN = 60_000;
const DAY0 = dayOf(Date.parse('2026-11-02T00:00:00Z')); // a Monday
const M0 = DAY0 * DAY_MINUTES;

const history = minuteHistory;

const always: MinuteMasks = { hours: () => FULL_DAY, maintenance: () => undefined };

describe('countMinutes and the SLA figures', () => {
  // Day 0: good all day except an outage 10:00-10:30 and no data 11:40-11:50.
  const days = history([
    [M0, M0 + 600, 'good'],
    [M0 + 600, M0 + 630, 'bad'],
    [M0 + 630, M0 + 700, 'good'],
    [M0 + 710, M0 + 1440, 'good'],
  ]);
  const get = (d: number) => days.get(d);

  it('counts good, bad and unknown minutes', () => {
    const c = countMinutes(M0, M0 + DAY_MINUTES, get, always);
    expect(c).toMatchObject({ good: 1400, bad: 30, unknown: 10, serviceMinutes: 1440, plannedMinutes: 0, plannedDown: 0 });
    expect(availability(c)).toBe(1400 / 1430);
  });

  it('excludes maintenance and reports planned downtime separately', () => {
    // Maintenance 10:15-10:45 overlaps the second half of the outage.
    const masks = minuteMasks(() => FULL_DAY, [[(M0 + 615) * MIN, (M0 + 645) * MIN]], DAY0, DAY0);
    const c = countMinutes(M0, M0 + DAY_MINUTES, get, masks);
    expect(c).toMatchObject({ good: 1385, bad: 15, unknown: 10, plannedMinutes: 30, plannedDown: 15 });
    expect(availability(c)).toBe(1385 / 1400);
    const budget = errorBudget(c, 0.999);
    expect(budget.totalMinutes).toBeCloseTo(1.4, 12);
    expect(budget.consumedMinutes).toBe(15);
    expect(budget.remainingMinutes).toBeCloseTo(-13.6, 12);
    expect(budget.consumedRatio).toBeCloseTo(15 / 1.4, 12);
    // Burn over the hour 09:30-10:30: 45 counted minutes (15 in maintenance), 15 bad.
    const hour = countMinutes(M0 + 570, M0 + 630, get, masks);
    expect([hour.good, hour.bad]).toEqual([30, 15]);
    expect(burnRate(hour, 0.999)).toBeCloseTo(15 / 45 / 0.001, 9);
  });

  it('counts only service hours, and outages split into planned and unplanned minutes', () => {
    const office = parseWeeklySchedule('Mon-Fri 08:00-18:00');
    const cache = new ScheduleMaskCache();
    const outageDays = history([
      [M0, M0 + 1070, 'good'],
      [M0 + 1070, M0 + 1100, 'bad'], // 17:50-18:20 UTC
      [M0 + 1100, M0 + 1440, 'good'],
    ]);
    const masks = minuteMasks((d) => cache.get(office, 'UTC', d), [[(M0 + 1075) * MIN, (M0 + 1080) * MIN]], DAY0, DAY0);
    const c = countMinutes(M0, M0 + DAY_MINUTES, (d) => outageDays.get(d), masks);
    expect(c).toMatchObject({ serviceMinutes: 600, good: 590, bad: 5, unknown: 0, plannedMinutes: 5, plannedDown: 5 });
    expect(findOutages(M0, M0 + DAY_MINUTES, (d) => outageDays.get(d), masks)).toEqual([
      { startMs: (M0 + 1070) * MIN, endMs: (M0 + 1100) * MIN, minutes: 30, unplannedMinutes: 5, plannedMinutes: 5 },
    ]);
  });

  it('treats missing days as unknown and joins outages across midnight', () => {
    const d = history([
      [M0 + 1430, M0 + 1450, 'bad'],
      [M0 + 1450, M0 + 1460, 'good'],
    ]);
    const c = countMinutes(M0 - DAY_MINUTES, M0 + 2 * DAY_MINUTES, (x) => d.get(x), always);
    expect(c).toMatchObject({ good: 10, bad: 20, unknown: 3 * 1440 - 30 });
    expect(findOutages(M0 - DAY_MINUTES, M0 + 2 * DAY_MINUTES, (x) => d.get(x), always)).toEqual([
      { startMs: (M0 + 1430) * MIN, endMs: (M0 + 1450) * MIN, minutes: 20, unplannedMinutes: 20, plannedMinutes: 0 },
    ]);
    expect(availability({ good: 0, bad: 0 })).toBeNull();
  });

  it('sums latency counts over counted minutes only', () => {
    const d = history([[M0, M0 + 1440, 'good']]);
    const s = d.get(DAY0)!;
    s.latencyGood = new Uint16Array(DAY_MINUTES).fill(11);
    s.latencyTotal = new Uint16Array(DAY_MINUTES).fill(12);
    s.latencyGood[100] = 0; // inside maintenance below: not counted
    const masks = minuteMasks(() => FULL_DAY, [[(M0 + 100) * MIN, (M0 + 101) * MIN]], DAY0, DAY0);
    const c = countMinutes(M0, M0 + 1440, (x) => d.get(x), masks);
    expect([c.latencyGood, c.latencyTotal]).toEqual([1439 * 11, 1439 * 12]);
    expect(latencyAttainment(c)).toBe(11 / 12);
  });

  it('counts a DST day in Europe/Berlin as 1380 and 1500 minutes', () => {
    const spring = parsePeriod('2026-03-29', 'Europe/Berlin', 0)!;
    const autumn = parsePeriod('2026-10-25', 'Europe/Berlin', 0)!;
    for (const [p, expected] of [[spring, 1380], [autumn, 1500]] as const) {
      const c = countMinutes(p.startMs / MIN, p.endMs / MIN, () => undefined, always);
      expect(c.unknown).toBe(expected);
    }
    // Office hours on the Monday after each change: 600 minutes.
    const cache = new ScheduleMaskCache();
    const office = parseWeeklySchedule('Mon-Fri 08:00-18:00');
    for (const date of ['2026-03-30', '2026-10-26']) {
      const p = parsePeriod(date, 'Europe/Berlin', 0)!;
      const masks: MinuteMasks = { hours: (d) => cache.get(office, 'Europe/Berlin', d), maintenance: () => undefined };
      expect(countMinutes(p.startMs / MIN, p.endMs / MIN, () => undefined, masks).serviceMinutes).toBe(600);
    }
    expect(DateTime.fromMillis(spring.startMs, { zone: 'Europe/Berlin' }).hour).toBe(0);
  });
});

describe('burn rates (SRE workbook multi-window)', () => {
  it('fires page and ticket rules with hand-computed rates', () => {
    // The last 60 minutes: 10 bad at the end; before that 3 days good except 30 bad minutes 5h ago.
    const now = M0 + 3 * DAY_MINUTES;
    const d = history([
      [now - 4320, now - 300, 'good'],
      [now - 300, now - 270, 'bad'],
      [now - 270, now - 10, 'good'],
      [now - 10, now, 'bad'],
    ]);
    const rate = (minutes: number) => burnRate(countMinutes(now - minutes, now, (x) => d.get(x), always), 0.999);
    expect(rate(5)).toBeCloseTo(1000, 9); // 5/5 bad
    expect(rate(60)).toBeCloseTo((10 / 60) * 1000, 9); // 166.67
    expect(rate(30)).toBeCloseTo((10 / 30) * 1000, 9);
    expect(rate(360)).toBeCloseTo((40 / 360) * 1000, 9); // 111.1
    expect(rate(4320)).toBeCloseTo((40 / 4320) * 1000, 9); // 9.26
    const evals = evaluateBurnRules(DEFAULT_BURN_RULES, rate);
    expect(evals.map((e) => e.firing)).toEqual([true, true, true, true]);

    // Same history judged against a 90 % objective: 1h rate 1.667 < 14.4, 3d rate 0.0926 < 1.
    const loose = evaluateBurnRules(DEFAULT_BURN_RULES, (m) => burnRate(countMinutes(now - m, now, (x) => d.get(x), always), 0.9));
    expect(loose.map((e) => e.firing)).toEqual([false, false, false, false]);
    expect(loose[0]!.longRate).toBeCloseTo(10 / 60 / 0.1, 9);
  });

  it('is 0 over a window without measured minutes', () => {
    expect(burnRate({ good: 0, bad: 0 }, 0.999)).toBe(0);
  });
});

describe('intervalsToDayMasks', () => {
  it('covers a minute when the interval covers its first instant', () => {
    const masks = intervalsToDayMasks([[(M0 + 10) * MIN + 30_000, (M0 + 12) * MIN + 30_000]], DAY0, DAY0);
    const mask = masks.get(DAY0) as DayBitmap;
    const set = [...Array(20).keys()].filter((m) => (mask[m >>> 5]! >>> (m & 31)) & 1);
    expect(set).toEqual([11, 12]);
  });
});
