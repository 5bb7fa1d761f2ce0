// One HTTP/2 connection to a gRPC server: h2c for plaintext, TLS with ALPN h2 otherwise (optionally with a client
// certificate), and keepalive pings that find a dead peer (half-open TCP) without waiting for kernel timeouts.
import { connect as http2Connect, constants, type ClientHttp2Session } from 'node:http2';
import { connect as netConnect, isIP, type Socket } from 'node:net';
import { checkServerIdentity, connect as tlsConnect } from 'node:tls';

export interface TlsOptions {
  /** Trusted CAs (PEM); Node's default roots when absent. */
  ca?: Buffer;
  /** Client certificate and key, for mutual TLS. */
  cert?: Buffer;
  key?: Buffer;
  /** The name the server's certificate must carry (and the SNI, unless it is an IP address). */
  verifyName: string;
}

export interface KeepaliveOptions {
  /** A ping goes out this long after the previous one was answered (and after connecting). */
  timeMs: number;
  /** Without its answer within this, the connection counts as dead and is closed. */
  timeoutMs: number;
}

export interface ConnectionOptions {
  /** Host name or IP address (IPv6 without brackets) and port to dial. */
  host: string;
  port: number;
  /** Absent: plaintext HTTP/2 (h2c, prior knowledge). */
  tls?: TlsOptions;
  keepalive: KeepaliveOptions;
}

/**
 * A client session and why it failed, once it did. Errors of the session never throw: they become `lostReason`,
 * which the streams on it report as UNAVAILABLE.
 */
export class Http2Connection {
  readonly session: ClientHttp2Session;
  private lost: string | undefined;
  private connected = false;
  private keepaliveTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: ConnectionOptions) {
    // The socket is made here from host and port as given (no URL parsing of the address); the URL only gives
    // :scheme, the call sets :authority itself.
    this.session = http2Connect(options.tls ? 'https://localhost' : 'http://localhost', {
      settings: { enablePush: false },
      createConnection: () => dial(options.host, options.port, options.tls),
    });
    this.session.on('connect', () => {
      this.connected = true;
      this.scheduleKeepalive();
    });
    this.session.on('error', (error: Error) => this.markLost(error.message));
    this.session.on('goaway', (errorCode: number) => this.markLost(`Received GOAWAY with code ${errorCode}`));
    this.session.on('close', () => {
      this.markLost('Connection closed');
      clearTimeout(this.keepaliveTimer);
    });
  }

  /**
   * Why the connection is gone (or going), undefined while it is usable. A stream on a failing connection often
   * learns of it first: its error (`streamError`) then says why.
   */
  lossReason(streamError?: Error): string | undefined {
    if (this.lost === undefined && (this.session.destroyed || this.session.closed)) {
      // A stream pending when the connection failed is cancelled with the connection's error as its cause.
      const cause = streamError?.cause instanceof Error ? streamError.cause : streamError;
      this.markLost(cause?.message ?? 'Connection closed');
    }
    return this.lost;
  }

  /** Closes the connection at once; streams still open on it end UNAVAILABLE. Idempotent. */
  close(): void {
    clearTimeout(this.keepaliveTimer);
    if (!this.session.destroyed) this.session.destroy();
  }

  private markLost(why: string): void {
    // The first reason is the real one; what follows (close after error) is its consequence.
    this.lost ??= this.connected ? `Connection dropped: ${why}` : `No connection established: ${why}`;
  }

  private scheduleKeepalive(): void {
    const { timeMs, timeoutMs } = this.options.keepalive;
    this.keepaliveTimer = setTimeout(() => {
      if (this.session.destroyed || this.session.closed) return;
      this.keepaliveTimer = setTimeout(() => {
        this.markLost('keepalive ping not answered in time');
        this.close();
      }, timeoutMs);
      this.keepaliveTimer.unref();
      try {
        this.session.ping((error) => {
          if (error) return; // the session is going away; its own events say why
          clearTimeout(this.keepaliveTimer);
          this.scheduleKeepalive();
        });
      } catch {
        // Too many unanswered pings: the timeout above closes the connection.
      }
    }, timeMs);
    this.keepaliveTimer.unref();
  }
}

function dial(host: string, port: number, tls: TlsOptions | undefined): Socket {
  if (!tls) return netConnect({ host, port });
  const { ca, cert, key, verifyName } = tls;
  return tlsConnect({
    host,
    port,
    ca,
    cert,
    key,
    ALPNProtocols: ['h2'],
    // SNI carries host names only (RFC 6066); the certificate is checked against verifyName either way.
    ...(isIP(verifyName) ? {} : { servername: verifyName }),
    checkServerIdentity: (_host, certificate) => checkServerIdentity(verifyName, certificate),
  });
}

export const RST_CANCEL = constants.NGHTTP2_CANCEL;
export const RST_NO_ERROR = constants.NGHTTP2_NO_ERROR;
