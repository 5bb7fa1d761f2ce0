/** What happened to the subject, as receivers understand it. */
export type NotifyEvent = 'trigger' | 'acknowledge' | 'resolve';

/**
 * What a notifier is told about an incident: a snapshot taken in the transaction that changed the
 * incident, stored in the outbox, rendered per notifier at delivery time.
 */
export interface NotificationMessage {
  incidentId: number;
  fingerprint: string;
  event: NotifyEvent;
  /** A repeat (repeat_interval) of an earlier trigger. */
  repeat: boolean;
  /** A keep-alive re-send for receivers that expire alerts (Alertmanager), not a notification. */
  refresh: boolean;
  /** The incident's state when the message was queued (open, acknowledged, resolved, ...). */
  state: string;
  rule: string;
  severity: string;
  service: string | null;
  title: string;
  description: string;
  labels: Record<string, string>;
  value: number | null;
  startedMs: number;
  openedMs: number;
  acknowledgedMs: number | null;
  acknowledgedBy: string | null;
  resolvedMs: number | null;
  /** Link to the incident in Vigil's API. */
  url: string;
}

/** An HTTP request ready to send; the body is exact bytes (signatures are computed over it). */
export interface OutgoingRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

export interface RenderContext {
  nowMs: number;
  /** Stable across retries and restarts of one outbox entry; receivers use it to drop duplicates. */
  idempotencyKey: string;
}

export interface Notifier {
  readonly name: string;
  readonly type: 'webhook' | 'alertmanager' | 'pagerduty';
  readonly timeoutMs: number;
  /** Whether this notifier wants the message at all (filters, event support). */
  accepts(message: NotificationMessage): boolean;
  render(message: NotificationMessage, context: RenderContext): OutgoingRequest;
}

/** Outcome of one delivery attempt, classified once (see http-sender.ts). */
export type DeliveryResult =
  | { status: 'success'; httpStatus: number }
  | { status: 'retryable'; error: string; retryAfterMs?: number }
  | { status: 'failure'; error: string };
