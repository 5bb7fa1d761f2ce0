import { describe, expect, it } from 'vitest';
import { serviceState, type MinuteVerdict } from './service-state.js';

const NOW = 1_000_000;
const at = (minutes: Record<number, MinuteVerdict>) => (m: number): MinuteVerdict => minutes[NOW - m] ?? 'unknown';
const judge = (minutes: Record<number, MinuteVerdict>, extra: { inMaintenance?: boolean; burning?: boolean } = {}) =>
  serviceState({ nowMinute: NOW, verdict: at(minutes), inMaintenance: extra.inMaintenance ?? false, burning: extra.burning ?? false });

describe('serviceState (minutes given as "minutes ago")', () => {
  it('is up when the latest judged minute is good and nothing recent was bad', () => {
    expect(judge({ 0: 'good', 1: 'good' })).toBe('up');
    expect(judge({ 3: 'good', 15: 'bad' })).toBe('up');
  });
  it('is down as soon as the minute in progress is bad', () => {
    expect(judge({ 0: 'bad', 1: 'good' })).toBe('down');
    expect(judge({ 2: 'bad', 3: 'good' })).toBe('down');
  });
  it('is degraded after a recent bad minute or while the budget burns', () => {
    expect(judge({ 0: 'good', 14: 'bad' })).toBe('degraded');
    expect(judge({ 0: 'good' }, { burning: true })).toBe('degraded');
  });
  it('has no data when nothing was judged in the last 5 minutes', () => {
    expect(judge({ 5: 'bad' })).toBe('no_data');
    expect(judge({ 4: 'good' })).toBe('up');
  });
  it('is in maintenance while a window is open, whatever the minutes say', () => {
    expect(judge({ 0: 'bad' }, { inMaintenance: true })).toBe('maintenance');
  });
});
