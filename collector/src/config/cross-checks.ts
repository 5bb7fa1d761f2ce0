import type { CollectorConfig } from './config.schema.js';
import { validateStorageConfig } from '../database/database.config.js';
import { validateSlaConfig } from '../sla/sla.config.js';
import { validateRetentionConfig } from '../rollups/rollups.config.js';
import { validateCapacityConfig } from '../capacity/capacity.config.js';
import { validateIncidentsConfig } from '../incidents/incidents.config.js';
import { validateRemoteWriteConfig } from '../remote-write/remote-write.config.js';

/**
 * Checks that span keys or sections (a maintenance window names an existing service, …). Each feature
 * offers its own `validate<Feature>Config` over its own sections; each returns "key.path: message" lines.
 */
export function crossChecks(config: CollectorConfig): string[] {
  const problems: string[] = [];
  if (config.tls && !config.tls.cert) problems.push('tls.cert: required when tls is set');
  if (config.auth.require_per_agent_tokens) {
    if (config.auth.agent_tokens.length > 0) problems.push('auth.agent_tokens: must be empty when auth.require_per_agent_tokens is true (give each agent its own token in auth.agent_token_map)');
    if (Object.keys(config.auth.agent_token_map).length === 0) problems.push('auth.agent_token_map: needs at least one agent when auth.require_per_agent_tokens is true');
  }
  problems.push(...validateStorageConfig(config.storage));
  problems.push(...validateSlaConfig(config));
  problems.push(...validateRetentionConfig(config.retention));
  problems.push(...validateCapacityConfig(config));
  problems.push(...validateIncidentsConfig(config));
  problems.push(...validateRemoteWriteConfig(config.remote_write));
  return problems;
}
