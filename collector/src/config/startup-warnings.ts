import { isIP } from 'node:net';
import type { CollectorConfig } from './config.schema.js';

function hostOf(address: string): string {
  return address.slice(0, address.lastIndexOf(':')).replace(/^\[(.*)\]$/, '$1');
}

/** Whether only this machine can reach `HOST:PORT` (127.0.0.0/8, ::1, localhost). */
export function isLoopbackAddress(address: string): boolean {
  const host = hostOf(address).toLowerCase();
  if (host === 'localhost' || host === '::1') return true;
  return isIP(host) === 4 && host.startsWith('127.');
}

/**
 * Settings that leave the collector unusable or open to anyone who can reach it. Each is one
 * sentence that says what happens and which key changes it; the collector logs them at start.
 */
export function startupWarnings(config: Pick<CollectorConfig, 'auth' | 'listen'>): string[] {
  const { auth, listen } = config;
  const warnings: string[] = [];
  if (auth.agent_tokens.length === 0 && Object.keys(auth.agent_token_map).length === 0) {
    warnings.push(`no agent tokens are configured: every agent stream to ${listen.grpc} will be refused as unauthenticated (set auth.agent_tokens or auth.agent_token_map, or pass --agent-token)`);
  }
  if (auth.api_tokens.length === 0) {
    warnings.push(`no API tokens are configured: every write to the API and the live feed will answer 401${auth.protect_reads ? ', and so will every read (auth.protect_reads is on)' : ''} (set auth.api_tokens or pass --api-token)`);
  }
  if (!auth.protect_reads && !isLoopbackAddress(listen.http)) {
    warnings.push(`reads are open on ${listen.http}, which is not a loopback address: anyone who reaches it can read fleet, SLA and incident data (set auth.protect_reads: true)`);
  }
  return warnings;
}
