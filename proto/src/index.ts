import type { ServiceDefinition, MethodDefinition } from '@grpc/grpc-js';
import protobuf from 'protobufjs/minimal.js';
import { vigil } from './generated/telemetry.js';
import { INGEST_STREAM_PATH } from './contract.js';

// 64-bit fields (sequence numbers, ms timestamps) decode as plain numbers, exact below 2^53.
protobuf.util.Long = undefined as unknown as typeof protobuf.util.Long;
protobuf.configure();

export { vigil };
/** What the collector's HTTP receivers decode: Prometheus remote-write 1.0 and OTLP metrics (receivers/*.proto). */
export { prometheus, opentelemetry } from './generated/receivers.js';
export const MetricType = vigil.v1.MetricType;
export const RejectReason = vigil.v1.RejectReason;
export { INGEST_STREAM_PATH };

const streamMethod: MethodDefinition<vigil.v1.AgentMessage, vigil.v1.CollectorMessage> = {
  path: INGEST_STREAM_PATH,
  requestStream: true,
  responseStream: true,
  // The collector's side encodes and decodes through the generated code (the agent's through agent.ts).
  requestSerialize: (message) => Buffer.from(vigil.v1.AgentMessage.encode(message).finish()),
  requestDeserialize: (bytes) => vigil.v1.AgentMessage.decode(bytes),
  responseSerialize: (message) => Buffer.from(vigil.v1.CollectorMessage.encode(message).finish()),
  responseDeserialize: (bytes) => vigil.v1.CollectorMessage.decode(bytes),
  originalName: 'stream',
};

/** Service definition usable with both `Server.addService` and `makeGenericClientConstructor`. */
export const IngestService: ServiceDefinition<{ stream: typeof streamMethod }> = { stream: streamMethod };

/** The wire reader of the agent's codec, which the collector's reading of full-series batches uses too (ingest/wire-batch.ts). */
export { WireReader, WireError } from './wire/reader.js';
export * from './naming.js';
export * from './duration.js';
