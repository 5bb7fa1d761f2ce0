// Connection options from the TLS config: plaintext (h2c), TLS (optionally with a private CA) or mutual TLS, the
// :authority and keepalive.
import { readFileSync } from 'node:fs';
import { parseHostPort } from '../config/collector-address.js';
import type { TlsConfig } from '../config/config.schema.js';
import type { CollectorEndpoint } from './endpoints.js';
import type { ConnectionOptions } from './grpc-http2/connection.js';

/** Detect a dead connection (half-open TCP) without waiting for kernel timeouts. */
export const KEEPALIVE = { timeMs: 60_000, timeoutMs: 20_000 };

export function connectionOptions(tls: TlsConfig, endpoint: CollectorEndpoint): ConnectionOptions & { authority: string } {
  // Dialing one address the configured name resolved to: the certificate and :authority still name the host;
  // tls.server_name overrides both (e.g. connecting by IP address).
  const authority = tls.enabled && tls.serverName ? tls.serverName : endpoint.configured;
  // Targets are validated HOST:PORT addresses; should one not parse, dialing it fails (UNAVAILABLE) and says so.
  const { host, port } = parseHostPort(endpoint.target) ?? { host: endpoint.target, port: 0 };
  if (!tls.enabled) return { host, port, authority, keepalive: KEEPALIVE };
  const read = (file: string | undefined) => (file ? readFileSync(file) : undefined);
  return {
    host,
    port,
    authority,
    keepalive: KEEPALIVE,
    tls: { ca: read(tls.ca), cert: read(tls.cert), key: read(tls.key), verifyName: tls.serverName || endpoint.host },
  };
}
