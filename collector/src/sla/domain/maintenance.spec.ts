import { describe, expect, it } from 'vitest';
import { DateTime } from 'luxon';
import { cronProblem, expandMaintenance, touchesPast, type MaintenanceDefinition } from './maintenance.js';
import { parseWeeklySchedule } from './weekly-schedule.js';

const BERLIN = 'Europe/Berlin';
const iso = (ms: number) => new Date(ms).toISOString();
const berlin = (t: string) => DateTime.fromISO(t, { zone: BERLIN }).toMillis();

describe('expandMaintenance', () => {
  const patchNight: MaintenanceDefinition = {
    id: 'patch-night',
    services: ['shop'],
    timezone: BERLIN,
    timing: { kind: 'cron', schedule: '0 2 * * SUN', durationMs: 2 * 3_600_000 },
  };

  it('expands a cron window in its time zone, including the DST Sundays', () => {
    const got = expandMaintenance(patchNight, berlin('2026-03-20T00:00'), berlin('2026-04-06T00:00'));
    expect(got.map(([a, b]) => [iso(a), iso(b)])).toEqual([
      ['2026-03-22T01:00:00.000Z', '2026-03-22T03:00:00.000Z'],
      // 02:00 does not exist on 2026-03-29; cron fires at 03:00 CEST (01:00 UTC).
      ['2026-03-29T01:00:00.000Z', '2026-03-29T03:00:00.000Z'],
      ['2026-04-05T00:00:00.000Z', '2026-04-05T02:00:00.000Z'],
    ]);
  });

  it('includes an occurrence that started before the range, clipped', () => {
    const from = Date.parse('2026-11-01T02:00:00Z'); // 03:00 Berlin, inside 02:00-04:00
    const got = expandMaintenance(patchNight, from, from + 3_600_000 * 2);
    expect(got).toEqual([[from, Date.parse('2026-11-01T03:00:00Z')]]);
  });

  it('honours validity bounds for recurring windows', () => {
    const def = { ...patchNight, validFromMs: berlin('2026-03-25T00:00'), validUntilMs: berlin('2026-04-01T00:00') };
    expect(expandMaintenance(def, berlin('2026-03-20T00:00'), berlin('2026-04-06T00:00'))).toHaveLength(1);
  });

  it('expands one-off and weekly windows', () => {
    const once: MaintenanceDefinition = { id: 'x', services: ['shop'], timezone: 'UTC', timing: { kind: 'once', startMs: 1000, endMs: 5000 } };
    expect(expandMaintenance(once, 2000, 10_000)).toEqual([[2000, 5000]]);
    expect(expandMaintenance(once, 5000, 10_000)).toEqual([]);
    const weekly: MaintenanceDefinition = { id: 'w', services: ['shop'], timezone: BERLIN, timing: { kind: 'weekly', weekly: parseWeeklySchedule('Sat 22:00-02:00') } };
    const got = expandMaintenance(weekly, berlin('2026-11-07T00:00'), berlin('2026-11-09T00:00'));
    expect(got.map(([a, b]) => [iso(a), iso(b)])).toEqual([['2026-11-07T21:00:00.000Z', '2026-11-08T01:00:00.000Z']]);
  });

  it('knows which windows touch the past', () => {
    expect(touchesPast({ id: 'x', services: [], timezone: 'UTC', timing: { kind: 'once', startMs: 1000, endMs: 5000 } }, 2000)).toBe(true);
    expect(touchesPast({ ...patchNight, validFromMs: 3000 }, 2000)).toBe(false);
    expect(touchesPast(patchNight, 2000)).toBe(true);
  });

  it('reports bad cron expressions', () => {
    expect(cronProblem('0 2 * * SUN', BERLIN)).toBeUndefined();
    expect(cronProblem('61 2 * * *', BERLIN)).toBe('Constraint error, got value 61 expected range 0-59');
    expect(cronProblem('0 2 * * *', 'Mars/Olympus')).toBeDefined();
  });
});
