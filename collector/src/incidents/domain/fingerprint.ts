import { createHash } from 'node:crypto';
import { seriesKey } from '@vigil/proto';

/**
 * Identity of one alerting condition: the rule plus the labels that identify what it watches.
 * Stable across restarts and versions (sorted labels), so dedupe, reopen and PagerDuty's
 * dedup_key all agree. 128 bits of SHA-256 are plenty for collision-freedom here.
 */
export function fingerprint(rule: string, labels: Readonly<Record<string, string>>): string {
  return createHash('sha256').update(seriesKey(rule, labels)).digest('hex').slice(0, 32);
}
