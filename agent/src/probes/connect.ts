// Connection plumbing shared by the HTTP and TCP probes: abort wiring, TCP/TLS connect with the
// peer certificate captured even when it fails verification, and error classification.
import { readFile } from 'node:fs/promises';
import { Socket, connect as netConnect } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { ipVersion, tlsModule } from '../builtins.js';
import { ProbeFailure, RunSignal, type FailureReason, type ProbeContext } from './probe.types.js';

/** Runs `fn` once when `signal` aborts (at once if it already has); returns the unsubscribe. */
export function onAbort(signal: AbortSignal | RunSignal, fn: () => void): () => void {
  if (signal instanceof RunSignal) return signal.onAbort(fn);
  if (signal.aborted) {
    fn();
    return () => undefined;
  }
  signal.addEventListener('abort', fn, { once: true });
  return () => signal.removeEventListener('abort', fn);
}

const CODE_REASONS: Record<string, FailureReason> = {
  ECONNREFUSED: 'connection_refused',
  ECONNRESET: 'connection_reset',
  EPIPE: 'connection_reset',
  ENOTFOUND: 'resolve',
  EAI_AGAIN: 'resolve',
  EAI_FAIL: 'resolve',
  EAI_NONAME: 'resolve',
  EHOSTUNREACH: 'unreachable',
  ENETUNREACH: 'unreachable',
  EHOSTDOWN: 'unreachable',
  EADDRNOTAVAIL: 'unreachable',
  ETIMEDOUT: 'unreachable',
  EPROTO: 'tls',
};

/** Maps any thrown value to a bounded reason plus a human-readable detail. */
export function classifyError(err: unknown): { reason: FailureReason; detail: string } {
  if (err instanceof ProbeFailure) return { reason: err.reason, detail: err.detail };
  // Happy-eyeballs connects fail with an AggregateError of the per-address errors.
  const first = err instanceof AggregateError && err.errors.length > 0 ? err.errors[0] : err;
  const code = (first as NodeJS.ErrnoException | undefined)?.code ?? '';
  const detail = (first as Error | undefined)?.message || String(first);
  const reason = CODE_REASONS[code] ?? (code.startsWith('HPE_') ? 'http_protocol' : code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_') ? 'tls' : 'error');
  return { reason, detail: code && !detail.includes(code) ? `${code}: ${detail}` : detail };
}

export interface TlsOptions {
  verify: boolean;
  ca?: Buffer;
  /** SNI and certificate host name; defaults to the host unless it is an IP address. */
  servername?: string;
}

export interface ConnectOptions {
  host: string;
  port: number;
  tls?: TlsOptions;
}

/** Reads a PEM CA file for one run; a failure is the probe's failure, not a crash. */
export async function readCa(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    throw new ProbeFailure('ca_unreadable', `cannot read CA file ${path}: ${(err as Error).message}`);
  }
}

/**
 * Opens a TCP (optionally TLS) connection. The socket is destroyed when ctx.signal aborts, for its
 * whole life, so nothing outlives a timed-out run. TLS verification is done here rather than by
 * `rejectUnauthorized`, so the certificate's expiry is recorded even when it is not trusted.
 */
export function openConnection(options: ConnectOptions, ctx: ProbeContext): Promise<Socket> {
  return new Promise<Socket>((resolve, reject) => {
    const { host, port, tls } = options;
    const socket: Socket = tls
      ? tlsModule().connect({ host, port, servername: tls.servername ?? (ipVersion(host) ? undefined : host), rejectUnauthorized: false, ca: tls.ca })
      : netConnect({ host, port });
    let settled = false;
    const fail = (err: unknown) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      reject(err);
    };
    const unsubscribe = onAbort(ctx.signal, () => {
      socket.destroy();
      // Every finished run aborts its signal too: an error (and its stack trace) only while still connecting.
      if (!settled) fail(new ProbeFailure('timeout', 'aborted while connecting'));
    });
    socket.once('close', unsubscribe);
    // Kept for the socket's life: a late error on a socket nobody reads must never crash the agent.
    socket.on('error', fail);
    socket.once(tls ? 'secureConnect' : 'connect', () => {
      if (tls) {
        const tlsSocket = socket as TLSSocket;
        const notAfter = Date.parse(tlsSocket.getPeerCertificate()?.valid_to ?? '');
        if (Number.isFinite(notAfter)) ctx.facts.certNotAfterMs = notAfter;
        if (tls.verify && !tlsSocket.authorized) {
          fail(new ProbeFailure('tls_verify', `certificate of ${host}:${port} not accepted: ${String(tlsSocket.authorizationError)}`));
          return;
        }
      }
      if (settled) return;
      settled = true;
      resolve(socket);
    });
  });
}

/**
 * Collects data from `stream` until `found(text)` holds, the stream ends, or `limit` bytes arrived.
 * Without `found` nothing is decoded until the end, so large bodies are copied once.
 */
export function readUntil(
  stream: NodeJS.ReadableStream,
  limit: number,
  found?: (text: string) => boolean,
): Promise<{ text: string; found: boolean; bytes: number }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    let settled = false;
    const decode = () => Buffer.concat(chunks, Math.min(bytes, limit)).toString('utf8');
    const finish = (err?: unknown, text = decode(), hit = false) => {
      if (settled) return;
      settled = true;
      stream.removeListener('data', onData);
      if (err !== undefined) reject(err);
      else resolve({ text, found: hit, bytes: Math.min(bytes, limit) });
    };
    const onData = (chunk: Buffer | string) => {
      const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      chunks.push(buffer);
      bytes += buffer.length;
      if (found) {
        const text = decode();
        if (found(text)) return finish(undefined, text, true);
      }
      if (bytes >= limit) finish();
    };
    stream.on('data', onData);
    stream.once('end', () => finish());
    stream.once('close', () => finish());
    stream.once('error', (err) => finish(err));
  });
}
