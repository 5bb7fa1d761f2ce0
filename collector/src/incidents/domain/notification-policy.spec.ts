import { describe, expect, it } from 'vitest';
import { decide, isRepeatDue } from './notification-policy.js';

const s = { groupWaitMs: 30_000, repeatIntervalMs: 3_600_000 };

describe('notification policy', () => {
  it('triggers after group_wait and follows with ack and resolve immediately', () => {
    expect(decide({ state: 'open', flapping: false, notified: null }, s)).toEqual({ notify: true, event: 'trigger', delayMs: 30_000 });
    expect(decide({ state: 'acknowledged', flapping: false, notified: 'trigger' }, s)).toEqual({ notify: true, event: 'acknowledge', delayMs: 0 });
    expect(decide({ state: 'resolved', flapping: false, notified: 'acknowledge' }, s)).toEqual({ notify: true, event: 'resolve', delayMs: 0 });
    expect(decide({ state: 'open', flapping: false, notified: 'resolve' }, s)).toEqual({ notify: true, event: 'trigger', delayMs: 30_000 });
  });

  it('stays quiet when suppressed, flapping, never triggered, or already told', () => {
    expect(decide({ state: 'suppressed', flapping: false, notified: null }, s)).toEqual({ notify: false, reason: 'suppressed by maintenance' });
    expect(decide({ state: 'open', flapping: true, notified: null }, s)).toEqual({ notify: false, reason: 'flapping' });
    expect(decide({ state: 'resolved', flapping: false, notified: null }, s)).toEqual({ notify: false, reason: 'never notified as firing' });
    expect(decide({ state: 'acknowledged', flapping: false, notified: 'resolve' }, s)).toEqual({ notify: false, reason: 'never notified as firing' });
    expect(decide({ state: 'closed', flapping: false, notified: 'resolve' }, s)).toEqual({ notify: false, reason: 'receivers already know' });
  });

  it('repeats only open, unacknowledged, triggered incidents', () => {
    const open = { state: 'open' as const, flapping: false, notified: 'trigger' as const };
    expect(isRepeatDue(open, 0, 3_599_999, s)).toBe(false);
    expect(isRepeatDue(open, 0, 3_600_000, s)).toBe(true);
    expect(isRepeatDue({ ...open, state: 'acknowledged' }, 0, 9e9, s)).toBe(false);
    expect(isRepeatDue({ ...open, flapping: true }, 0, 9e9, s)).toBe(false);
    expect(isRepeatDue(open, 0, 9e9, { ...s, repeatIntervalMs: 0 })).toBe(false);
  });
});
