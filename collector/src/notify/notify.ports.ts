// What notify offers other features: a durable queue of incident notifications. The incidents
// module injects NOTIFICATION_QUEUE; nothing outside notify/ touches the outbox table.
import type { Transaction } from '../database/database.js';
import type { DeliveryOutcome } from './delivery-worker.js';
import type { NotificationMessage } from './notify.types.js';

export interface NotificationQueue {
  /**
   * Queues `message` for every notifier that accepts it (only those named in `only`, when given),
   * due at `dueMs`, inside `tx`, the transaction that changed the incident; call wake() after it
   * commits. `keyBase` makes the idempotency keys. Returns the notifiers queued for.
   */
  queue(tx: Transaction, message: NotificationMessage, keyBase: string, dueMs: number, only?: readonly string[]): Promise<string[]>;
  /**
   * Before a resolve of `incidentId`: entries not yet attempted are pointless now (superseded).
   * Returns the notifiers that got (or may have got) the trigger; only they hear of the resolution.
   */
  prepareResolve(tx: Transaction, incidentId: number, nowMs: number): Promise<string[]>;
  /** Notifiers that expire alerts (Alertmanager): firing incidents are re-sent this often. */
  refreshingNotifiers(): Array<{ name: string; intervalMs: number }>;
  /** Looks for due work now (after the transaction that queued entries has committed). */
  wake(): void;
  /** Every finished or retried delivery attempt. */
  onOutcome(listener: (outcome: DeliveryOutcome) => void): () => void;
}

export const NOTIFICATION_QUEUE = Symbol('NotificationQueue');
/** The validated NotifyConfig (notifiers and delivery settings). */
export const NOTIFY_CONFIG = Symbol('NotifyConfig');
