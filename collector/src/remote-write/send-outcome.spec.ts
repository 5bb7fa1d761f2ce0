import { describe, expect, it } from 'vitest';
import { classifyResponse, classifyTransportError, retryDelayMs } from './send-outcome.js';

const NOW = Date.parse('2026-11-25T12:00:00Z');

describe('classifyResponse', () => {
  it.each([
    [200, { status: 'ok' }],
    [204, { status: 'ok' }],
    [500, { status: 'retryable', reason: 'http_5xx', detail: 'HTTP 500: boom' }],
    [503, { status: 'retryable', reason: 'http_5xx', detail: 'HTTP 503: boom' }],
    [429, { status: 'retryable', reason: 'http_429', detail: 'HTTP 429: boom' }],
    [400, { status: 'permanent', reason: 'rejected', detail: 'HTTP 400: boom' }],
    [401, { status: 'permanent', reason: 'rejected', detail: 'HTTP 401: boom' }],
    [404, { status: 'permanent', reason: 'rejected', detail: 'HTTP 404: boom' }],
    [408, { status: 'permanent', reason: 'rejected', detail: 'HTTP 408: boom' }],
  ])('HTTP %i', (status, expected) => {
    expect(classifyResponse(status, 'boom', null, NOW)).toEqual(expected);
  });

  it('names Prometheus out-of-order refusals apart from other 400s', () => {
    expect(classifyResponse(400, 'out of order sample\n', null, NOW)).toEqual({ status: 'permanent', reason: 'out_of_order', detail: 'HTTP 400: out of order sample' });
    expect(classifyResponse(400, 'duplicate sample for timestamp', null, NOW)).toMatchObject({ reason: 'out_of_order' });
    expect(classifyResponse(400, 'out of bounds', null, NOW)).toMatchObject({ reason: 'out_of_order' });
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    expect(classifyResponse(429, '', '7', NOW)).toEqual({ status: 'retryable', reason: 'http_429', detail: 'HTTP 429', retryAfterMs: 7_000 });
    expect(classifyResponse(503, '', 'Wed, 25 Nov 2026 12:00:30 GMT', NOW)).toMatchObject({ retryAfterMs: 30_000 });
    expect(classifyResponse(503, '', 'soon', NOW)).not.toHaveProperty('retryAfterMs');
  });
});

describe('classifyTransportError', () => {
  it('retries timeouts and network errors', () => {
    expect(classifyTransportError(Object.assign(new Error('t'), { name: 'TimeoutError' }), 500)).toEqual({ status: 'retryable', reason: 'timeout', detail: 'no answer within 500 ms' });
    expect(classifyTransportError(Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } }), 500)).toEqual({ status: 'retryable', reason: 'network', detail: 'network error: ECONNREFUSED' });
  });
});

describe('retryDelayMs', () => {
  it('takes Retry-After over the backoff, both capped at max_backoff', () => {
    expect(retryDelayMs({ status: 'retryable', reason: 'http_5xx', detail: '' }, 120, 5_000)).toBe(120);
    expect(retryDelayMs({ status: 'retryable', reason: 'http_429', detail: '', retryAfterMs: 2_000 }, 120, 5_000)).toBe(2_000);
    expect(retryDelayMs({ status: 'retryable', reason: 'http_429', detail: '', retryAfterMs: 60_000 }, 120, 5_000)).toBe(5_000);
  });
});
