import { RejectReason } from '@vigil/proto';
import { describe, expect, it } from 'vitest';
import { classifyStreamError, rejectReasonName } from './errors.js';
import { GrpcStatus as status } from './grpc-http2/status.js';

describe('classifyStreamError', () => {
  it('separates bad credentials, permanent refusals and transient failures', () => {
    expect(classifyStreamError({ code: status.UNAUTHENTICATED, details: 'invalid token' })).toEqual({ kind: 'auth', code: 16, codeName: 'UNAUTHENTICATED', message: 'invalid token' });
    expect(classifyStreamError({ code: status.PERMISSION_DENIED }).kind).toBe('auth');
    expect(classifyStreamError({ code: status.UNIMPLEMENTED }).kind).toBe('permanent');
    expect(classifyStreamError({ code: status.INVALID_ARGUMENT }).kind).toBe('permanent');
    for (const code of [status.UNAVAILABLE, status.DEADLINE_EXCEEDED, status.RESOURCE_EXHAUSTED, status.INTERNAL, status.CANCELLED]) {
      expect(classifyStreamError({ code }).kind).toBe('retryable');
    }
    expect(classifyStreamError(undefined).kind).toBe('retryable');
    // Another stream of this agent is still open on that collector: wait for it there, no failover.
    expect(classifyStreamError({ code: status.ALREADY_EXISTS }).kind).toBe('busy');
  });

  it('names rejection reasons in snake case', () => {
    const names = RejectReason as unknown as Record<number, string>;
    expect(rejectReasonName(RejectReason.REJECT_REASON_INVALID_LABEL, names)).toBe('invalid_label');
    expect(rejectReasonName(RejectReason.REJECT_REASON_TIMESTAMP_TOO_OLD, names)).toBe('timestamp_too_old');
    expect(rejectReasonName(undefined, names)).toBe('unspecified');
  });
});
