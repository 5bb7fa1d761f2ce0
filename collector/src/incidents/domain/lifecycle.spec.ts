import { describe, expect, it } from 'vitest';
import { INCIDENT_STATES, isDueForClose, shouldReopen, transition, type LifecycleAction } from './lifecycle.js';

describe('incident lifecycle', () => {
  it('allows exactly the documented transitions', () => {
    const actions: LifecycleAction[] = [{ type: 'acknowledge' }, { type: 'resolve' }, { type: 'reopen', suppressed: false }, { type: 'unsuppress' }, { type: 'close' }];
    const table: Record<string, string[]> = {};
    for (const state of INCIDENT_STATES) {
      table[state] = actions.map((a) => {
        const r = transition(state, a);
        return r.ok ? `${a.type}->${r.state}` : `${a.type}:x`;
      });
    }
    expect(table).toEqual({
      open: ['acknowledge->acknowledged', 'resolve->resolved', 'reopen:x', 'unsuppress:x', 'close:x'],
      acknowledged: ['acknowledge:x', 'resolve->resolved', 'reopen:x', 'unsuppress:x', 'close:x'],
      resolved: ['acknowledge:x', 'resolve:x', 'reopen->open', 'unsuppress:x', 'close->closed'],
      closed: ['acknowledge:x', 'resolve:x', 'reopen:x', 'unsuppress:x', 'close:x'],
      suppressed: ['acknowledge:x', 'resolve->resolved', 'reopen:x', 'unsuppress->open', 'close:x'],
    });
  });

  it('explains refusals and reopens into suppression during maintenance', () => {
    expect(transition('closed', { type: 'acknowledge' })).toEqual({ ok: false, reason: 'cannot acknowledge a closed incident' });
    expect(transition('acknowledged', { type: 'acknowledge' })).toEqual({ ok: false, reason: 'incident is already acknowledged' });
    expect(transition('resolved', { type: 'resolve' })).toEqual({ ok: false, reason: 'incident is already resolved' });
    expect(transition('resolved', { type: 'reopen', suppressed: true })).toEqual({ ok: true, state: 'suppressed' });
  });

  it('reopens within the window and closes after close_after', () => {
    expect([shouldReopen(1000, 3_601_000, 3_600_000), shouldReopen(1000, 3_601_001, 3_600_000), shouldReopen(1000, 1001, 0)]).toEqual([true, false, false]);
    expect([isDueForClose(0, 86_399_999, 86_400_000), isDueForClose(0, 86_400_000, 86_400_000)]).toEqual([false, true]);
  });
});
