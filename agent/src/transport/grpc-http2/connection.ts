// One HTTP/2 connection carrying one request stream (a gRPC call): h2c for plaintext, TLS with ALPN h2 otherwise
// (optionally with a client certificate), and keepalive pings that find a dead peer (half-open TCP) without waiting
// for kernel timeouts. The protocol is written here on a `net` or `tls` socket, not taken from `node:http2`: that
// module loads `tls` and `crypto` with it and costs an agent without TLS about 3 MiB of resident memory (issue 14,
// docs/agent.md Footprint, ninth pass). `tls` itself is loaded only when a connection uses it.
import { connect as netConnect, type Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { ipVersion, tlsModule } from '../../builtins.js';
import { HpackDecoder, HpackError, encodeHeaderBlock, type HeaderList } from './hpack.js';
import {
  CLIENT_PREFACE,
  DEFAULT_MAX_FRAME_BYTES,
  DEFAULT_WINDOW_BYTES,
  ErrorCode,
  FrameReader,
  FrameType,
  Flags,
  Http2ProtocolError,
  MAX_FRAME_BYTES_LIMIT,
  MAX_WINDOW_BYTES,
  Setting,
  framePayload,
  goawayFrame,
  http2Frame,
  settingsFrame,
  uint32Frame,
  type Frame,
} from './http2-frames.js';

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

/** What the connection's one stream reports. No call comes after `onClose`, nor after `close()`. */
export interface StreamHandler {
  /** A header block: the response's headers, later its trailers (a trailers-only response: headers with endStream). */
  onHeaders(headers: Record<string, string>, endStream: boolean): void;
  onData(chunk: Buffer): void;
  /** The server's END_STREAM, after its last DATA or its trailers; `onClose` follows unless the handler closes. */
  onEnd(): void;
  /** The stream is over without a clean end: reset by the server (`rstCode`), or the connection failed (`lossReason`). */
  onClose(rstCode: number | undefined): void;
  /** What `write` buffered has gone out. */
  onDrain(): void;
}

const STREAM_ID = 1;
/** Frames about a stream; on any other stream than this client's one they break the protocol. */
const STREAM_FRAME_TYPES = new Set<number>([FrameType.DATA, FrameType.HEADERS, FrameType.RST_STREAM, FrameType.WINDOW_UPDATE, FrameType.CONTINUATION]);
/** `write` asks to wait above this many bytes not yet handed to the kernel (Node's stream default). */
const HIGH_WATER_MARK = 16 * 1024;
/** Received bytes are granted back (WINDOW_UPDATE) once half the window is used. */
const WINDOW_REFILL_BYTES = DEFAULT_WINDOW_BYTES >> 1;
/** Bounds one header block (HEADERS and its CONTINUATIONs) and its decoded fields. */
const MAX_HEADER_BLOCK_BYTES = 64 * 1024;
const MAX_HEADER_LIST_BYTES = 64 * 1024;

/**
 * The client side of one HTTP/2 connection with one request stream (id 1), opened at once: the request's HEADERS go
 * out with the connection preface. Errors never throw: they become `lossReason`, and the stream ends with `onClose`.
 */
export class Http2Connection {
  private readonly socket: Socket;
  private readonly reader = new FrameReader(DEFAULT_MAX_FRAME_BYTES);
  private readonly decoder = new HpackDecoder(4096, MAX_HEADER_LIST_BYTES);
  private lost: string | undefined;
  private connected = false;
  private closed = false;
  private settingsReceived = false;
  /** A header block split over HEADERS and CONTINUATION frames, until END_HEADERS. */
  private headerBlock: { streamId: number; endStream: boolean; parts: Buffer[]; bytes: number } | undefined;
  private responseStarted = false;
  private remoteEnded = false;
  private localEnding = false;
  private localEnded = false;
  /** Send windows (the peer's receive windows), and the peer's frame size limit. */
  private connectionSendWindow = DEFAULT_WINDOW_BYTES;
  private streamSendWindow = DEFAULT_WINDOW_BYTES;
  private peerInitialWindow = DEFAULT_WINDOW_BYTES;
  private peerMaxFrameBytes = DEFAULT_MAX_FRAME_BYTES;
  /** Bytes received and not yet granted back, per connection and stream. */
  private connectionUnacked = 0;
  private streamUnacked = 0;
  private readonly pending: Buffer[] = [];
  private pendingBytes = 0;
  private needDrain = false;
  private keepaliveTimer: NodeJS.Timeout | undefined;
  private pingsSent = 0;
  private awaitedPing: Buffer | undefined;

  constructor(
    private readonly options: ConnectionOptions,
    request: HeaderList,
    private readonly handler: StreamHandler,
  ) {
    this.socket = dial(options.host, options.port, options.tls);
    this.socket.on(options.tls ? 'secureConnect' : 'connect', () => this.onConnect());
    this.socket.on('data', (chunk: Buffer) => this.onSocketData(chunk));
    this.socket.on('drain', () => this.flush());
    this.socket.on('error', (error: Error) => this.fail(error.message));
    this.socket.on('close', () => this.fail('Connection closed'));
    // No server push; this side's other settings are the protocol's defaults.
    this.socket.write(Buffer.concat([CLIENT_PREFACE, settingsFrame([[Setting.ENABLE_PUSH, 0]]), ...this.headersFrames(request)]));
  }

  /**
   * Why the connection is gone (or going), undefined while it is usable.
   */
  lossReason(): string | undefined {
    return this.lost;
  }

  /** Sends `chunk` as DATA as flow control allows; false when it had to buffer (wait for `onDrain`). */
  write(chunk: Buffer): boolean {
    if (this.closed || this.localEnding) return true;
    if (chunk.length > 0) {
      this.pending.push(chunk);
      this.pendingBytes += chunk.length;
      this.flush();
    }
    const ok = this.pendingBytes + this.socket.writableLength < HIGH_WATER_MARK;
    if (!ok) this.needDrain = true;
    return ok;
  }

  /** Half-closes the stream once what was written has gone out. */
  end(): void {
    if (this.closed || this.localEnding) return;
    this.localEnding = true;
    this.flush();
  }

  /** Closes the connection at once, resetting the stream with `rstCode` if it is still open. Idempotent. */
  close(rstCode?: number): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.keepaliveTimer);
    if (rstCode !== undefined && !(this.remoteEnded && this.localEnded) && this.connected && !this.socket.destroyed) {
      this.socket.write(uint32Frame(FrameType.RST_STREAM, STREAM_ID, rstCode));
    }
    this.socket.destroy();
  }

  private onConnect(): void {
    const { tls: tlsOptions } = this.options;
    if (tlsOptions && (this.socket as TLSSocket).alpnProtocol !== 'h2') {
      this.fail('the server did not negotiate HTTP/2 (ALPN h2)');
      return;
    }
    this.connected = true;
    this.scheduleKeepalive();
  }

  private onSocketData(chunk: Buffer): void {
    if (this.closed) return;
    try {
      for (const frame of this.reader.push(chunk)) {
        this.onFrame(frame);
        if (this.closed) return;
      }
    } catch (error) {
      if (!(error instanceof Http2ProtocolError || error instanceof HpackError)) throw error;
      const code = error instanceof HpackError ? ErrorCode.COMPRESSION_ERROR : error.code;
      if (!this.socket.destroyed) this.socket.write(goawayFrame(0, code));
      this.fail(`protocol error: ${error.message}`);
    }
  }

  private onFrame(frame: Frame): void {
    if (!this.settingsReceived && frame.type !== FrameType.SETTINGS) throw protocolError('the server did not start with SETTINGS');
    if (this.headerBlock && frame.type !== FrameType.CONTINUATION) throw protocolError('a header block interrupted by another frame');
    if (frame.streamId > STREAM_ID && STREAM_FRAME_TYPES.has(frame.type)) {
      throw protocolError(`a frame (type ${frame.type}) on stream ${frame.streamId}, which this client never opened`);
    }
    switch (frame.type) {
      case FrameType.DATA:
        return this.onDataFrame(frame);
      case FrameType.HEADERS:
        return this.onHeadersFrame(frame);
      case FrameType.CONTINUATION:
        return this.onContinuation(frame);
      case FrameType.RST_STREAM:
        if (frame.streamId === 0 || frame.payload.length !== 4) throw protocolError('malformed RST_STREAM');
        return this.endStream(frame.payload.readUInt32BE(0));
      case FrameType.SETTINGS:
        return this.onSettings(frame);
      case FrameType.PING:
        return this.onPing(frame);
      case FrameType.GOAWAY:
        return this.onGoaway(frame);
      case FrameType.WINDOW_UPDATE:
        return this.onWindowUpdate(frame);
      case FrameType.PUSH_PROMISE:
        throw protocolError('PUSH_PROMISE although push is disabled');
      default:
        return; // PRIORITY, and frame types this side does not know, are ignored
    }
  }

  private onDataFrame(frame: Frame): void {
    if (frame.streamId === 0) throw protocolError('DATA on stream 0');
    const length = frame.payload.length;
    // Padding counts against the window too.
    this.connectionUnacked += length;
    if (this.connectionUnacked > DEFAULT_WINDOW_BYTES) throw new Http2ProtocolError(ErrorCode.FLOW_CONTROL_ERROR, 'DATA beyond the connection window');
    if (this.remoteEnded) throw new Http2ProtocolError(ErrorCode.STREAM_CLOSED, 'DATA after the end of the stream');
    this.streamUnacked += length;
    if (this.streamUnacked > DEFAULT_WINDOW_BYTES) throw new Http2ProtocolError(ErrorCode.FLOW_CONTROL_ERROR, 'DATA beyond the stream window');
    const data = framePayload(frame);
    const endStream = (frame.flags & Flags.END_STREAM) !== 0;
    this.grantWindow(endStream);
    if (data.length > 0) this.handler.onData(data);
    if (endStream && !this.closed) this.remoteEnd();
  }

  /** Grants received bytes back once half a window is used (the stream's only while it still receives). */
  private grantWindow(streamEnded: boolean): void {
    const frames: Buffer[] = [];
    if (this.connectionUnacked >= WINDOW_REFILL_BYTES) {
      frames.push(uint32Frame(FrameType.WINDOW_UPDATE, 0, this.connectionUnacked));
      this.connectionUnacked = 0;
    }
    if (this.streamUnacked >= WINDOW_REFILL_BYTES && !streamEnded) {
      frames.push(uint32Frame(FrameType.WINDOW_UPDATE, STREAM_ID, this.streamUnacked));
      this.streamUnacked = 0;
    }
    if (frames.length > 0) this.socket.write(frames.length === 1 ? frames[0]! : Buffer.concat(frames));
  }

  private onHeadersFrame(frame: Frame): void {
    if (frame.streamId === 0) throw protocolError('HEADERS on stream 0');
    const fragment = framePayload(frame);
    this.headerBlock = { streamId: frame.streamId, endStream: (frame.flags & Flags.END_STREAM) !== 0, parts: [fragment], bytes: fragment.length };
    if (frame.flags & Flags.END_HEADERS) this.onHeaderBlock();
  }

  private onContinuation(frame: Frame): void {
    const block = this.headerBlock;
    if (!block || block.streamId !== frame.streamId) throw protocolError('CONTINUATION without its HEADERS');
    block.parts.push(frame.payload);
    block.bytes += frame.payload.length;
    if (block.bytes > MAX_HEADER_BLOCK_BYTES) throw new Http2ProtocolError(ErrorCode.ENHANCE_YOUR_CALM, `header block above ${MAX_HEADER_BLOCK_BYTES} bytes`);
    if (frame.flags & Flags.END_HEADERS) this.onHeaderBlock();
  }

  private onHeaderBlock(): void {
    const { parts, endStream } = this.headerBlock!;
    this.headerBlock = undefined;
    // Decoded even when the stream no longer listens: the dynamic table must follow every block.
    const fields = this.decoder.decode(parts.length === 1 ? parts[0]! : Buffer.concat(parts));
    if (this.remoteEnded) throw new Http2ProtocolError(ErrorCode.STREAM_CLOSED, 'HEADERS after the end of the stream');
    const headers: Record<string, string> = {};
    for (const [name, value] of fields) headers[name] ??= value;
    // An informational (1xx) response comes before the real one.
    if (!endStream && /^1\d\d$/.test(headers[':status'] ?? '')) return;
    if (this.responseStarted && !endStream) throw protocolError('trailers without END_STREAM');
    this.responseStarted = true;
    this.handler.onHeaders(headers, endStream);
    if (endStream && !this.closed) this.remoteEnd();
  }

  private onSettings(frame: Frame): void {
    if (frame.streamId !== 0) throw protocolError('SETTINGS on a stream');
    if (frame.flags & Flags.ACK) {
      if (frame.payload.length !== 0) throw new Http2ProtocolError(ErrorCode.FRAME_SIZE_ERROR, 'SETTINGS acknowledgement with a payload');
      return;
    }
    if (frame.payload.length % 6 !== 0) throw new Http2ProtocolError(ErrorCode.FRAME_SIZE_ERROR, 'SETTINGS of a length not a multiple of 6');
    this.settingsReceived = true;
    for (let offset = 0; offset < frame.payload.length; offset += 6) {
      const id = frame.payload.readUInt16BE(offset);
      const value = frame.payload.readUInt32BE(offset + 2);
      if (id === Setting.INITIAL_WINDOW_SIZE) {
        if (value > MAX_WINDOW_BYTES) throw new Http2ProtocolError(ErrorCode.FLOW_CONTROL_ERROR, `initial window size ${value}`);
        // Applies to the open stream as a change of its window, which may go negative (RFC 9113 6.9.2).
        this.streamSendWindow += value - this.peerInitialWindow;
        this.peerInitialWindow = value;
      } else if (id === Setting.MAX_FRAME_SIZE) {
        if (value < DEFAULT_MAX_FRAME_BYTES || value > MAX_FRAME_BYTES_LIMIT) throw protocolError(`max frame size ${value}`);
        this.peerMaxFrameBytes = value;
      } else if (id === Setting.ENABLE_PUSH && value > 1) {
        throw protocolError(`enable push ${value}`);
      }
      // HEADER_TABLE_SIZE limits the encoder's table, which it never uses; the others do not concern one stream.
    }
    this.socket.write(http2Frame(FrameType.SETTINGS, Flags.ACK, 0));
    this.flush();
  }

  private onPing(frame: Frame): void {
    if (frame.streamId !== 0) throw protocolError('PING on a stream');
    if (frame.payload.length !== 8) throw new Http2ProtocolError(ErrorCode.FRAME_SIZE_ERROR, 'PING payload not 8 bytes');
    if (!(frame.flags & Flags.ACK)) {
      this.socket.write(http2Frame(FrameType.PING, Flags.ACK, 0, frame.payload));
    } else if (this.awaitedPing?.equals(frame.payload)) {
      this.awaitedPing = undefined;
      clearTimeout(this.keepaliveTimer);
      this.scheduleKeepalive();
    }
  }

  private onGoaway(frame: Frame): void {
    if (frame.streamId !== 0 || frame.payload.length < 8) throw protocolError('malformed GOAWAY');
    const lastStreamId = frame.payload.readUInt32BE(0) & 0x7fff_ffff;
    const code = frame.payload.readUInt32BE(4);
    this.markLost(`Received GOAWAY with code ${code}`);
    // A graceful GOAWAY that covers the stream lets it finish; otherwise it is over now.
    if (code !== ErrorCode.NO_ERROR || lastStreamId < STREAM_ID) this.fail('GOAWAY');
  }

  private onWindowUpdate(frame: Frame): void {
    if (frame.payload.length !== 4) throw new Http2ProtocolError(ErrorCode.FRAME_SIZE_ERROR, 'WINDOW_UPDATE payload not 4 bytes');
    const increment = frame.payload.readUInt32BE(0) & 0x7fff_ffff;
    if (increment === 0) throw protocolError('WINDOW_UPDATE of 0');
    if (frame.streamId === 0) this.connectionSendWindow += increment;
    else this.streamSendWindow += increment;
    if (Math.max(this.connectionSendWindow, this.streamSendWindow) > MAX_WINDOW_BYTES) throw new Http2ProtocolError(ErrorCode.FLOW_CONTROL_ERROR, 'window above 2^31-1');
    this.flush();
  }

  /** Sends buffered DATA as far as the windows allow, then END_STREAM once asked and all is out. */
  private flush(): void {
    if (this.closed) return;
    if (!this.localEnded) this.sendPending();
    if (this.needDrain && this.pendingBytes + this.socket.writableLength < HIGH_WATER_MARK) {
      this.needDrain = false;
      this.handler.onDrain();
    }
  }

  private sendPending(): void {
    const frames: Buffer[] = [];
    while (this.pending.length > 0) {
      const room = Math.min(this.connectionSendWindow, this.streamSendWindow, this.peerMaxFrameBytes);
      if (room <= 0) break;
      const chunk = this.pending[0]!;
      const take = Math.min(room, chunk.length);
      if (take === chunk.length) this.pending.shift();
      else this.pending[0] = chunk.subarray(take);
      this.pendingBytes -= take;
      this.connectionSendWindow -= take;
      this.streamSendWindow -= take;
      const last = this.localEnding && this.pendingBytes === 0;
      frames.push(http2Frame(FrameType.DATA, last ? Flags.END_STREAM : 0, STREAM_ID, chunk.subarray(0, take)));
      if (last) this.localEnded = true;
    }
    if (this.localEnding && !this.localEnded && this.pendingBytes === 0) {
      frames.push(http2Frame(FrameType.DATA, Flags.END_STREAM, STREAM_ID));
      this.localEnded = true;
    }
    if (frames.length > 0) this.socket.write(frames.length === 1 ? frames[0]! : Buffer.concat(frames));
  }

  private remoteEnd(): void {
    this.remoteEnded = true;
    this.handler.onEnd();
    if (!this.closed) this.endStream(undefined);
  }

  /** The stream is over: tells the handler once, and goes (one stream per connection). */
  private endStream(rstCode: number | undefined): void {
    if (this.closed) return;
    this.close();
    this.handler.onClose(rstCode);
  }

  /** The connection failed: it says why, and the stream ends with it. */
  private fail(why: string): void {
    this.markLost(why);
    this.endStream(undefined);
  }

  private markLost(why: string): void {
    // The first reason is the real one; what follows (close after error) is its consequence.
    this.lost ??= this.connected ? `Connection dropped: ${why}` : `No connection established: ${why}`;
  }

  private headersFrames(request: HeaderList): Buffer[] {
    const block = encodeHeaderBlock(request);
    const frames: Buffer[] = [];
    for (let offset = 0; offset === 0 || offset < block.length; offset += DEFAULT_MAX_FRAME_BYTES) {
      const fragment = block.subarray(offset, offset + DEFAULT_MAX_FRAME_BYTES);
      const endHeaders = offset + DEFAULT_MAX_FRAME_BYTES >= block.length ? Flags.END_HEADERS : 0;
      frames.push(http2Frame(offset === 0 ? FrameType.HEADERS : FrameType.CONTINUATION, endHeaders, STREAM_ID, fragment));
    }
    return frames;
  }

  private scheduleKeepalive(): void {
    const { timeMs, timeoutMs } = this.options.keepalive;
    this.keepaliveTimer = setTimeout(() => {
      if (this.closed) return;
      const payload = Buffer.alloc(8);
      payload.writeUInt32BE(++this.pingsSent, 4);
      this.awaitedPing = payload;
      this.socket.write(http2Frame(FrameType.PING, 0, 0, payload));
      this.keepaliveTimer = setTimeout(() => this.fail('keepalive ping not answered in time'), timeoutMs);
      this.keepaliveTimer.unref();
    }, timeMs);
    this.keepaliveTimer.unref();
  }
}

function protocolError(message: string): Http2ProtocolError {
  return new Http2ProtocolError(ErrorCode.PROTOCOL_ERROR, message);
}

function dial(host: string, port: number, tlsOptions: TlsOptions | undefined): Socket {
  if (!tlsOptions) return netConnect({ host, port });
  const { ca, cert, key, verifyName } = tlsOptions;
  const { connect, checkServerIdentity } = tlsModule();
  return connect({
    host,
    port,
    ca,
    cert,
    key,
    ALPNProtocols: ['h2'],
    // SNI carries host names only (RFC 6066); the certificate is checked against verifyName either way.
    ...(ipVersion(verifyName) ? {} : { servername: verifyName }),
    checkServerIdentity: (_host, certificate) => checkServerIdentity(verifyName, certificate),
  });
}
