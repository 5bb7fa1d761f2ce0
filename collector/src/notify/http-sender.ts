import { parseRetryAfter } from '../common/retry.js';
import type { DeliveryResult, OutgoingRequest } from './notify.types.js';

export type Sender = (request: OutgoingRequest, timeoutMs: number) => Promise<DeliveryResult>;

const MAX_ERROR_BODY = 300;

/** HTTP status → delivery outcome: 2xx done; 408, 425, 429 and 5xx worth retrying; other 4xx permanent. */
export function classifyStatus(status: number): 'success' | 'retryable' | 'failure' {
  if (status >= 200 && status < 300) return 'success';
  if (status === 408 || status === 425 || status === 429 || status >= 500) return 'retryable';
  return 'failure';
}

/** POSTs with a per-attempt timeout; never throws. Network errors and timeouts are retryable. */
export const httpSend: Sender = async (request, timeoutMs) => {
  let response: Response;
  try {
    response = await fetch(request.url, {
      method: 'POST',
      headers: request.headers,
      body: request.body,
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'error',
    });
  } catch (error) {
    const e = error as Error & { cause?: { code?: string; message?: string } };
    if (e.name === 'TimeoutError') return { status: 'retryable', error: `timeout after ${timeoutMs} ms` };
    return { status: 'retryable', error: `network error: ${e.cause?.code ?? e.cause?.message ?? e.message}` };
  }
  const kind = classifyStatus(response.status);
  // Read (a bounded part of) the body so the connection can be reused and errors are explained.
  const text = await response.text().catch(() => '');
  if (kind === 'success') return { status: 'success', httpStatus: response.status };
  const error = `HTTP ${response.status}${text ? `: ${text.slice(0, MAX_ERROR_BODY)}` : ''}`;
  if (kind === 'failure') return { status: 'failure', error };
  const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), Date.now());
  return retryAfterMs === undefined ? { status: 'retryable', error } : { status: 'retryable', error, retryAfterMs };
};
