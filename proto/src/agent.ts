// The agent's entry to the wire contract (`@vigil/proto/agent`): names, limits and durations shared with the
// collector, and a codec of the agent's messages written for them (wire/agent-codec.ts), without protobufjs and the
// generated code, which the collector's entry (index.ts) loads. Types come from the generated declarations.
export type { vigil } from './generated/telemetry.js';
export { INGEST_STREAM_PATH, MetricType, RejectReason } from './contract.js';
export { batchLength, decodeBatch, decodeCollectorMessage, encodeAgentMessage, encodeBatch, writeSeriesHead, writeSeriesSamples } from './wire/agent-codec.js';
export { WireWriter } from './wire/writer.js';
export { WireError } from './wire/reader.js';
export * from './naming.js';
export * from './duration.js';
