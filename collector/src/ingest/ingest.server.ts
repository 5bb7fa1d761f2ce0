import { readFileSync } from 'node:fs';
import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Server, ServerCredentials, type ServerDuplexStream } from '@grpc/grpc-js';
import { IngestService as IngestServiceDefinition, type vigil } from '@vigil/proto';
import { CONFIG } from '../common/tokens.js';
import type { CollectorConfig } from '../config/config.schema.js';
import { IngestService } from './ingest.service.js';

function credentialsFor(config: CollectorConfig): ServerCredentials {
  const tls = config.tls;
  if (!tls) return ServerCredentials.createInsecure();
  const rootCerts = tls.client_ca ? readFileSync(tls.client_ca) : null;
  // With a client CA, agents must present a certificate signed by it (mutual TLS).
  return ServerCredentials.createSsl(rootCerts, [{ cert_chain: readFileSync(tls.cert), private_key: readFileSync(tls.key) }], Boolean(tls.client_ca));
}

/** Splits "host:port" and "[v6]:port". */
export function splitHostPort(address: string): { host: string; port: number } {
  const i = address.lastIndexOf(':');
  return { host: address.slice(0, i).replace(/^\[(.*)\]$/, '$1'), port: Number(address.slice(i + 1)) };
}

/**
 * The ingest service as the collector serves it: requests reach IngestService as bytes, which it decodes itself
 * (full-series batches against the stream's memo, wire-batch.ts) and refuses as grpc-js did when they do not decode.
 */
const SERVED_INGEST = { stream: { ...IngestServiceDefinition.stream, requestDeserialize: (bytes: Buffer) => bytes } };

/** The gRPC listener agents stream to. */
@Injectable()
export class IngestServer implements OnApplicationShutdown {
  private readonly log = new Logger('grpc');
  private server: Server | undefined;
  private stopped = false;

  constructor(@Inject(CONFIG) private readonly config: CollectorConfig, private readonly ingest: IngestService) {}

  /** Binds and starts; resolves to the bound HOST:PORT (the real port when 0 was asked). */
  async start(): Promise<string> {
    const maxBytes = this.config.ingest.max_message_bytes;
    const server = new Server({
      'grpc.max_receive_message_length': maxBytes,
      'grpc.max_send_message_length': 1024 * 1024,
      'grpc.keepalive_time_ms': 60_000,
      'grpc.keepalive_timeout_ms': 20_000,
      'grpc.keepalive_permit_without_calls': 1,
      'grpc.http2.min_ping_interval_without_data_ms': 10_000,
    });
    server.addService(SERVED_INGEST, {
      stream: (call: ServerDuplexStream<Buffer, vigil.v1.CollectorMessage>) => this.ingest.handle(call),
    });
    const { host, port } = splitHostPort(this.config.listen.grpc);
    const bindHost = host.includes(':') ? `[${host}]` : host;
    const boundPort = await new Promise<number>((resolve, reject) =>
      server.bindAsync(`${bindHost}:${port}`, credentialsFor(this.config), (error, p) => (error ? reject(error) : resolve(p))),
    );
    this.server = server;
    const address = `${bindHost}:${boundPort}`;
    this.log.log(`listening on ${address}${this.config.tls ? (this.config.tls.client_ca ? ' (mutual TLS)' : ' (TLS)') : ''}`);
    return address;
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.stopped || !this.server) return;
    this.stopped = true;
    const server = this.server;
    this.ingest.closeAll();
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => {
        server.forceShutdown();
        resolve();
      }, 2000);
      force.unref();
      server.tryShutdown(() => {
        clearTimeout(force);
        resolve();
      });
    });
  }
}
