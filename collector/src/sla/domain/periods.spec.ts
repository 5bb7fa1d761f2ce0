import { describe, expect, it } from 'vitest';
import { localDays, parsePeriod, parseRollingWindow, periodContaining, periodId, rollingRange } from './periods.js';

const BERLIN = 'Europe/Berlin';
const NOW = Date.parse('2026-11-15T10:30:45Z');

describe('periods', () => {
  it('resolves a calendar month in the SLA time zone', () => {
    const p = parsePeriod('2026-11', BERLIN, NOW)!;
    expect(p.kind).toBe('month');
    expect(new Date(p.startMs).toISOString()).toBe('2026-10-31T23:00:00.000Z');
    expect(new Date(p.endMs).toISOString()).toBe('2026-11-30T23:00:00.000Z');
    // In progress: evaluated up to the start of the current minute.
    expect(new Date(p.evaluatedToMs).toISOString()).toBe('2026-11-15T10:30:00.000Z');
    // October 2026 contains the autumn DST change: 31 days + 1 hour.
    const oct = parsePeriod('2026-10', BERLIN, NOW)!;
    expect((oct.endMs - oct.startMs) / 60_000).toBe(31 * 1440 + 60);
    expect(oct.evaluatedToMs).toBe(oct.endMs);
    const march = parsePeriod('2026-03', BERLIN, NOW)!;
    expect((march.endMs - march.startMs) / 60_000).toBe(31 * 1440 - 60);
  });

  it('resolves days, ISO weeks, quarters and years', () => {
    const minutes = (t: string) => {
      const p = parsePeriod(t, BERLIN, NOW)!;
      return [p.kind, (p.endMs - p.startMs) / 60_000];
    };
    expect(minutes('2026-03-29')).toEqual(['day', 1380]);
    expect(minutes('2026-10-25')).toEqual(['day', 1500]);
    // ISO week 43 ends with the autumn DST Sunday; week 44 is a plain week.
    expect(minutes('2026-W43')).toEqual(['week', 7 * 1440 + 60]);
    expect(minutes('2026-W44')).toEqual(['week', 7 * 1440]);
    expect(new Date(parsePeriod('2026-W44', BERLIN, NOW)!.startMs).toISOString()).toBe('2026-10-25T23:00:00.000Z');
    expect(minutes('2026-Q4')).toEqual(['quarter', 92 * 1440 + 60]);
    expect(minutes('2026')).toEqual(['year', 365 * 1440]);
    for (const bad of ['2026-13', '2026-02-30', '2026-W54', '26-11', 'november', '2026-Q5']) expect(parsePeriod(bad, BERLIN, NOW)).toBeUndefined();
  });

  it('finds the period containing an instant and its id', () => {
    const month = periodContaining('month', BERLIN, NOW);
    expect(new Date(month.startMs).toISOString()).toBe('2026-10-31T23:00:00.000Z');
    expect(periodId('month', BERLIN, NOW)).toBe('2026-11');
    expect(periodId('week', BERLIN, NOW)).toBe('2026-W46');
    expect(periodId('quarter', BERLIN, NOW)).toBe('2026-Q4');
    expect(periodId('day', 'Pacific/Kiritimati', NOW)).toBe('2026-11-16');
    const week = periodContaining('week', BERLIN, NOW);
    expect(new Date(week.startMs).toISOString()).toBe('2026-11-08T23:00:00.000Z');
  });

  it('parses rolling windows and aligns them to the current minute', () => {
    expect(parseRollingWindow('30d')).toBe(43_200);
    expect(parseRollingWindow('5m')).toBe(5);
    expect(parseRollingWindow('30s')).toBeUndefined();
    expect(parseRollingWindow('90s')).toBeUndefined();
    expect(parseRollingWindow('month')).toBeUndefined();
    const r = rollingRange('7d', 7 * 1440, NOW);
    expect(new Date(r.endMs).toISOString()).toBe('2026-11-15T10:30:00.000Z');
    expect(r.endMs - r.startMs).toBe(7 * 86_400_000);
  });

  it('splits a range into local days, DST days included', () => {
    const p = parsePeriod('2026-10', BERLIN, NOW)!;
    const days = localDays(p.startMs, p.endMs, BERLIN);
    expect(days).toHaveLength(31);
    expect(days[24]).toEqual({ date: '2026-10-25', startMs: Date.parse('2026-10-24T22:00:00Z'), endMs: Date.parse('2026-10-25T23:00:00Z') });
  });
});
