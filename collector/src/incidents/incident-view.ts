// The one mapping of a stored incident row: to the API's view and to a notification message.
import type { NotificationMessage, NotifyEvent } from '../notify/notify.types.js';
import type { IncidentRow } from './incidents.repository.js';

/** An incident as the API shows it: the row's plain fields, labels decoded, times as ISO 8601. */
export interface IncidentView
  extends Pick<
    IncidentRow,
    'id' | 'fingerprint' | 'rule' | 'severity' | 'service' | 'title' | 'description' | 'state' | 'value' | 'acknowledged_by' | 'resolved_by' | 'reopen_count' | 'suppressed_by' | 'change_id' | 'problem_id'
  > {
  labels: Record<string, string>;
  flapping: boolean;
  started_at: string;
  opened_at: string;
  acknowledged_at: string | null;
  resolved_at: string | null;
  closed_at: string | null;
  url: string;
}

export interface TimelineEntry {
  at: string;
  type: string;
  actor: string | null;
  detail: string | null;
}

export const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** Turns rows into views and messages; `externalUrl` is the collector's base URL for links. */
export class IncidentMapper {
  private readonly baseUrl: string;

  constructor(externalUrl: string) {
    this.baseUrl = externalUrl.replace(/\/+$/, '');
  }

  /** What API clients and notification receivers both see of an incident. */
  private described(row: IncidentRow) {
    return {
      fingerprint: row.fingerprint,
      rule: row.rule,
      severity: row.severity,
      service: row.service,
      title: row.title,
      description: row.description,
      labels: JSON.parse(row.labels) as Record<string, string>,
      state: row.state,
      value: row.value,
    };
  }

  /** The incident in the API (what API clients follow). */
  url(id: number): string {
    return `${this.baseUrl}/api/incidents/${id}`;
  }

  /** The console's incident page: where a person opening a notification's link lands. */
  pageUrl(id: number): string {
    return `${this.baseUrl}/incidents/${id}`;
  }

  view(row: IncidentRow): IncidentView {
    return {
      id: row.id,
      ...this.described(row),
      flapping: row.flapping === 1,
      started_at: iso(row.started_ms)!,
      opened_at: iso(row.opened_ms)!,
      acknowledged_at: iso(row.acknowledged_ms),
      acknowledged_by: row.acknowledged_by,
      resolved_at: iso(row.resolved_ms),
      resolved_by: row.resolved_by,
      closed_at: iso(row.closed_ms),
      reopen_count: row.reopen_count,
      suppressed_by: row.suppressed_by,
      change_id: row.change_id,
      problem_id: row.problem_id,
      url: this.url(row.id),
    };
  }

  /** A snapshot for the outbox, taken in the transaction that changed the incident. */
  message(row: IncidentRow, event: NotifyEvent, repeat: boolean, refresh: boolean): NotificationMessage {
    return {
      incidentId: row.id,
      event,
      repeat,
      refresh,
      ...this.described(row),
      startedMs: row.started_ms,
      openedMs: row.opened_ms,
      acknowledgedMs: row.acknowledged_ms,
      acknowledgedBy: row.acknowledged_by,
      resolvedMs: row.resolved_ms,
      url: this.pageUrl(row.id),
    };
  }
}
