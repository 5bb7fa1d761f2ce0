// The errors every SampleStore backend reports. Ingest classifies them once (ingest/ingest.errors.ts):
// an input error is permanent, the others are retryable.

export type OverloadReason = 'queue_full' | 'log_full';

/** Retryable: the store is saturated; the batch was not stored. */
export class StorageOverloadedError extends Error {
  override readonly name = 'StorageOverloadedError';
  constructor(
    readonly reason: OverloadReason,
    message: string,
  ) {
    super(message);
  }
}

/** Retryable (elsewhere or later): the store is closing or closed; the batch was not stored. */
export class StorageClosedError extends Error {
  override readonly name = 'StorageClosedError';
  constructor() {
    super('sample store is closed');
  }
}

/** What part of the input contract a batch broke. */
export type StorageInputProblem = 'malformed_series' | 'non_finite_value' | 'sequence' | 'sequence_gap';

/** Permanent: the batch breaks the store's input contract (the ingest validator should have caught it). */
export class StorageInputError extends Error {
  override readonly name = 'StorageInputError';
  constructor(
    message: string,
    readonly problem: StorageInputProblem = 'malformed_series',
  ) {
    super(message);
  }
}
