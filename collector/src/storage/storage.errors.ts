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

/**
 * sqlite3, PostgreSQL (SQLSTATE 53100 disk_full, 58030 io_error, 25006 read_only_sql_transaction)
 * and Node error codes of a disk that is full, failing or mounted read-only.
 */
const DISK_CODES = new Set(['SQLITE_FULL', 'SQLITE_IOERR', 'SQLITE_READONLY', 'ENOSPC', 'EDQUOT', 'EROFS', 'EIO', '53100', '58030', '25006']);

/** The disk error code of `error` (a write the disk refused), or undefined for any other error. */
export function diskErrorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && DISK_CODES.has(code) ? code : undefined;
}

/**
 * PostgreSQL SQLSTATEs (and socket errors) of a server that cannot be reached or is going away, or
 * of a transaction that lost a race with another collector: the same write works later.
 */
const UNREACHABLE = /^(?:08...|57P0[1-3]|40001|40P01|53300|55P03|57014|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EHOSTUNREACH)$/;

/** The code of `error` when the database was unreachable or the transaction lost a race, else undefined. */
export function unreachableCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string') return UNREACHABLE.test(code) ? code : undefined;
  // pg reports a connection that the server closed without a code.
  const message = error instanceof Error ? error.message : '';
  return /^Connection terminated|^timeout exceeded when trying to connect/.test(message) ? 'connection_lost' : undefined;
}

/**
 * PostgreSQL's class 22 (data exception: a NUL byte in a text, a number out of range): the batch's
 * own content cannot be stored, whenever it is sent.
 */
export function dataErrorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && /^22...$/.test(code) ? code : undefined;
}
