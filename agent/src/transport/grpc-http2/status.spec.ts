import { constants } from 'node:http2';
import { describe, expect, it } from 'vitest';
import { GrpcStatus, GrpcStatusError, decodeGrpcMessage, statusFromHttp, statusFromMetadata, statusFromReset } from './status.js';

describe('statusFromMetadata', () => {
  it('reads grpc-status and the percent-decoded grpc-message', () => {
    expect(statusFromMetadata({ 'grpc-status': '16', 'grpc-message': 'missing or unknown agent token' })).toEqual({ code: GrpcStatus.UNAUTHENTICATED, details: 'missing or unknown agent token' });
    expect(statusFromMetadata({ 'grpc-status': '0' })).toEqual({ code: GrpcStatus.OK, details: '' });
    expect(statusFromMetadata({ 'grpc-status': '14', 'grpc-message': 'disk 100%25 full: caf%C3%A9%0Aretry' })).toEqual({ code: 14, details: 'disk 100% full: café\nretry' });
  });

  it('is undefined without grpc-status, UNKNOWN for a code it cannot read', () => {
    expect(statusFromMetadata({ ':status': 200 })).toBeUndefined();
    expect(statusFromMetadata({ 'grpc-status': 'x' })?.code).toBe(GrpcStatus.UNKNOWN);
    expect(statusFromMetadata({ 'grpc-status': '99' })?.code).toBe(GrpcStatus.UNKNOWN);
  });

  it('keeps a grpc-message whose escapes are malformed as sent', () => {
    expect(decodeGrpcMessage('50%')).toBe('50%');
    expect(decodeGrpcMessage('%E0%A4%A')).toBe('%E0%A4%A');
  });
});

describe('statusFromHttp', () => {
  it('maps the HTTP status of a response without grpc-status as the gRPC HTTP/2 spec says', () => {
    const codes = Object.fromEntries([400, 401, 403, 404, 429, 502, 503, 504, 500, 200].map((s) => [s, GrpcStatus[statusFromHttp(s).code]]));
    expect(codes).toEqual({ 400: 'INTERNAL', 401: 'UNAUTHENTICATED', 403: 'PERMISSION_DENIED', 404: 'UNIMPLEMENTED', 429: 'UNAVAILABLE', 502: 'UNAVAILABLE', 503: 'UNAVAILABLE', 504: 'UNAVAILABLE', 500: 'UNKNOWN', 200: 'UNKNOWN' });
    expect(statusFromHttp(503).details).toBe('Received HTTP status code 503');
  });
});

describe('statusFromReset', () => {
  it('is UNAVAILABLE whenever the connection went away, whatever the stream reset says', () => {
    expect(statusFromReset(constants.NGHTTP2_CANCEL, 'Connection dropped: read ECONNRESET')).toEqual({ code: GrpcStatus.UNAVAILABLE, details: 'Connection dropped: read ECONNRESET' });
  });

  it('maps RST_STREAM codes on a live connection like grpc-js', () => {
    const name = (rst: number | undefined) => GrpcStatus[statusFromReset(rst, undefined).code];
    expect(name(constants.NGHTTP2_REFUSED_STREAM)).toBe('UNAVAILABLE');
    expect(name(constants.NGHTTP2_CANCEL)).toBe('CANCELLED');
    expect(name(constants.NGHTTP2_ENHANCE_YOUR_CALM)).toBe('RESOURCE_EXHAUSTED');
    expect(name(constants.NGHTTP2_INADEQUATE_SECURITY)).toBe('PERMISSION_DENIED');
    expect(name(constants.NGHTTP2_NO_ERROR)).toBe('INTERNAL');
    expect(statusFromReset(constants.NGHTTP2_PROTOCOL_ERROR, undefined)).toEqual({ code: GrpcStatus.INTERNAL, details: 'Received RST_STREAM with code 1' });
  });
});

describe('GrpcStatusError', () => {
  it('carries code and details, and says both in its message as grpc-js does', () => {
    const error = new GrpcStatusError({ code: GrpcStatus.ALREADY_EXISTS, details: 'agent already has a live stream' });
    expect([error.code, error.details, error.message]).toEqual([6, 'agent already has a live stream', '6 ALREADY_EXISTS: agent already has a live stream']);
  });
});
