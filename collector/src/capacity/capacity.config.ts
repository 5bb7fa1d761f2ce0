// The `capacity` section of collector.yaml (`retention` belongs to rollups, see rollups.config.ts).
//
//   capacity:
//     interval: 10m       # forecasts are recomputed this often (and on demand)
//     horizon: 90d
//     thresholds: { filesystem: 0.9, memory: 0.95, cpu: 0.85 }
//     network_bytes_per_second: 125000000   # link capacity; without it network is not forecast
//     series:             # any other series, forecast against its own threshold
//       - { name: queue-depth, metric: app_queue_depth, labels: { job: billing }, threshold: 10000 }
import { z } from 'zod';
import { formatDays as days, positiveDuration } from '../common/config-values.js';
import type { RetentionConfig } from '../rollups/rollups.config.js';

const DAY_MS = 86_400_000;

const duration = positiveDuration('10m, 7d');

const ratio = z.number().gt(0, 'must be greater than 0').max(1, 'must be at most 1 (a ratio, e.g. 0.9 for 90 %)');

export const RESOURCES = ['filesystem', 'memory', 'swap', 'cpu', 'network_rx', 'network_tx'] as const;
export type Resource = (typeof RESOURCES)[number];

const labelMap = z.record(z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'label names are [a-zA-Z_][a-zA-Z0-9_]*'), z.string());

export const capacitySchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    /** How often forecasts are recomputed. */
    interval: duration.default(10 * 60_000),
    /** Worker threads that run the models; default: up to 2 of the available cores; 0: the main thread. */
    workers: z.number().int('must be a whole number').min(0, 'must be at least 0').max(64, 'must be at most 64').optional(),
    horizon: duration.refine((ms) => ms <= 3 * 365 * DAY_MS, 'must be at most 3 years').default(90 * DAY_MS),
    /** Hourly history fed to the forecasters. */
    history: duration.default(35 * DAY_MS),
    /** Least history before a forecast is made ("insufficient data" before). */
    min_history: duration.default(3 * DAY_MS),
    /** Most recent history held out to choose the model. */
    holdout: duration.default(7 * DAY_MS),
    confidence: z.number().gt(0.5, 'must be greater than 0.5').lt(1, 'must be less than 1').default(0.95),
    thresholds: z
      .strictObject({
        filesystem: ratio.default(0.9),
        memory: ratio.default(0.95),
        swap: ratio.default(0.8),
        /** Sustained (hourly average) CPU at the daily peak. */
        cpu: ratio.default(0.85),
        network: ratio.default(0.8),
      })
      .prefault({}),
    /** Link capacity of every host, bytes per second per direction; network is not forecast without it. */
    network_bytes_per_second: z.number().positive().optional(),
    /** Per-host override of network_bytes_per_second. */
    network_bytes_per_second_by_host: z.record(z.string(), z.number().positive()).default({}),
    /** Interfaces left out of a host's throughput (exact names or prefixes ending in *). */
    network_exclude_interfaces: z.array(z.string().min(1)).default(['lo', 'docker*', 'veth*', 'br-*', 'virbr*', 'cni*', 'flannel*']),
    /** Filesystem types not forecast (their usage is not capacity). */
    exclude_fstypes: z.array(z.string()).default(['tmpfs', 'devtmpfs', 'overlay', 'squashfs', 'iso9660', 'ramfs']),
    /** Any other series to forecast against a threshold in its own unit. */
    series: z
      .array(
        z.strictObject({
          name: z.string().regex(/^[a-zA-Z0-9_.:-]{1,64}$/, 'use 1-64 letters, digits, _ . : -'),
          metric: z.string().min(1),
          labels: labelMap.default({}),
          threshold: z.number().refine(Number.isFinite, 'must be a finite number'),
        }),
      )
      .default([]),
  })
  .prefault({});

export type CapacityConfig = z.infer<typeof capacitySchema>;

/** Injection token of the validated `CapacityConfig` (bound once, in config/feature-settings.ts). */
export const CAPACITY_SETTINGS = Symbol('CapacitySettings');

/** Checks across keys (and against the retention the forecasts read from); "key.path: message" lines. */
export function validateCapacityConfig(config: { capacity: CapacityConfig; retention: RetentionConfig }): string[] {
  const problems: string[] = [];
  const { capacity, retention } = config;
  // capacity.history beyond retention.1h is no error (forecasts use what is kept), but a minimum that
  // retention never keeps would mean "insufficient data" for ever.
  if (capacity.min_history > retention['1h']) problems.push(`capacity.min_history: must not exceed retention.1h (${days(retention['1h'])}), got ${days(capacity.min_history)}`);
  if (capacity.min_history > capacity.history) problems.push(`capacity.min_history: must not exceed capacity.history (${days(capacity.history)}), got ${days(capacity.min_history)}`);
  if (capacity.holdout * 2 > capacity.history) problems.push(`capacity.holdout: must be at most half of capacity.history (${days(capacity.history)}), got ${days(capacity.holdout)}`);
  if (capacity.horizon < 3_600_000) problems.push(`capacity.horizon: must be at least 1h, got ${capacity.horizon} ms`);
  const names = new Set<string>();
  capacity.series.forEach((s, i) => {
    if (names.has(s.name)) problems.push(`capacity.series[${i}].name: duplicate name ${JSON.stringify(s.name)}`);
    names.add(s.name);
  });
  return problems;
}
