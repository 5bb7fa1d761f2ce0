// The `retention` section of collector.yaml: how long raw samples and each rollup tier are kept.
//
//   retention:            # enforced every `interval`
//     raw: 7d
//     1m: 35d
//     1h: 400d
import { z } from 'zod';
import { formatDays as days, positiveDuration } from '../common/config-values.js';

const DAY_MS = 86_400_000;
const duration = positiveDuration('10m, 7d');

export const retentionSchema = z
  .strictObject({
    raw: duration.default(7 * DAY_MS),
    '1m': duration.default(35 * DAY_MS),
    '1h': duration.default(400 * DAY_MS),
    /** How often expired samples and buckets are deleted. */
    interval: duration.default(10 * 60_000),
  })
  .prefault({});

export type RetentionConfig = z.infer<typeof retentionSchema>;

/** Injection token of the validated `RetentionConfig` (bound once, in config/feature-settings.ts). */
export const RETENTION_SETTINGS = Symbol('RetentionSettings');

/** Each tier must keep at least what the finer one does; "key.path: message" lines. */
export function validateRetentionConfig(retention: RetentionConfig): string[] {
  const problems: string[] = [];
  if (retention['1m'] < retention.raw) problems.push(`retention.1m: must be at least retention.raw (${days(retention.raw)}), got ${days(retention['1m'])}`);
  if (retention['1h'] < retention['1m']) problems.push(`retention.1h: must be at least retention.1m (${days(retention['1m'])}), got ${days(retention['1h'])}`);
  if (retention.raw < 2 * 3_600_000) problems.push(`retention.raw: must be at least 2h (rollups are rebuilt from the last hours of raw samples), got ${days(retention.raw)}`);
  return problems;
}
