// HTTP(S) probe: a fresh connection per hop (no keep-alive, so connect time is part of what is
// measured), redirects followed up to a bound, at most BODY_LIMIT bytes read for matching.
import type { HttpMethod, HttpProbeConfig } from './probe.config.types.js';
import { openConnection, readCa } from './connect.js';
import { exchange } from './http1.js';
import { ProbeFailure, type ProbeCheck } from './probe.types.js';

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
      const defaultPort = https ? 443 : 80;
      const port = url.port === '' ? defaultPort : Number(url.port);
      const socket = await openConnection({ host, port, tls: https ? { verify: config.tlsVerify, ca } : undefined }, ctx);
      try {
        // The Host header as node:http writes it: the port only when it is not the scheme's, IPv6 literals bracketed.
        const hostHeader = (host.includes(':') ? `[${host}]` : host) + (port === defaultPort ? '' : `:${port}`);
        const response = await exchange(socket, { method, path: url.pathname + url.search, host: hostHeader, headers, body }, { noBody: method === 'HEAD', bodyLimit: HTTP_LIMITS.bodyBytes });
        const status = response.status;
        ctx.facts.httpStatus = status;

        const location = response.location;
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

        const { text, bytes } = await response.body();
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
