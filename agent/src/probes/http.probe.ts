// HTTP(S) probe: a fresh connection per hop (no keep-alive, so connect time is part of what is
// measured), redirects followed up to a bound, at most BODY_LIMIT bytes read for matching.
import { request, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { HttpMethod, HttpProbeConfig } from './probe.config.types.js';
import { onAbort, openConnection, readCa, readUntil } from './connect.js';
import { ProbeFailure, type ProbeCheck, type ProbeContext } from './probe.types.js';

export const HTTP_LIMITS = {
  maxRedirects: 10,
  bodyBytes: 1 << 20,
} as const;

const USER_AGENT = 'vigil-agent-probe/1';
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
/** Credentials are not forwarded to another origin on redirect. */
const CREDENTIAL_HEADERS = new Set(['authorization', 'cookie', 'proxy-authorization']);

export function httpCheck(config: HttpProbeConfig): ProbeCheck {
  // Compiled once: the schema has already proven the sources valid.
  const bodyMatch = config.bodyMatch === undefined ? undefined : new RegExp(config.bodyMatch);
  const bodyNotMatch = config.bodyNotMatch === undefined ? undefined : new RegExp(config.bodyNotMatch);
  const statusOk = (status: number) => (config.expectStatus ? config.expectStatus.includes(status) : status >= 200 && status <= 299);
  // Parsed once too: a run replaces them (redirects) but never changes them.
  const firstUrl = new URL(config.url);
  const firstHeaders: Readonly<Record<string, string>> = { 'user-agent': USER_AGENT, ...config.headers };

  return async (ctx) => {
    const ca = config.ca === undefined ? undefined : await readCa(config.ca);
    let url = firstUrl;
    let method: HttpMethod = config.method;
    let body = config.body;
    let headers = firstHeaders;

    for (let hop = 0; ; hop++) {
      // Facts describe the last hop attempted, i.e. the response the verdict is based on.
      delete ctx.facts.httpStatus;
      delete ctx.facts.certNotAfterMs;
      const https = url.protocol === 'https:';
      const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
      const port = url.port === '' ? (https ? 443 : 80) : Number(url.port);
      const socket = await openConnection({ host, port, tls: https ? { verify: config.tlsVerify, ca } : undefined }, ctx);
      try {
        const response = await exchange(socket, { host, port, defaultPort: https ? 443 : 80, path: url.pathname + url.search, method, headers, body }, ctx);
        // A body we stop reading (redirect, limit, teardown) may end in an error; it must not crash the agent.
        response.on('error', () => undefined);
        const status = response.statusCode ?? 0;
        ctx.facts.httpStatus = status;

        const location = response.headers.location;
        if (config.followRedirects && REDIRECT_STATUSES.has(status) && location) {
          if (hop >= HTTP_LIMITS.maxRedirects) throw new ProbeFailure('redirect_limit', `more than ${HTTP_LIMITS.maxRedirects} redirects (last to ${location})`);
          const next = resolveLocation(location, url);
          // 303, and 301/302 after POST, continue as GET without a body (what browsers and curl do).
          if (status === 303 || ((status === 301 || status === 302) && method === 'POST')) {
            if (method !== 'HEAD') method = 'GET';
            body = undefined;
          }
          if (next.origin !== url.origin) headers = Object.fromEntries(Object.entries(headers).filter(([name]) => !CREDENTIAL_HEADERS.has(name.toLowerCase())));
          url = next;
          continue;
        }

        const { text, bytes } = method === 'HEAD' ? { text: '', bytes: 0 } : await readUntil(response, HTTP_LIMITS.bodyBytes);
        if (!statusOk(status)) {
          throw new ProbeFailure('status', `status ${status} not in ${config.expectStatus ? config.expectStatus.join(',') : '2xx'}`);
        }
        if (bodyMatch && !bodyMatch.test(text)) throw new ProbeFailure('body_match', `body_match /${bodyMatch.source}/ not found in ${bytes} bytes`);
        if (bodyNotMatch && bodyNotMatch.test(text)) throw new ProbeFailure('body_not_match', `body_not_match /${bodyNotMatch.source}/ found`);
        return;
      } finally {
        socket.destroy();
      }
    }
  };
}

function resolveLocation(location: string, base: URL): URL {
  let next: URL;
  try {
    next = new URL(location, base);
  } catch {
    throw new ProbeFailure('redirect_invalid', `unparsable redirect location ${JSON.stringify(location)}`);
  }
  if (next.protocol !== 'http:' && next.protocol !== 'https:') throw new ProbeFailure('redirect_invalid', `redirect to unsupported ${next.protocol} location`);
  return next;
}

interface Exchange {
  host: string;
  port: number;
  defaultPort: number;
  path: string;
  method: HttpMethod;
  headers: Record<string, string>;
  body: string | undefined;
}

/** Sends one request over an already connected socket and resolves with the response head. */
function exchange(socket: Socket, e: Exchange, ctx: ProbeContext): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    // Without an agent, http uses the socket we hand it and sends "Connection: close".
    const req = request({ createConnection: () => socket, host: e.host, port: e.port, defaultPort: e.defaultPort, path: e.path, method: e.method, headers: e.headers });
    const unsubscribe = onAbort(ctx.signal, () => req.destroy(new ProbeFailure('timeout', 'aborted while waiting for the response')));
    req.once('response', (response) => {
      unsubscribe();
      resolve(response);
    });
    // Stays attached: errors after the response (e.g. body cut short) surface through the response stream.
    req.on('error', (err) => {
      unsubscribe();
      reject(err);
    });
    req.end(e.body);
  });
}
