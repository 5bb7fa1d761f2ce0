// One bidirectional-streaming gRPC call over its own HTTP/2 connection, with the events and methods of grpc-js's
// ClientDuplexStream that the sender uses: write() (false: wait for 'drain'), end(), cancel(); 'data' per message,
// then either 'end' (status OK) or 'error' (a GrpcStatusError), then 'status' and 'close'.
import { EventEmitter } from 'node:events';
import { Http2Connection, type ConnectionOptions } from './connection.js';
import { FrameDecoder, FrameError, encodeFrame } from './framing.js';
import { ErrorCode } from './http2-frames.js';
import { GrpcStatus, GrpcStatusError, statusFromHttp, statusFromMetadata, statusFromReset, type StatusObject } from './status.js';

/** gRPC's default receive limit. */
export const DEFAULT_MAX_RECEIVE_MESSAGE_BYTES = 4 * 1024 * 1024;

export interface BidiCallOptions<Request, Response> extends ConnectionOptions {
  /** /package.Service/Method */
  path: string;
  /** The :authority header (the host the call is for). */
  authority: string;
  userAgent: string;
  /** Custom metadata, e.g. authorization; lower-case ASCII keys. */
  metadata: Record<string, string>;
  serialize(message: Request): Uint8Array;
  deserialize(bytes: Buffer): Response;
  maxReceiveMessageBytes?: number;
}

export class BidiCall<Request, Response> extends EventEmitter {
  private readonly connection: Http2Connection;
  private readonly decoder: FrameDecoder;
  private httpStatus: number | undefined;
  /** The response is gRPC (HTTP 200, application/grpc): its body is messages. Otherwise the body is ignored. */
  private grpcResponse = false;
  /** grpc-status received (trailers, or the headers of a trailers-only response). */
  private received: StatusObject | undefined;
  private finished = false;

  constructor(private readonly options: BidiCallOptions<Request, Response>) {
    super();
    this.decoder = new FrameDecoder(options.maxReceiveMessageBytes ?? DEFAULT_MAX_RECEIVE_MESSAGE_BYTES);
    this.connection = new Http2Connection(
      options,
      [
        [':method', 'POST'],
        [':scheme', options.tls ? 'https' : 'http'],
        [':path', options.path],
        [':authority', options.authority],
        ...Object.entries(options.metadata),
        ['content-type', 'application/grpc'],
        ['te', 'trailers'],
        ['user-agent', options.userAgent],
        // Nothing but identity: the server then never compresses what it sends.
        ['grpc-accept-encoding', 'identity'],
      ],
      {
        onHeaders: (headers) => (this.httpStatus === undefined ? this.onResponseHeaders(headers) : this.onTrailers(headers)),
        onData: (chunk) => this.onData(chunk),
        onEnd: () => this.onEnd(),
        onClose: (rstCode) => this.onClose(rstCode),
        onDrain: () => this.emit('drain'),
      },
    );
  }

  /** Sends one message; false when the stream's buffer is full (wait for 'drain' or 'close'). Ignored once ended. */
  write(message: Request): boolean {
    if (this.finished) return true;
    return this.connection.write(encodeFrame(this.options.serialize(message)));
  }

  /** Half-closes: no more messages from this side; the server ends the call. */
  end(): void {
    if (!this.finished) this.connection.end();
  }

  /** Ends the call at once with CANCELLED, as grpc-js does. */
  cancel(): void {
    this.finish({ code: GrpcStatus.CANCELLED, details: 'Cancelled on client' });
  }

  private onResponseHeaders(headers: Record<string, string>): void {
    this.httpStatus = Number(headers[':status']);
    this.grpcResponse = this.httpStatus === 200 && String(headers['content-type'] ?? '').startsWith('application/grpc');
    // Trailers-only: the server answered with a status and nothing else (e.g. a refused token).
    this.received ??= statusFromMetadata(headers);
  }

  private onTrailers(trailers: Record<string, string>): void {
    this.received ??= statusFromMetadata(trailers) ?? this.statusWithoutGrpcStatus();
  }

  private onData(chunk: Buffer): void {
    if (this.finished || !this.grpcResponse) return;
    let messages: Buffer[];
    try {
      messages = this.decoder.push(chunk);
    } catch (error) {
      const tooLarge = error instanceof FrameError && error.problem.kind === 'too_large';
      this.finish({ code: tooLarge ? GrpcStatus.RESOURCE_EXHAUSTED : GrpcStatus.INTERNAL, details: (error as Error).message });
      return;
    }
    for (const bytes of messages) {
      let message: Response;
      try {
        message = this.options.deserialize(bytes);
      } catch (error) {
        this.finish({ code: GrpcStatus.INTERNAL, details: `Response message parsing error: ${(error as Error).message}` });
        return;
      }
      this.emit('data', message);
      if (this.finished) return;
    }
  }

  /** The server's END_STREAM: after trailers (or a trailers-only answer) the call is over. */
  private onEnd(): void {
    if (!this.received) return; // no status: 'close' follows and tells what happened
    const truncated = this.received.code === GrpcStatus.OK && this.decoder.buffered > 0;
    this.finish(truncated ? { code: GrpcStatus.INTERNAL, details: 'Stream ended inside a message' } : this.received);
  }

  /**
   * The stream ended without a status from its END_STREAM: the connection lost, reset (by its code, as grpc-js maps
   * them), or ended cleanly without grpc-status (by the HTTP status).
   */
  private onClose(rstCode: number | undefined): void {
    if (this.received) return this.finish(this.received);
    const lost = this.connection.lossReason();
    const clean = rstCode === undefined || rstCode === ErrorCode.NO_ERROR;
    if (lost === undefined && clean && this.httpStatus !== undefined) return this.finish(this.statusWithoutGrpcStatus());
    this.finish(statusFromReset(rstCode, lost));
  }

  /** The server ended the stream without a grpc-status. */
  private statusWithoutGrpcStatus(): StatusObject {
    if (this.httpStatus !== undefined && this.httpStatus !== 200) return statusFromHttp(this.httpStatus);
    return { code: GrpcStatus.UNKNOWN, details: 'No status received' };
  }

  private finish(status: StatusObject): void {
    if (this.finished) return;
    this.finished = true;
    // One call per connection: it goes with the call.
    this.connection.close(status.code === GrpcStatus.OK ? ErrorCode.NO_ERROR : ErrorCode.CANCEL);
    if (status.code === GrpcStatus.OK) this.emit('end');
    else if (this.listenerCount('error') > 0) this.emit('error', new GrpcStatusError(status));
    this.emit('status', status);
    this.emit('close');
  }
}
