// The three notifier kinds. Each renders a NotificationMessage into one HTTP request; sending,
// retries and bookkeeping are the delivery worker's (one place for all of them).
import { createHmac } from 'node:crypto';
import type { NotifierConfig } from './notify.config.js';
import type { NotificationMessage, Notifier, OutgoingRequest, RenderContext } from './notify.types.js';

const USER_AGENT = 'vigil-collector';
const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** `sha256=<hex>` HMAC of the exact body bytes; receivers recompute it with the shared secret. */
export function signBody(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

type Filters = Pick<NotifierConfig, 'severities' | 'services' | 'send_resolved'>;

function passesFilters(config: Filters, message: NotificationMessage): boolean {
  if (config.severities && !config.severities.includes(message.severity as never)) return false;
  if (config.services && (message.service === null || !config.services.includes(message.service))) return false;
  if (message.event === 'resolve' && !config.send_resolved) return false;
  return true;
}

/** The incident as webhook receivers see it (snake_case, ISO times). */
export function incidentPayload(m: NotificationMessage) {
  return {
    id: m.incidentId,
    fingerprint: m.fingerprint,
    state: m.state,
    rule: m.rule,
    severity: m.severity,
    service: m.service,
    title: m.title,
    description: m.description,
    labels: m.labels,
    value: m.value,
    started_at: iso(m.startedMs),
    opened_at: iso(m.openedMs),
    acknowledged_at: iso(m.acknowledgedMs),
    acknowledged_by: m.acknowledgedBy,
    resolved_at: iso(m.resolvedMs),
    url: m.url,
  };
}

/** What every notifier shares: name, timeout and the config's severity/service filters. */
abstract class ConfiguredNotifier<C extends NotifierConfig> {
  readonly name: string;
  readonly timeoutMs: number;
  constructor(protected readonly config: C) {
    this.name = config.name;
    this.timeoutMs = config.timeout;
  }

  /** Refreshes (re-sends of an unchanged incident) only matter to receivers that expire alerts. */
  accepts(message: NotificationMessage): boolean {
    return !message.refresh && passesFilters(this.config, message);
  }
}

export class WebhookNotifier extends ConfiguredNotifier<Extract<NotifierConfig, { type: 'webhook' }>> implements Notifier {
  readonly type = 'webhook';

  render(message: NotificationMessage, context: RenderContext): OutgoingRequest {
    const body = JSON.stringify({
      version: 1,
      event: message.event,
      repeat: message.repeat,
      idempotency_key: context.idempotencyKey,
      incident: incidentPayload(message),
    });
    const headers: Record<string, string> = {
      ...this.config.headers,
      'content-type': 'application/json',
      'user-agent': USER_AGENT,
      'idempotency-key': context.idempotencyKey,
      'x-vigil-event': message.event,
    };
    if (this.config.secret) headers['x-vigil-signature'] = signBody(this.config.secret, body);
    return { url: this.config.url, headers, body };
  }
}

/**
 * Alertmanager API v2. Alertmanager has no acknowledgement; it expires alerts whose endsAt passes,
 * so firing incidents are re-sent every resend_interval with endsAt four intervals ahead (as
 * Prometheus does) and resolved ones carry their resolution time as endsAt.
 */
export class AlertmanagerNotifier extends ConfiguredNotifier<Extract<NotifierConfig, { type: 'alertmanager' }>> implements Notifier {
  readonly type = 'alertmanager';
  readonly resendIntervalMs: number;
  private readonly url: string;
  constructor(config: Extract<NotifierConfig, { type: 'alertmanager' }>) {
    super(config);
    this.resendIntervalMs = config.resend_interval;
    this.url = `${config.url.replace(/\/+$/, '')}/api/v2/alerts`;
  }

  /** Alertmanager expires alerts, so refreshes go out; it has no notion of acknowledgement. */
  override accepts(message: NotificationMessage): boolean {
    return message.event !== 'acknowledge' && passesFilters(this.config, message);
  }

  render(message: NotificationMessage, context: RenderContext): OutgoingRequest {
    const labels: Record<string, string> = { ...message.labels, alertname: message.rule, severity: message.severity };
    if (message.service) labels.service = message.service;
    const endsMs = message.event === 'resolve' ? (message.resolvedMs ?? context.nowMs) : context.nowMs + 4 * this.resendIntervalMs;
    const alert = {
      labels,
      annotations: {
        summary: message.title,
        ...(message.description ? { description: message.description } : {}),
        vigil_incident_id: String(message.incidentId),
      },
      startsAt: new Date(message.startedMs).toISOString(),
      endsAt: new Date(endsMs).toISOString(),
      generatorURL: message.url,
    };
    return {
      url: this.url,
      headers: { ...this.config.headers, 'content-type': 'application/json', 'user-agent': USER_AGENT, 'idempotency-key': context.idempotencyKey },
      body: JSON.stringify([alert]),
    };
  }
}

const PD_ACTION = { trigger: 'trigger', acknowledge: 'acknowledge', resolve: 'resolve' } as const;

/** PagerDuty Events API v2; dedup_key is the fingerprint, so PagerDuty dedupes like Vigil does. */
export class PagerDutyNotifier extends ConfiguredNotifier<Extract<NotifierConfig, { type: 'pagerduty' }>> implements Notifier {
  readonly type = 'pagerduty';

  render(message: NotificationMessage, context: RenderContext): OutgoingRequest {
    const event: Record<string, unknown> = {
      routing_key: this.config.routing_key,
      event_action: PD_ACTION[message.event],
      dedup_key: message.fingerprint,
    };
    if (message.event === 'trigger') {
      event.client = this.config.client;
      event.client_url = message.url;
      event.payload = {
        summary: message.title.slice(0, 1024),
        source: message.labels.host ?? message.service ?? 'vigil',
        severity: message.severity,
        timestamp: new Date(message.startedMs).toISOString(),
        ...(message.labels.instance ? { component: message.labels.instance } : {}),
        ...(message.service ? { group: message.service } : {}),
        class: message.rule,
        custom_details: { description: message.description, value: message.value, labels: message.labels, incident_id: message.incidentId },
      };
      event.links = [{ href: message.url, text: `Vigil incident #${message.incidentId}` }];
    }
    return {
      url: this.config.url,
      headers: { 'content-type': 'application/json', 'user-agent': USER_AGENT, 'idempotency-key': context.idempotencyKey },
      body: JSON.stringify(event),
    };
  }
}

export function createNotifier(config: NotifierConfig): Notifier {
  switch (config.type) {
    case 'webhook':
      return new WebhookNotifier(config);
    case 'alertmanager':
      return new AlertmanagerNotifier(config);
    case 'pagerduty':
      return new PagerDutyNotifier(config);
  }
}
