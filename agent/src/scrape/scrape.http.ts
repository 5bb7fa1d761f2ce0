// One HTTP(S) GET of a scrape target: OpenMetrics preferred, identity encoding, a kept-alive connection (one per
// target), cut at the timeout and refused beyond max_bytes. Never throws: the outcome says what went wrong.
import { readFileSync } from 'node:fs';
import type { Agent as HttpAgent, IncomingMessage } from 'node:http';
import { formatDuration } from '@vigil/proto/agent';
import { httpModule, httpsModule } from '../builtins.js';
import { formatBytes } from '../config/units.js';
import { AGENT_VERSION } from '../version.js';
import type { ScrapeTargetConfig } from '../config/scrape.types.js';

/** What Prometheus sends: OpenMetrics first, then the classic text format. */
export const SCRAPE_ACCEPT = 'application/openmetrics-text;version=1.0.0;q=0.9,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';

export type FetchOutcome = { status: 'ok'; body: string; contentType: string | undefined } | { status: 'error'; error: string };

export class ScrapeClient {
  private readonly agent: HttpAgent;
  private readonly https: boolean;

  constructor(private readonly config: Pick<ScrapeTargetConfig, 'url' | 'timeoutMs' | 'maxBytes' | 'tlsVerify' | 'ca'>) {
    this.https = config.url.startsWith('https:');
    // The schema checked the CA file is readable; read once here, not per scrape.
    this.agent = this.https
      ? new (httpsModule().Agent)({ keepAlive: true, maxSockets: 1, rejectUnauthorized: config.tlsVerify, ca: config.ca === undefined ? undefined : readFileSync(config.ca) })
      : new (httpModule().Agent)({ keepAlive: true, maxSockets: 1 });
  }

  fetch(cancel?: AbortSignal): Promise<FetchOutcome> {
    const { url, timeoutMs, maxBytes } = this.config;
    const signal = cancel ? AbortSignal.any([cancel, AbortSignal.timeout(timeoutMs)]) : AbortSignal.timeout(timeoutMs);
    return new Promise<FetchOutcome>((resolve) => {
      const fail = (error: string) => resolve({ status: 'error', error });
      const request = (this.https ? httpsModule() : httpModule()).request(url, {
        agent: this.agent,
        signal,
        headers: { accept: SCRAPE_ACCEPT, 'accept-encoding': 'identity', 'user-agent': `vigil-agent/${AGENT_VERSION}`, 'x-prometheus-scrape-timeout-seconds': String(timeoutMs / 1000) },
      });
      const onError = (error: NodeJS.ErrnoException) => {
        if (signal.aborted && cancel?.aborted !== true) fail(`no complete answer within ${formatDuration(timeoutMs)}`);
        else fail(error.code && !error.message.includes(error.code) ? `${error.code}: ${error.message}` : error.message);
      };
      request.on('error', onError);
      request.on('response', (response: IncomingMessage) => {
        const status = response.statusCode ?? 0;
        if (status < 200 || status > 299) {
          response.resume();
          return fail(`HTTP status ${status}`);
        }
        const declared = Number(response.headers['content-length']);
        if (declared > maxBytes) {
          request.destroy();
          return fail(`response of ${declared} bytes is larger than max_bytes ${formatBytes(maxBytes)}`);
        }
        const chunks: Buffer[] = [];
        let bytes = 0;
        response.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
          if (bytes > maxBytes) {
            request.destroy();
            return fail(`response larger than max_bytes ${formatBytes(maxBytes)}`);
          }
          chunks.push(chunk);
        });
        response.on('end', () => resolve({ status: 'ok', body: Buffer.concat(chunks, bytes).toString('utf8'), contentType: response.headers['content-type'] }));
        // A body cut short (connection reset, timeout) fails the scrape: half an exposition is not stored.
        response.on('error', onError);
        response.on('aborted', () => onError(Object.assign(new Error('connection closed before the end of the response'), { code: 'ECONNRESET' })));
      });
      request.end();
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
