// The one place where ingest failures become gRPC status codes or rejections. The agent classifies
// the codes the same way (agent/src/transport/errors.ts): UNAVAILABLE is retryable with backoff; a
// Rejection with whole_batch is permanent (counted, dropped, acked).
import { status as GrpcStatus } from '@grpc/grpc-js';
import { RejectReason, type vigil } from '@vigil/proto';
import { dataErrorCode, diskErrorCode, StorageClosedError, unreachableCode, StorageInputError, StorageOverloadedError, type StorageInputProblem } from '../storage/storage.errors.js';

/** Errors ending a stream, with the reason label of vigil_ingest_rejected_streams_total. */
export class StreamError extends Error {
  constructor(
    readonly code: GrpcStatus,
    message: string,
    readonly reason: string,
  ) {
    super(message);
  }
}

export type StorageFailure =
  /** The batch can never be stored: reject it whole (and ack it) so the agent drops it. */
  | { kind: 'permanent'; reason: vigil.v1.RejectReason; detail: string }
  /** The store cannot take it now: end the stream without an ack; the agent backs off and resends. */
  | { kind: 'retryable'; error: StreamError };

const INPUT_REASONS: Record<StorageInputProblem, vigil.v1.RejectReason> = {
  malformed_series: RejectReason.REJECT_REASON_MALFORMED_SERIES,
  non_finite_value: RejectReason.REJECT_REASON_NON_FINITE_VALUE,
  sequence: RejectReason.REJECT_REASON_SEQUENCE,
  sequence_gap: RejectReason.REJECT_REASON_SEQUENCE_GAP,
};

/** Classifies an error of the sample store (or of any write on the ingest path). */
export function classifyStorageError(error: unknown): StorageFailure {
  if (error instanceof StorageInputError) return { kind: 'permanent', reason: INPUT_REASONS[error.problem], detail: error.message };
  if (error instanceof StorageOverloadedError) {
    return { kind: 'retryable', error: new StreamError(GrpcStatus.UNAVAILABLE, `storage overloaded (${error.reason}), retry later`, 'storage_overloaded') };
  }
  if (error instanceof StorageClosedError) return { kind: 'retryable', error: new StreamError(GrpcStatus.UNAVAILABLE, 'collector shutting down', 'shutdown') };
  if (diskErrorCode(error)) {
    return { kind: 'retryable', error: new StreamError(GrpcStatus.UNAVAILABLE, 'storage cannot write (disk full, failing or read-only), retry later', 'storage_full') };
  }
  if (unreachableCode(error)) {
    return { kind: 'retryable', error: new StreamError(GrpcStatus.UNAVAILABLE, 'storage unreachable (database connection lost, shutting down or busy), retry later', 'storage_unreachable') };
  }
  // PostgreSQL refused the batch's content (the store commits such a batch alone, so the error is its own).
  const data = dataErrorCode(error);
  if (data) return { kind: 'permanent', reason: RejectReason.REJECT_REASON_MALFORMED_SERIES, detail: `the database cannot store this batch (SQLSTATE ${data}): ${(error as Error).message}` };
  // Unknown (constraint violations included): keep the data on the agent (retry) rather than drop it.
  return { kind: 'retryable', error: new StreamError(GrpcStatus.UNAVAILABLE, 'storage unavailable, retry later', 'storage_error') };
}

/** The stream error for a failure outside a batch's append (hello, bookkeeping, a bug). */
export function streamErrorFor(error: unknown): StreamError {
  if (error instanceof StreamError) return error;
  const failure = classifyStorageError(error);
  return failure.kind === 'retryable' ? failure.error : new StreamError(GrpcStatus.INVALID_ARGUMENT, failure.detail, 'invalid_input');
}
