// Opening one IngestService stream to one collector endpoint, on a channel of its own, and waiting for its
// write buffer to drain.
import { Metadata, makeGenericClientConstructor, type Client, type ClientDuplexStream } from '@grpc/grpc-js';
import { IngestService, type vigil } from '@vigil/proto';
import type { TlsConfig } from '../config/config.schema.js';
import { AGENT_VERSION } from '../version.js';
import { channelCredentials, channelOptions } from './credentials.js';
import type { CollectorEndpoint } from './endpoints.js';

const IngestClient = makeGenericClientConstructor(IngestService, 'Ingest');
export type IngestStream = ClientDuplexStream<vigil.v1.AgentMessage.$Properties, vigil.v1.CollectorMessage>;
type IngestClientInstance = Client & { stream(metadata: Metadata): IngestStream };

/** A fresh channel and its stream; the caller closes the client when done with it. */
export function openIngestStream(endpoint: CollectorEndpoint, tls: TlsConfig, token: string): { client: Client; call: IngestStream } {
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${token}`);
  const client = new IngestClient(
    endpoint.target,
    channelCredentials(tls),
    channelOptions(tls, `vigil-agent/${AGENT_VERSION}`, endpoint),
  ) as unknown as IngestClientInstance;
  return { client, call: client.stream(metadata) };
}

export function waitForDrain(call: IngestStream): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      call.off('drain', done);
      call.off('close', done);
      resolve();
    };
    call.once('drain', done);
    call.once('close', done);
  });
}
