// Channel credentials and options from the TLS config: plaintext, TLS (optionally with a private CA) or mutual TLS.
import { readFileSync } from 'node:fs';
import { credentials, type ChannelCredentials, type ChannelOptions } from '@grpc/grpc-js';
import type { TlsConfig } from '../config/config.schema.js';
import type { CollectorEndpoint } from './endpoints.js';

export function channelCredentials(tls: TlsConfig): ChannelCredentials {
  if (!tls.enabled) return credentials.createInsecure();
  const read = (file: string | undefined) => (file ? readFileSync(file) : null);
  return credentials.createSsl(read(tls.ca), read(tls.key), read(tls.cert));
}

export function channelOptions(tls: TlsConfig, userAgent: string, endpoint: CollectorEndpoint): ChannelOptions {
  const options: ChannelOptions = {
    'grpc.primary_user_agent': userAgent,
    // Detect a dead connection (half-open TCP) without waiting for kernel timeouts.
    'grpc.keepalive_time_ms': 60_000,
    'grpc.keepalive_timeout_ms': 20_000,
    // Reconnects are paced by the sender's own backoff alone: it opens a fresh channel per attempt, and a channel of
    // its own (not one from grpc-js's global pool) so no subchannel still in a reconnect backoff is reused.
    'grpc.use_local_subchannel_pool': 1,
  };
  if (tls.enabled && tls.serverName) {
    // Verify the certificate against this name instead of the host in the address (e.g. connecting by IP).
    options['grpc.ssl_target_name_override'] = tls.serverName;
    options['grpc.default_authority'] = tls.serverName;
  } else if (endpoint.target !== endpoint.configured) {
    // Dialing one address the configured name resolved to: the certificate and :authority still name the host.
    if (tls.enabled) options['grpc.ssl_target_name_override'] = endpoint.host;
    options['grpc.default_authority'] = endpoint.configured;
  }
  return options;
}
