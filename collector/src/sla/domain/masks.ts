// Per-day minute masks for service hours and maintenance, with a bounded cache: many services
// share the same service hours, and a 30-day window asks for the same day masks every minute.
import { DAY_MS, EMPTY_DAY, FULL_DAY, intervalsToDayMasks, type DayBitmap, type Interval } from './bitmap.js';
import { weeklyIntervals, type WeeklySchedule } from './weekly-schedule.js';
import type { MinuteMasks } from './sla-math.js';

export function scheduleDayMask(schedule: WeeklySchedule, zone: string, day: number): DayBitmap {
  if (schedule.always) return FULL_DAY;
  const intervals = weeklyIntervals(schedule, zone, day * DAY_MS, (day + 1) * DAY_MS);
  return intervalsToDayMasks(intervals, day, day).get(day) ?? EMPTY_DAY;
}

/** Bounded memo of day masks keyed by schedule text and zone. */
export class ScheduleMaskCache {
  private readonly cache = new Map<string, DayBitmap>();
  constructor(private readonly maxEntries = 50_000) {}

  get(schedule: WeeklySchedule, zone: string, day: number): DayBitmap {
    if (schedule.always) return FULL_DAY;
    const key = `${schedule.text}\u0000${zone}\u0000${day}`;
    let mask = this.cache.get(key);
    if (!mask) {
      // Crude but bounded: start over when full (masks are cheap to recompute).
      if (this.cache.size >= this.maxEntries) this.cache.clear();
      mask = scheduleDayMask(schedule, zone, day);
      this.cache.set(key, mask);
    }
    return mask;
  }

  get size(): number {
    return this.cache.size;
  }
}

/** MinuteMasks for one service and one query range: service hours plus expanded maintenance intervals. */
export function minuteMasks(
  hours: (day: number) => DayBitmap,
  maintenance: readonly Interval[],
  dayFrom: number,
  dayTo: number,
): MinuteMasks {
  const maint = maintenance.length > 0 ? intervalsToDayMasks(maintenance, dayFrom, dayTo) : undefined;
  return { hours, maintenance: (day) => maint?.get(day) };
}
