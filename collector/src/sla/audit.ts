import { createHash } from 'node:crypto';
import { bearerToken } from '../auth/token-verifier.js';

/** One row of the SLA audit trail (sla_audit): who changed which service or window, when and why. */
export interface AuditEntry {
  seq: number;
  entity: 'service' | 'maintenance';
  entity_id: string;
  action: 'create' | 'update' | 'delete';
  actor: string | null;
  token: string | null;
  at_ms: number;
  reason: string | null;
  retroactive: number;
  definition: string | null;
}

/** Who made an API change: the caller's stated name and a fingerprint of the API token used. */
export interface Actor {
  createdBy?: string;
  /** "sha256:" + first 12 hex digits of the token's hash; never the token itself. */
  token?: string;
}

export function actorFrom(authorization: string | undefined, createdBy: string | undefined): Actor {
  const token = bearerToken(authorization);
  const actor: Actor = {};
  if (createdBy) actor.createdBy = createdBy;
  if (token) actor.token = `sha256:${createHash('sha256').update(token, 'utf8').digest('hex').slice(0, 12)}`;
  return actor;
}

/** The audit "who": the stated name, else the token fingerprint. */
export function actorName(actor: Actor): string | null {
  return actor.createdBy ?? actor.token ?? null;
}

/** What an API change records in the audit trail (the repository adds id, time and definition). */
export type AuditRecord = Omit<AuditEntry, 'seq' | 'entity_id' | 'at_ms' | 'definition'>;

export function auditRecord(
  entity: AuditEntry['entity'],
  action: AuditEntry['action'],
  actor: Actor,
  change: { reason?: string | undefined; retroactive?: boolean } = {},
): AuditRecord {
  return { entity, action, actor: actorName(actor), token: actor.token ?? null, reason: change.reason ?? null, retroactive: change.retroactive ? 1 : 0 };
}
