// The `notifiers` section of collector.yaml and the delivery settings (kept, for compatibility,
// under `incidents.delivery`). Validated once at start; NotifyModule receives the typed result.
import { z } from 'zod';
import { duration, httpUrl, NAME_RE } from '../common/config-values.js';
import { SEVERITIES } from '../common/severity.js';

const notifierCommon = {
  name: z.string().regex(NAME_RE, 'invalid notifier name (letters, digits, _ . : -)'),
  /** Only incidents of these severities (all when omitted). */
  severities: z.array(z.enum(SEVERITIES)).optional(),
  /** Only incidents of these services (all when omitted). */
  services: z.array(z.string()).optional(),
  /** Per-attempt timeout. */
  timeout: duration.default(5_000),
  send_resolved: z.boolean().default(true),
};

export const webhookNotifierSchema = z.strictObject({
  ...notifierCommon,
  type: z.literal('webhook'),
  url: httpUrl,
  /** HMAC-SHA256 key for X-Vigil-Signature; unsigned when omitted. */
  secret: z.string().min(1).optional(),
  headers: z.record(z.string(), z.string()).default({}),
});
export const alertmanagerNotifierSchema = z.strictObject({
  ...notifierCommon,
  type: z.literal('alertmanager'),
  /** Base URL of Alertmanager; alerts go to <url>/api/v2/alerts. */
  url: httpUrl,
  /** Firing alerts are re-sent this often so Alertmanager does not time them out. */
  resend_interval: duration.default(60_000),
  headers: z.record(z.string(), z.string()).default({}),
});
export const pagerdutyNotifierSchema = z.strictObject({
  ...notifierCommon,
  type: z.literal('pagerduty'),
  routing_key: z.string().min(1),
  url: httpUrl.default('https://events.pagerduty.com/v2/enqueue'),
  /** Shown as the source of PagerDuty events. */
  client: z.string().default('Vigil'),
});
const notifierSchema = z.discriminatedUnion('type', [webhookNotifierSchema, alertmanagerNotifierSchema, pagerdutyNotifierSchema], {
  error: (issue) => (issue.code === 'invalid_union' ? 'unknown notifier type (use webhook, alertmanager or pagerduty)' : undefined),
});
export type NotifierConfig = z.infer<typeof notifierSchema>;

export const notifiersSchema = z
  .array(notifierSchema)
  .default([])
  .superRefine((list, ctx) => {
    const seen = new Set<string>();
    list.forEach((n, i) => {
      if (seen.has(n.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `duplicate notifier name "${n.name}"` });
      seen.add(n.name);
    });
  });

export const deliverySettingsSchema = z
  .strictObject({
    concurrency: z.number().int().min(1).max(64).default(4),
    max_attempts: z.number().int().min(1).default(12),
    backoff_initial: duration.default(1_000),
    backoff_max: duration.default(5 * 60_000),
    /** Delivered and failed outbox rows are deleted after this time. */
    retention: duration.default(7 * 86_400_000),
  })
  .prefault({});
export type DeliveryConfig = z.infer<typeof deliverySettingsSchema>;

/** Everything NotifyModule is configured with. */
export interface NotifyConfig {
  notifiers: readonly NotifierConfig[];
  delivery: DeliveryConfig;
}

/** NotifyConfig from the validated collector config (typed structurally: config/ imports features, not the reverse). */
export function notifyConfigOf(config: { notifiers: readonly NotifierConfig[]; incidents: { delivery: DeliveryConfig } }): NotifyConfig {
  return { notifiers: config.notifiers, delivery: config.incidents.delivery };
}
