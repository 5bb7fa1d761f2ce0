import { describe, expect, it } from 'vitest';
import { DAY_MINUTES, FULL_DAY, MINUTE_MS, dayOf } from './bitmap.js';
import { minuteHistory } from '../../../test/support/minute-history.js';
import { slaFigures } from './figures.js';
import { parsePeriod } from './periods.js';
import type { DayStatus, MinuteMasks } from './sla-math.js';

const always: MinuteMasks = { hours: () => FULL_DAY, maintenance: () => undefined };

/** Day statuses from [fromMinute, toMinute, state] runs (absolute minutes); every other minute unknown. */
function history(runs: [number, number, 'good' | 'bad'][]): (day: number) => DayStatus | undefined {
  const days = minuteHistory(runs);
  return (day) => days.get(day);
}

// December 2026 in UTC: 44,640 minutes. "Now" is 2026-12-02 00:00, one day (1,440 minutes) in.
const NOW = Date.parse('2026-12-02T00:00:00Z');
const M0 = dayOf(Date.parse('2026-12-01T00:00:00Z')) * DAY_MINUTES;
const december = parsePeriod('2026-12', 'UTC', NOW)!;

describe('slaFigures: coverage, status and the unknown policy over a period in progress', () => {
  it('gives no verdict on 4 measured minutes, and says so with the coverage', () => {
    const days = history([
      [M0, M0 + 2, 'good'],
      [M0 + 2, M0 + 4, 'bad'],
    ]);
    const f = slaFigures(december, { objective: 0.999, zone: 'UTC' }, days, always);
    expect(f.counts).toMatchObject({ good: 2, bad: 2, unknown: 1436 });
    expect(f.availability).toBe(0.5);
    expect(f.coverage).toBe(4 / 1440);
    expect(f.status).toBe('insufficient_data');
    expect(f.met).toBeNull();
  });

  it('calls the breach once the bad minutes exceed the budget of the whole month (44.64 min)', () => {
    const at = slaFigures(december, { objective: 0.999, zone: 'UTC' }, history([[M0, M0 + 44, 'bad']]), always);
    expect(at.status).toBe('insufficient_data');
    const past = slaFigures(december, { objective: 0.999, zone: 'UTC' }, history([[M0, M0 + 45, 'bad']]), always);
    expect(past.status).toBe('breached');
    expect(past.met).toBe(false);
    expect(past.coverage).toBe(45 / 1440);
  });

  it('applies each unknown policy to availability, budget and status', () => {
    // 1,300 good, 10 bad, 130 unknown minutes on day one: coverage 1,310 / 1,440 = 0.9097.
    const days = history([
      [M0, M0 + 1300, 'good'],
      [M0 + 1300, M0 + 1310, 'bad'],
    ]);
    const objectives = { objective: 0.99, zone: 'UTC' };
    const exclude = slaFigures(december, { ...objectives, unknownPolicy: 'exclude' }, days, always);
    expect([exclude.availability, exclude.errorBudget.totalMinutes, exclude.status]).toEqual([1300 / 1310, expect.closeTo(13.1, 9), 'met']);
    const asGood = slaFigures(december, { ...objectives, unknownPolicy: 'as_good' }, days, always);
    expect([asGood.availability, asGood.errorBudget.totalMinutes, asGood.status]).toEqual([1430 / 1440, expect.closeTo(14.4, 9), 'met']);
    const asBad = slaFigures(december, { ...objectives, unknownPolicy: 'as_bad' }, days, always);
    expect([asBad.availability, asBad.errorBudget.consumedMinutes, asBad.status]).toEqual([1300 / 1440, 140, 'breached']);
    expect(asBad.unknownPolicy).toBe('as_bad');
    // Coverage is what was measured, whatever the policy; a higher minimum withholds the verdict.
    expect(asGood.coverage).toBe(1310 / 1440);
    expect(slaFigures(december, { ...objectives, minCoverage: 0.95 }, days, always).status).toBe('insufficient_data');
  });

  it('reports coverage per day', () => {
    const f = slaFigures(december, { objective: 0.999, zone: 'UTC' }, history([[M0, M0 + 720, 'good']]), always, { daily: true });
    expect(f.daily?.[0]).toMatchObject({ date: '2026-12-01', coverage: 0.5, good: 720, unknown: 720 });
    expect(december.endMs - december.startMs).toBe(44_640 * MINUTE_MS);
  });
});
