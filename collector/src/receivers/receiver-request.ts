// What both receivers check before decoding: the sender's token and name, the content type and
// encoding, and the body size. Failures are ReceiverErrors (receiver-errors.ts).
import { gunzipSync } from 'node:zlib';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { bearerToken, type TokenVerifier } from '../auth/token-verifier.js';
import type { SourceKind } from '../agents/agents.service.js';
import { ReceiverError } from './receiver-errors.js';

/** The header a sender sharing an agent token names itself with (`remote_write: headers:` in Prometheus). */
export const SENDER_HEADER = 'x-vigil-sender';
const SENDER_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

export interface ReceiverSource {
  kind: Exclude<SourceKind, 'agent'>;
  /** The sender's name: its agent_token_map entry, the X-Vigil-Sender header, or `default`. */
  sender: string;
  /** `<kind>:<sender>`: the source's id in the agent registry and its `agent` label. */
  id: string;
}

/**
 * Who sends: an agent token is required. A token of agent_token_map names its sender; a shared
 * token may name one in X-Vigil-Sender (a name that has its own token in the map needs that token).
 */
export function authenticateSource(kind: ReceiverSource['kind'], headers: IncomingHttpHeaders, tokens: TokenVerifier): ReceiverSource {
  const token = bearerToken(headers.authorization);
  if (!token || !tokens.isKnownAgentToken(token)) throw new ReceiverError('unauthorized', 'missing or unknown agent token (Authorization: Bearer <a token of auth.agent_tokens or auth.agent_token_map>)');
  const named = headers[SENDER_HEADER];
  const header = Array.isArray(named) ? named[0] : named;
  if (header !== undefined && !SENDER_RE.test(header)) {
    throw new ReceiverError('invalid request', `header X-Vigil-Sender must be 1-100 letters, digits, '.', '_' or '-' starting with a letter or digit, got ${JSON.stringify(header)}`);
  }
  const sender = header ?? tokens.agentIdOfToken(token) ?? 'default';
  if (!tokens.agentMayUse(sender, token)) throw new ReceiverError('unauthorized', `token not valid for sender ${sender}`);
  return { kind, sender, id: `${kind}:${sender}` };
}

/** The media type of a Content-Type header, lower-cased, without parameters. */
export function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0]!.trim().toLowerCase();
}

export function requireMediaType(headers: IncomingHttpHeaders, expected: string, hint: string): void {
  const got = mediaType(headers['content-type']);
  if (got !== expected) throw new ReceiverError('unsupported media type', `Content-Type must be ${expected}, got ${JSON.stringify(got || '(none)')}${hint ? `; ${hint}` : ''}`);
}

/** Reads the raw body, refusing more than `maxBytes` (413) as soon as the declared or read length passes it. */
export async function readBody(request: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const tooLarge = () => new ReceiverError('payload too large', `body over the limit of ${maxBytes} bytes (ingest.max_message_bytes)`);
  if (Number(request.headers['content-length'] ?? 0) > maxBytes) {
    request.resume();
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    length += chunk.length;
    if (length > maxBytes) {
      request.resume();
      throw tooLarge();
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, length);
}

/** Undoes Content-Encoding gzip (OTLP exporters' default) within `maxBytes`; identity passes through. */
export function decodeContentEncoding(headers: IncomingHttpHeaders, body: Buffer, maxBytes: number): Buffer {
  const encoding = (headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  if (encoding === 'identity' || encoding === '') return body;
  if (encoding !== 'gzip') throw new ReceiverError('unsupported media type', `Content-Encoding must be gzip or identity, got ${JSON.stringify(encoding)}`);
  try {
    return gunzipSync(body, { maxOutputLength: maxBytes });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw new ReceiverError('payload too large', `uncompressed body over the limit of ${maxBytes} bytes (ingest.max_message_bytes)`);
    throw new ReceiverError('invalid request', `body is not valid gzip (${(error as Error).message})`);
  }
}
