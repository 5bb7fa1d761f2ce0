// A service's state right now, judged from its most recent minutes. Plain function over plain data
// so the thresholds can be checked by hand.

export const SERVICE_STATES = ['up', 'degraded', 'down', 'no_data', 'maintenance'] as const;
export type ServiceState = (typeof SERVICE_STATES)[number];

export type MinuteVerdict = 'good' | 'bad' | 'unknown';

/** Without a judged minute among this many (the current one included) a service has no data. */
export const NO_DATA_AFTER_MINUTES = 5;
/** A bad minute this recent makes an otherwise good service degraded. */
export const DEGRADED_FOR_MINUTES = 15;

export interface StateInput {
  /** The current minute (minutes since the epoch). */
  nowMinute: number;
  verdict(minute: number): MinuteVerdict;
  inMaintenance: boolean;
  /** Some burn-rate alert of the service is firing. */
  burning: boolean;
}

/**
 * maintenance while a planned window is open; no_data when nothing was judged lately; down when the
 * latest judged minute is bad; degraded when a recent minute was bad or the error budget burns;
 * up otherwise. The minute in progress counts as soon as a result arrives, so a failure shows at once.
 */
export function serviceState(input: StateInput): ServiceState {
  if (input.inMaintenance) return 'maintenance';
  let latest: MinuteVerdict | undefined;
  for (let m = input.nowMinute; m > input.nowMinute - NO_DATA_AFTER_MINUTES; m--) {
    const v = input.verdict(m);
    if (v !== 'unknown') {
      latest = v;
      break;
    }
  }
  if (latest === undefined) return 'no_data';
  if (latest === 'bad') return 'down';
  if (input.burning) return 'degraded';
  for (let m = input.nowMinute; m > input.nowMinute - DEGRADED_FOR_MINUTES; m--) if (input.verdict(m) === 'bad') return 'degraded';
  return 'up';
}
