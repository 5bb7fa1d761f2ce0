// One HTTP/1.1 exchange over a socket the HTTP probe has just connected: the request written in one piece, the
// response's status line and headers parsed, then at most a bounded prefix of its body read (chunked, Content-Length,
// or up to the close, as RFC 9112 section 6.3 frames it). node:http's client does the same work with about twice the
// CPU per run under the agent's interpreter-only V8 (ClientRequest, IncomingMessage and their streams around the
// parser; issue 14, docs/agent.md Footprint), and a probe sends one request per connection and needs nothing else.
import type { Socket } from 'node:net';
import { ProbeFailure } from './probe.types.js';

/** node:http's default limit on a response's status line and headers. */
export const MAX_HEAD_BYTES = 16 * 1024;

export interface Http1Request {
  method: string;
  /** Path and query, as sent on the request line. */
  path: string;
  /** The Host header's value, unless `headers` has one. */
  host: string;
  /** Validated names and values (the probe's configuration schema); sent in this order. */
  headers: Readonly<Record<string, string>>;
  body?: string;
}

export interface Http1Response {
  status: number;
  location?: string;
  /** The body's first `limit` bytes as UTF-8 text, and how many bytes that is; waits for the end of the body. */
  body(): Promise<{ text: string; bytes: number }>;
}

/** RFC 9110's token: what a header name may be. */
const HEADER_NAME = /^[\^_`a-zA-Z\-0-9!#$%&'*+.|~]+$/;
/** What a header value may not hold: controls other than tab, and DEL. */
const HEADER_VALUE_FORBIDDEN = /[^\t\x20-\x7e\x80-\xff]/;

/** Why a configured header cannot be sent as is (node:http's checks and words), or undefined when it can. */
export function headerProblem(name: string, value: string): string | undefined {
  if (!HEADER_NAME.test(name)) return `Header name must be a valid HTTP token ["${name}"]`;
  if (HEADER_VALUE_FORBIDDEN.test(value)) return `Invalid character in header content ["${name}"]`;
  return undefined;
}

/** Methods whose requests always carry a length, even an empty one (as node:http frames them). */
const METHODS_WITH_BODY = new Set(['POST', 'PUT', 'PATCH']);

/** The request's bytes: request line, headers with Host and "Connection: close" added, then the body. */
export function encodeRequest(request: Http1Request): Buffer {
  let head = `${request.method} ${request.path} HTTP/1.1\r\n`;
  let hasHost = false;
  for (const name in request.headers) {
    head += `${name}: ${request.headers[name]}\r\n`;
    if (name.length === 4 && name.toLowerCase() === 'host') hasHost = true;
  }
  if (!hasHost) head += `Host: ${request.host}\r\n`;
  head += 'Connection: close\r\n';
  const body = request.body === undefined ? undefined : Buffer.from(request.body, 'utf8');
  if (body || METHODS_WITH_BODY.has(request.method)) head += `Content-Length: ${body?.length ?? 0}\r\n`;
  head += '\r\n';
  // Header values are latin1 on the wire, as node:http writes them.
  return body ? Buffer.concat([Buffer.from(head, 'latin1'), body]) : Buffer.from(head, 'latin1');
}

type Framing = { kind: 'none' } | { kind: 'length'; remaining: number } | { kind: 'close' } | { kind: 'chunked' };

const STATUS_LINE = /^HTTP\/1\.[01] ([1-9]\d\d)(?: |$)/;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const CHUNK_SIZE = /^([0-9A-Fa-f]+)[ \t]*(?:;.*)?$/;

function protocolError(detail: string): ProbeFailure {
  return new ProbeFailure('http_protocol', detail);
}

function connectionClosed(message: string): NodeJS.ErrnoException {
  // What node:http reports for a connection that ends early: classified as connection_reset.
  return Object.assign(new Error(message), { code: 'ECONNRESET' });
}

interface Head {
  status: number;
  location?: string;
  framing: Framing;
}

/** Parses a response head (without its final empty line); `noBody` for a response to HEAD. */
export function parseHead(text: string, noBody: boolean): Head {
  const lines = text.split('\r\n');
  const statusMatch = STATUS_LINE.exec(lines[0]!);
  if (!statusMatch) throw protocolError(`invalid status line ${JSON.stringify(lines[0]!.slice(0, 100))}`);
  const status = Number(statusMatch[1]);
  let location: string | undefined;
  let contentLength: string | undefined;
  let chunked: boolean | undefined;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon) : '';
    if (!TOKEN.test(name)) throw protocolError(`invalid header line ${JSON.stringify(line.slice(0, 100))}`);
    const value = line.slice(colon + 1).trim();
    switch (name.toLowerCase()) {
      case 'location':
        location = value;
        break;
      case 'content-length':
        if (!/^\d+$/.test(value) || (contentLength !== undefined && contentLength !== value)) throw protocolError(`invalid Content-Length ${JSON.stringify(value)}`);
        contentLength = value;
        break;
      case 'transfer-encoding':
        // The last coding decides; any other than chunked means the body runs to the close.
        chunked = /(?:^|,)\s*chunked\s*$/i.test(value);
        break;
    }
  }
  let framing: Framing;
  if (noBody || status < 200 || status === 204 || status === 304) framing = { kind: 'none' };
  else if (chunked !== undefined) framing = chunked ? { kind: 'chunked' } : { kind: 'close' };
  else if (contentLength !== undefined) framing = { kind: 'length', remaining: Number(contentLength) };
  else framing = { kind: 'close' };
  return { status, location, framing };
}

/**
 * Writes `request` on `socket` and resolves with the final response's head (interim 1xx responses skipped). The body
 * is read as it arrives, up to `bodyLimit` bytes; nothing past the end of the body is read. Errors and an early close
 * reject (before the head) or fail `body()` (after it). The caller destroys the socket.
 */
export function exchange(socket: Socket, request: Http1Request, options: { noBody: boolean; bodyLimit: number }): Promise<Http1Response> {
  return new Promise((resolve, reject) => {
    let pending: Buffer | undefined;
    let head: Head | undefined;
    const chunks: Buffer[] = [];
    let bytes = 0;
    /** Chunked bodies: bytes left in the current chunk, and where the decoder is. */
    let chunkLeft = 0;
    let chunkState: 'size' | 'data' | 'data-end' | 'trailers' = 'size';
    let outcome: { error?: unknown } | undefined;
    let waiter: { resolve: (body: { text: string; bytes: number }) => void; reject: (error: unknown) => void } | undefined;

    const bodyResult = () => ({ text: Buffer.concat(chunks, Math.min(bytes, options.bodyLimit)).toString('utf8'), bytes: Math.min(bytes, options.bodyLimit) });
    const settleBody = (error?: unknown) => {
      if (outcome) return;
      outcome = { error };
      socket.removeListener('data', onData);
      if (!waiter) return;
      if (error === undefined) waiter.resolve(bodyResult());
      else waiter.reject(error);
    };
    const fail = (error: unknown) => {
      if (outcome) return;
      if (head) settleBody(error);
      else {
        outcome = { error };
        socket.removeListener('data', onData);
        reject(error);
      }
    };
    const body = (): Promise<{ text: string; bytes: number }> => {
      if (!outcome) return new Promise((res, rej) => (waiter = { resolve: res, reject: rej }));
      return outcome.error === undefined ? Promise.resolve(bodyResult()) : Promise.reject(outcome.error);
    };
    const takeBody = (data: Buffer) => {
      if (bytes < options.bodyLimit) chunks.push(data);
      bytes += data.length;
      if (bytes >= options.bodyLimit) settleBody();
    };
    /** Consumes what it can of `data`; returns the bytes it could not use yet (an incomplete line). */
    const consume = (data: Buffer): Buffer | undefined => {
      while (!outcome) {
        if (!head) {
          const end = data.indexOf('\r\n\r\n');
          if (end < 0) {
            if (data.length > MAX_HEAD_BYTES) throw protocolError(`response head larger than ${MAX_HEAD_BYTES} bytes`);
            return data;
          }
          const parsed = parseHead(data.toString('latin1', 0, end), options.noBody);
          data = data.subarray(end + 4);
          // An interim response (100 Continue, 103 Early Hints): the final one follows.
          if (parsed.status < 200 && parsed.status !== 101) continue;
          head = parsed;
          resolve({ status: parsed.status, location: parsed.location, body });
          if (parsed.framing.kind === 'none') settleBody();
          continue;
        }
        const framing = head.framing;
        if (framing.kind === 'close') {
          if (data.length > 0) takeBody(data);
          return undefined;
        }
        if (framing.kind === 'length') {
          const part = data.subarray(0, framing.remaining);
          framing.remaining -= part.length;
          if (part.length > 0) takeBody(part);
          if (framing.remaining === 0) settleBody();
          return undefined;
        }
        // Chunked.
        if (chunkState === 'data') {
          const part = data.subarray(0, chunkLeft);
          chunkLeft -= part.length;
          data = data.subarray(part.length);
          if (part.length > 0) takeBody(part);
          if (chunkLeft > 0) return undefined;
          chunkState = 'data-end';
          continue;
        }
        const eol = data.indexOf('\r\n');
        if (eol < 0) {
          if (data.length > MAX_HEAD_BYTES) throw protocolError('chunk header or trailer line too long');
          return data;
        }
        const line = data.toString('latin1', 0, eol);
        data = data.subarray(eol + 2);
        if (chunkState === 'data-end') {
          if (line !== '') throw protocolError('chunk data longer than its size');
          chunkState = 'size';
        } else if (chunkState === 'trailers') {
          if (line === '') settleBody();
        } else {
          const size = CHUNK_SIZE.exec(line);
          if (!size || size[1]!.length > 12) throw protocolError(`invalid chunk size ${JSON.stringify(line.slice(0, 100))}`);
          chunkLeft = parseInt(size[1]!, 16);
          chunkState = chunkLeft === 0 ? 'trailers' : 'data';
        }
      }
      return undefined;
    };
    const onData = (chunk: Buffer) => {
      try {
        pending = consume(pending ? Buffer.concat([pending, chunk]) : chunk);
      } catch (error) {
        fail(error);
      }
    };
    socket.on('data', onData);
    socket.once('end', () => {
      if (head?.framing.kind === 'close') settleBody();
      else fail(connectionClosed(head ? 'the connection closed before the end of the body' : 'socket hang up'));
    });
    socket.once('close', () => fail(connectionClosed(head ? 'the connection closed before the end of the body' : 'socket hang up')));
    socket.once('error', fail);
    socket.write(encodeRequest(request));
  });
}
