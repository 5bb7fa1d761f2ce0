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

/** A range read would return more points than the caller allows; nothing was returned. */
export class QueryTooLargeError extends Error {
  override readonly name = 'QueryTooLargeError';
  constructor(readonly maxPoints: number) {
    super(`the range holds more than ${maxPoints} points`);
  }
}

/** sqlite3 and Node error codes of a disk that is full, failing or mounted read-only. */
const DISK_CODES = new Set(['SQLITE_FULL', 'SQLITE_IOERR', 'SQLITE_READONLY', 'ENOSPC', 'EDQUOT', 'EROFS', 'EIO']);

/** The disk error code of `error` (a write the disk refused), or undefined for any other error. */
export function diskErrorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && DISK_CODES.has(code) ? code : undefined;
}
