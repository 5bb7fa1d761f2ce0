// Synthetic SLA minute histories for specs: runs of good or bad minutes, every other minute unknown.
import { DAY_MINUTES, emptyDay, fillRange } from '../../src/sla/domain/bitmap.js';
import type { DayStatus } from '../../src/sla/domain/sla-math.js';

/** Builds day statuses from [fromMinute, toMinute, state] runs (absolute minutes since the epoch). */
export function minuteHistory(runs: [number, number, 'good' | 'bad'][]): Map<number, DayStatus> {
  const days = new Map<number, DayStatus>();
  for (const [from, to, state] of runs) {
    for (let m = from; m < to; ) {
      const day = Math.floor(m / DAY_MINUTES);
      let s = days.get(day);
      if (!s) days.set(day, (s = { good: emptyDay(), bad: emptyDay() }));
      const end = Math.min(to, (day + 1) * DAY_MINUTES);
      fillRange(state === 'good' ? s.good : s.bad, m - day * DAY_MINUTES, end - day * DAY_MINUTES);
      m = end;
    }
  }
  return days;
}
