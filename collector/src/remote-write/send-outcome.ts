// What a receiver's answer means for the samples of a request, decided in one place (remote-write
// 1.0: retry on 5xx and 429 with backoff, never on other 4xx).
import { parseRetryAfter } from '../common/retry.js';

/** Why an attempt failed and will be retried (vigil_remote_write_failed_samples_total{reason}). */
export type RetryReason = 'http_5xx' | 'http_429' | 'network' | 'timeout' | 'credentials';
/** Why samples were given up (vigil_remote_write_dropped_samples_total{reason}). */
export type DropReason = 'rejected' | 'out_of_order' | 'backlog_full' | 'unknown_series';

export type SendOutcome =
  | { status: 'ok' }
  | { status: 'retryable'; reason: RetryReason; detail: string; retryAfterMs?: number }
  | { status: 'permanent'; reason: DropReason; detail: string };

const MAX_DETAIL = 300;

/**
 * Prometheus answers 400 for a request holding a sample older than (or a different value at) the
 * newest it has for the series, and keeps none of the request: after a crash, the resent request
 * usually lands here although the receiver already holds it.
 */
const OUT_OF_ORDER = /out of order|duplicate sample|out of bounds|too old/i;

export function classifyResponse(status: number, body: string, retryAfter: string | null, nowMs: number): SendOutcome {
  if (status >= 200 && status < 300) return { status: 'ok' };
  const detail = `HTTP ${status}${body ? `: ${body.trim().slice(0, MAX_DETAIL)}` : ''}`;
  if (status === 429 || status >= 500) {
    const retryAfterMs = parseRetryAfter(retryAfter, nowMs);
    const reason = status === 429 ? 'http_429' : 'http_5xx';
    return retryAfterMs === undefined ? { status: 'retryable', reason, detail } : { status: 'retryable', reason, detail, retryAfterMs };
  }
  return { status: 'permanent', reason: OUT_OF_ORDER.test(body) ? 'out_of_order' : 'rejected', detail };
}

/** A request that got no HTTP answer: always worth retrying. */
export function classifyTransportError(error: unknown, timeoutMs: number): SendOutcome {
  const e = error as Error & { cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return { status: 'retryable', reason: 'timeout', detail: `no answer within ${timeoutMs} ms` };
  return { status: 'retryable', reason: 'network', detail: `network error: ${e.cause?.code ?? e.cause?.message ?? e.message}` };
}

/** How long to wait before the next attempt: the receiver's Retry-After when given, else the backoff; at most maxMs. */
export function retryDelayMs(outcome: Extract<SendOutcome, { status: 'retryable' }>, backoff: number, maxMs: number): number {
  return Math.min(maxMs, outcome.retryAfterMs ?? backoff);
}
