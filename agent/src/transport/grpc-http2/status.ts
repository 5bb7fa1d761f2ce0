// gRPC status codes and how a response's HTTP/2 headers, trailers and stream resets become one. The codes are the
// protocol's (grpc/doc/statuscodes.md); the mappings follow what @grpc/grpc-js does, so errors.ts classifies
// failures exactly as it did when the agent used that client.
import { ErrorCode } from './http2-frames.js';

export enum GrpcStatus {
  OK = 0,
  CANCELLED = 1,
  UNKNOWN = 2,
  INVALID_ARGUMENT = 3,
  DEADLINE_EXCEEDED = 4,
  NOT_FOUND = 5,
  ALREADY_EXISTS = 6,
  PERMISSION_DENIED = 7,
  RESOURCE_EXHAUSTED = 8,
  FAILED_PRECONDITION = 9,
  ABORTED = 10,
  OUT_OF_RANGE = 11,
  UNIMPLEMENTED = 12,
  INTERNAL = 13,
  UNAVAILABLE = 14,
  DATA_LOSS = 15,
  UNAUTHENTICATED = 16,
}

export interface StatusObject {
  code: GrpcStatus;
  details: string;
}

/** A call that ended with a status other than OK, as the call's 'error' event carries it. */
export class GrpcStatusError extends Error {
  readonly code: GrpcStatus;
  readonly details: string;

  constructor(status: StatusObject) {
    super(`${status.code} ${GrpcStatus[status.code] ?? 'UNKNOWN'}: ${status.details}`);
    this.name = 'GrpcStatusError';
    this.code = status.code;
    this.details = status.details;
  }
}

type HeaderValue = string | string[] | number | undefined;

function first(value: HeaderValue): string | undefined {
  return Array.isArray(value) ? value[0] : value === undefined ? undefined : String(value);
}

/** grpc-message is percent-encoded (RFC 3986 style) by the server; a malformed escape is kept as sent. */
export function decodeGrpcMessage(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/**
 * The status carried by trailers, or by the response headers of a trailers-only response; undefined when they carry
 * no grpc-status. An unparsable code is UNKNOWN, as the protocol asks.
 */
export function statusFromMetadata(headers: Record<string, HeaderValue>): StatusObject | undefined {
  const raw = first(headers['grpc-status']);
  if (raw === undefined) return undefined;
  const code = /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : NaN;
  const known = Number.isInteger(code) && code >= 0 && code <= GrpcStatus.UNAUTHENTICATED;
  const message = first(headers['grpc-message']);
  return { code: known ? code : GrpcStatus.UNKNOWN, details: message === undefined ? '' : decodeGrpcMessage(message) };
}

/** A response that ended without grpc-status: its HTTP status says what went wrong (the gRPC HTTP/2 spec's table). */
export function statusFromHttp(httpStatus: number): StatusObject {
  const details = `Received HTTP status code ${httpStatus}`;
  switch (httpStatus) {
    case 400:
      return { code: GrpcStatus.INTERNAL, details };
    case 401:
      return { code: GrpcStatus.UNAUTHENTICATED, details };
    case 403:
      return { code: GrpcStatus.PERMISSION_DENIED, details };
    case 404:
      return { code: GrpcStatus.UNIMPLEMENTED, details };
    case 429:
    case 502:
    case 503:
    case 504:
      return { code: GrpcStatus.UNAVAILABLE, details };
    default:
      return { code: GrpcStatus.UNKNOWN, details };
  }
}

/**
 * A stream that closed before any status: by its RST_STREAM code, or UNAVAILABLE when the connection under it went
 * away (`connectionLost` says why).
 */
export function statusFromReset(rstCode: number | undefined, connectionLost: string | undefined): StatusObject {
  if (connectionLost !== undefined) return { code: GrpcStatus.UNAVAILABLE, details: connectionLost };
  switch (rstCode) {
    case ErrorCode.REFUSED_STREAM:
      return { code: GrpcStatus.UNAVAILABLE, details: 'Stream refused by server' };
    case ErrorCode.CANCEL:
      return { code: GrpcStatus.CANCELLED, details: 'Call cancelled' };
    case ErrorCode.ENHANCE_YOUR_CALM:
      return { code: GrpcStatus.RESOURCE_EXHAUSTED, details: 'Bandwidth exhausted or memory limit exceeded' };
    case ErrorCode.INADEQUATE_SECURITY:
      return { code: GrpcStatus.PERMISSION_DENIED, details: 'Protocol not secure enough' };
    case undefined:
    case ErrorCode.NO_ERROR:
      return { code: GrpcStatus.INTERNAL, details: 'Call ended without gRPC status' };
    default:
      return { code: GrpcStatus.INTERNAL, details: `Received RST_STREAM with code ${rstCode}` };
  }
}
