import { describe, expect, it } from 'vitest';
import { checkStable, recordChange, type FlapState } from './flap.js';

const settings = { windowMs: 600_000, threshold: 4, stableForMs: 300_000 };

describe('flap detection', () => {
  it('starts flapping at the threshold within the window, bounded history', () => {
    let state: FlapState = { changes: [], flapping: false };
    const events: unknown[] = [];
    for (const t of [0, 100_000, 200_000, 300_000, 400_000]) {
      const r = recordChange(state, t, settings);
      state = r.state;
      events.push(r.event);
    }
    expect(events).toEqual([undefined, undefined, undefined, 'started', undefined]);
    expect(state.changes).toEqual([100_000, 200_000, 300_000, 400_000]);
  });

  it('does not flap when changes are spread beyond the window', () => {
    let state: FlapState = { changes: [], flapping: false };
    for (const t of [0, 250_000, 500_000, 750_000, 1_000_000]) state = recordChange(state, t, settings).state;
    expect(state.flapping).toBe(false);
    expect(state.changes).toEqual([500_000, 750_000, 1_000_000]);
  });

  it('stops flapping after a stable period, not before', () => {
    const state: FlapState = { changes: [1, 2, 3, 1000], flapping: true };
    expect(checkStable(state, 300_999, settings).event).toBeUndefined();
    expect(checkStable(state, 301_000, settings)).toEqual({ state: { changes: [1, 2, 3, 1000], flapping: false }, event: 'stopped' });
  });

  it('threshold 0 disables flap detection', () => {
    let state: FlapState = { changes: [], flapping: false };
    for (let t = 0; t < 20; t++) state = recordChange(state, t, { ...settings, threshold: 0 }).state;
    expect(state.flapping).toBe(false);
  });
});
