// Names and numbers of the wire contract that are needed without the generated code (the agent's entry, agent.ts).
// The enums mirror vigil.v1.MetricType and vigil.v1.RejectReason, both ways (name -> number -> name);
// contract.spec.ts checks them against the generated ones.
import type { vigil } from './generated/telemetry.js';

/** Full gRPC path of the one streaming method; also used in logs and metrics. */
export const INGEST_STREAM_PATH = '/vigil.v1.Ingest/Stream';

function wireEnum<T>(names: readonly string[]): T {
  const values: Record<string | number, string | number> = {};
  names.forEach((name, value) => {
    values[name] = value;
    values[value] = name;
  });
  return values as T;
}

export const MetricType = wireEnum<typeof vigil.v1.MetricType>(['METRIC_TYPE_GAUGE', 'METRIC_TYPE_COUNTER']);

export const RejectReason = wireEnum<typeof vigil.v1.RejectReason>([
  'REJECT_REASON_UNSPECIFIED',
  'REJECT_REASON_INVALID_METRIC_NAME',
  'REJECT_REASON_INVALID_LABEL',
  'REJECT_REASON_NON_FINITE_VALUE',
  'REJECT_REASON_TIMESTAMP_TOO_NEW',
  'REJECT_REASON_TIMESTAMP_TOO_OLD',
  'REJECT_REASON_MALFORMED_SERIES',
  'REJECT_REASON_TOO_MANY_SERIES',
  'REJECT_REASON_SEQUENCE',
  'REJECT_REASON_SEQUENCE_GAP',
  'REJECT_REASON_SERIES_LIMIT',
  'REJECT_REASON_RESERVED_METRIC_NAME',
  'REJECT_REASON_SERIES_REFS',
]);
