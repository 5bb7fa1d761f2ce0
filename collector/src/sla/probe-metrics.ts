// The probe series the SLA engine reads (written by agents' probes) and the limits it keeps to.
import { DAY_MS, MINUTE_MS } from './domain/bitmap.js';

export const PROBE_SUCCESS = 'vigil_probe_success';
export const PROBE_DURATION = 'vigil_probe_duration_seconds';
/** Raw samples are kept at least this long (storage contract); older minutes cannot be rebuilt. */
export const RAW_RETENTION_MS = 7 * DAY_MS;
/** A probe silent for longer than this is reported as a problem. */
export const STALE_PROBE_MS = 10 * MINUTE_MS;

/** Whether a series of `agent` on `host` counts for a service (its optional agent and host lists). */
export function countsFor(svc: { agents?: ReadonlySet<string> | undefined; hosts?: ReadonlySet<string> | undefined }, agent: string, host: string): boolean {
  return (!svc.agents || svc.agents.has(agent)) && (!svc.hosts || svc.hosts.has(host));
}
