import { describe, expect, it } from 'vitest';
import { status } from '@grpc/grpc-js';
import { RejectReason } from '@vigil/proto';
import { StorageClosedError, StorageInputError, StorageOverloadedError } from '../storage/storage.errors.js';
import { StreamError, classifyStorageError, streamErrorFor } from './ingest.errors.js';

const sqliteError = (code: string, message: string) => Object.assign(new Error(`${code}: ${message}`), { code, errno: 13 });
const retryable = (error: unknown) => {
  const failure = classifyStorageError(error);
  if (failure.kind !== 'retryable') throw new Error(`expected retryable, got ${JSON.stringify(failure)}`);
  return { code: failure.error.code, message: failure.error.message, reason: failure.error.reason };
};

describe('classifyStorageError', () => {
  it('makes input errors permanent, with the rejection reason of the broken contract', () => {
    expect(classifyStorageError(new StorageInputError('batch 1 of agent a, series[0] m: 2 timestamps but 1 values'))).toEqual({
      kind: 'permanent',
      reason: RejectReason.REJECT_REASON_MALFORMED_SERIES,
      detail: 'batch 1 of agent a, series[0] m: 2 timestamps but 1 values',
    });
    expect(classifyStorageError(new StorageInputError('value NaN at 5 is not finite', 'non_finite_value'))).toMatchObject({ kind: 'permanent', reason: RejectReason.REJECT_REASON_NON_FINITE_VALUE });
    expect(classifyStorageError(new StorageInputError('batch.seq must be a positive integer, got 0', 'sequence'))).toMatchObject({ kind: 'permanent', reason: RejectReason.REJECT_REASON_SEQUENCE });
    expect(classifyStorageError(new StorageInputError('batch sequence 9 jumps 8 past the last stored 1', 'sequence_gap'))).toMatchObject({ kind: 'permanent', reason: RejectReason.REJECT_REASON_SEQUENCE_GAP });
  });

  it('makes overload, a full or read-only disk, shutdown and the unknown retryable UNAVAILABLE', () => {
    expect(retryable(new StorageOverloadedError('log_full', 'storage log full'))).toEqual({ code: status.UNAVAILABLE, message: 'storage overloaded (log_full), retry later', reason: 'storage_overloaded' });
    const disk = { code: status.UNAVAILABLE, message: 'storage cannot write (disk full, failing or read-only), retry later', reason: 'storage_full' };
    expect(retryable(sqliteError('SQLITE_FULL', 'database or disk is full'))).toEqual(disk);
    expect(retryable(sqliteError('SQLITE_IOERR', 'disk I/O error'))).toEqual(disk);
    expect(retryable(sqliteError('SQLITE_READONLY', 'attempt to write a readonly database'))).toEqual(disk);
    expect(retryable(Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' }))).toEqual(disk);
    expect(retryable(Object.assign(new Error('EROFS: read-only file system'), { code: 'EROFS' }))).toEqual(disk);
    expect(retryable(new StorageClosedError())).toEqual({ code: status.UNAVAILABLE, message: 'collector shutting down', reason: 'shutdown' });
    expect(retryable(sqliteError('SQLITE_BUSY', 'database is locked'))).toEqual({ code: status.UNAVAILABLE, message: 'storage unavailable, retry later', reason: 'storage_error' });
    expect(retryable(new TypeError('a bug'))).toEqual({ code: status.UNAVAILABLE, message: 'storage unavailable, retry later', reason: 'storage_error' });
  });
});

describe('classifyStorageError on PostgreSQL', () => {
  const pgError = (code: string, message: string) => Object.assign(new Error(message), { code, severity: 'ERROR' });
  const unreachable = { code: status.UNAVAILABLE, message: 'storage unreachable (database connection lost, shutting down or busy), retry later', reason: 'storage_unreachable' };

  it('makes a lost connection, a server shutting down and a lost race retryable UNAVAILABLE', () => {
    expect(retryable(pgError('57P01', 'terminating connection due to administrator command'))).toEqual(unreachable);
    expect(retryable(pgError('08006', 'connection failure'))).toEqual(unreachable);
    expect(retryable(pgError('40001', 'could not serialize access due to concurrent update'))).toEqual(unreachable);
    expect(retryable(pgError('40P01', 'deadlock detected'))).toEqual(unreachable);
    expect(retryable(pgError('53300', 'sorry, too many clients already'))).toEqual(unreachable);
    expect(retryable(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }))).toEqual(unreachable);
    expect(retryable(new Error('Connection terminated unexpectedly'))).toEqual(unreachable);
    expect(retryable(pgError('53100', 'could not extend file: No space left on device'))).toMatchObject({ reason: 'storage_full' });
    // A constraint violation is a bug or a race of the store, not the batch's fault: retry, as on SQLite.
    expect(retryable(pgError('23505', 'duplicate key value violates unique constraint "series_key_key"'))).toMatchObject({ reason: 'storage_error' });
  });

  it("makes a data exception permanent: the batch's content cannot be stored", () => {
    expect(classifyStorageError(pgError('22021', 'invalid byte sequence for encoding "UTF8": 0x00'))).toEqual({
      kind: 'permanent',
      reason: RejectReason.REJECT_REASON_MALFORMED_SERIES,
      detail: 'the database cannot store this batch (SQLSTATE 22021): invalid byte sequence for encoding "UTF8": 0x00',
    });
  });
});

describe('streamErrorFor', () => {
  it('passes stream errors through and maps the rest through the same classification', () => {
    const own = new StreamError(status.INVALID_ARGUMENT, 'hello sent twice', 'protocol');
    expect(streamErrorFor(own)).toBe(own);
    expect(streamErrorFor(sqliteError('SQLITE_FULL', 'database or disk is full'))).toMatchObject({ code: status.UNAVAILABLE, reason: 'storage_full' });
    expect(streamErrorFor(new StorageInputError('bad'))).toMatchObject({ code: status.INVALID_ARGUMENT, reason: 'invalid_input', message: 'bad' });
  });
});
