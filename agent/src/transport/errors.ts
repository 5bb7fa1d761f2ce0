// The one place where transport failures are classified. Every outcome the sender acts on comes from here.
import { GrpcStatus } from './grpc-http2/status.js';

export type FailureClass =
  /** The collector refused our credentials: log clearly, keep the data, retry slowly. */
  | 'auth'
  /** Will not fix itself by retrying soon (bad request, unimplemented): retry slowly, loudly. */
  | 'permanent'
  /** Network trouble, restarts, overload: retry with backoff (another collector first, when there are several). */
  | 'retryable'
  /**
   * ALREADY_EXISTS: that collector still holds an earlier stream of this agent (not yet seen dead). Not a reason to
   * switch collectors: retry the same one with backoff until it lets the old stream go.
   */
  | 'busy';

export interface ClassifiedFailure {
  kind: FailureClass;
  code: GrpcStatus;
  codeName: string;
  message: string;
}

const AUTH = new Set([GrpcStatus.UNAUTHENTICATED, GrpcStatus.PERMISSION_DENIED]);
const PERMANENT = new Set([GrpcStatus.INVALID_ARGUMENT, GrpcStatus.UNIMPLEMENTED, GrpcStatus.FAILED_PRECONDITION, GrpcStatus.OUT_OF_RANGE, GrpcStatus.NOT_FOUND]);

export function classifyStreamError(error: { code?: number; details?: string; message?: string } | undefined): ClassifiedFailure {
  const code = typeof error?.code === 'number' ? (error.code as GrpcStatus) : GrpcStatus.UNAVAILABLE;
  const kind: FailureClass = AUTH.has(code) ? 'auth' : PERMANENT.has(code) ? 'permanent' : code === GrpcStatus.ALREADY_EXISTS ? 'busy' : 'retryable';
  return { kind, code, codeName: GrpcStatus[code] ?? String(code), message: error?.details || error?.message || 'stream ended' };
}

/** RejectReason enum value -> short snake_case reason used in counters and logs. */
export function rejectReasonName(reason: number | null | undefined, names: Record<number, string>): string {
  const name = names[reason ?? 0] ?? 'REJECT_REASON_UNSPECIFIED';
  return name.replace(/^REJECT_REASON_/, '').toLowerCase();
}
