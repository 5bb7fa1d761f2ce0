import { readFile } from 'node:fs/promises';
import { VERSION } from '../version.js';
import type { RemoteWriteTarget } from './remote-write.config.js';
import { classifyResponse, classifyTransportError, type SendOutcome } from './send-outcome.js';
import { REMOTE_WRITE_HEADERS } from './write-request.js';

/** Sends one encoded WriteRequest; never throws. */
export type RemoteWriteSend = (body: Uint8Array) => Promise<SendOutcome>;

/** POSTs request bodies to one target with its headers, token and timeout. */
export function remoteWriteClient(target: RemoteWriteTarget, now: () => number): RemoteWriteSend {
  return async (body) => {
    const headers: Record<string, string> = { ...target.headers, ...REMOTE_WRITE_HEADERS, 'User-Agent': `vigil-collector/${VERSION}` };
    if (target.bearer_token_file) {
      try {
        headers.Authorization = `Bearer ${(await readFile(target.bearer_token_file, 'utf8')).trim()}`;
      } catch (error) {
        return { status: 'retryable', reason: 'credentials', detail: `cannot read bearer_token_file ${target.bearer_token_file}: ${(error as Error).message}` };
      }
    }
    let response: Response;
    try {
      response = await fetch(target.url, { method: 'POST', headers, body, signal: AbortSignal.timeout(target.timeout), redirect: 'error' });
    } catch (error) {
      return classifyTransportError(error, target.timeout);
    }
    // Read the body so the connection is reused and a refusal is explained.
    const text = await response.text().catch(() => '');
    return classifyResponse(response.status, text, response.headers.get('retry-after'), now());
  };
}
