// HTTP/2 frames (RFC 9113 section 4 and 6): the constants the client uses, writing a frame, and reading frames out of a
// byte stream whatever its chunk boundaries. Pure code, no I/O.

export const FrameType = {
  DATA: 0x0,
  HEADERS: 0x1,
  PRIORITY: 0x2,
  RST_STREAM: 0x3,
  SETTINGS: 0x4,
  PUSH_PROMISE: 0x5,
  PING: 0x6,
  GOAWAY: 0x7,
  WINDOW_UPDATE: 0x8,
  CONTINUATION: 0x9,
} as const;

export const Flags = {
  END_STREAM: 0x1,
  /** SETTINGS and PING */
  ACK: 0x1,
  END_HEADERS: 0x4,
  PADDED: 0x8,
  PRIORITY: 0x20,
} as const;

export const ErrorCode = {
  NO_ERROR: 0x0,
  PROTOCOL_ERROR: 0x1,
  INTERNAL_ERROR: 0x2,
  FLOW_CONTROL_ERROR: 0x3,
  SETTINGS_TIMEOUT: 0x4,
  STREAM_CLOSED: 0x5,
  FRAME_SIZE_ERROR: 0x6,
  REFUSED_STREAM: 0x7,
  CANCEL: 0x8,
  COMPRESSION_ERROR: 0x9,
  CONNECT_ERROR: 0xa,
  ENHANCE_YOUR_CALM: 0xb,
  INADEQUATE_SECURITY: 0xc,
  HTTP_1_1_REQUIRED: 0xd,
} as const;

export const Setting = {
  HEADER_TABLE_SIZE: 0x1,
  ENABLE_PUSH: 0x2,
  MAX_CONCURRENT_STREAMS: 0x3,
  INITIAL_WINDOW_SIZE: 0x4,
  MAX_FRAME_SIZE: 0x5,
  MAX_HEADER_LIST_SIZE: 0x6,
} as const;

/** What a client sends first, before its SETTINGS. */
export const CLIENT_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
export const FRAME_HEADER_BYTES = 9;
/** Flow-control windows and the largest frame payload until SETTINGS say otherwise. */
export const DEFAULT_WINDOW_BYTES = 65_535;
export const DEFAULT_MAX_FRAME_BYTES = 16_384;
export const MAX_WINDOW_BYTES = 2 ** 31 - 1;
export const MAX_FRAME_BYTES_LIMIT = 2 ** 24 - 1;

export interface Frame {
  type: number;
  flags: number;
  streamId: number;
  payload: Buffer;
}

/** A violation of the protocol by the peer: the connection ends with a GOAWAY carrying `code`. */
export class Http2ProtocolError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = 'Http2ProtocolError';
  }
}

const EMPTY = Buffer.alloc(0);

export function http2Frame(type: number, flags: number, streamId: number, payload: Uint8Array = EMPTY): Buffer {
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payload.length);
  frame.writeUIntBE(payload.length, 0, 3);
  frame[3] = type;
  frame[4] = flags;
  frame.writeUInt32BE(streamId, 5);
  frame.set(payload, FRAME_HEADER_BYTES);
  return frame;
}

/** SETTINGS with the given (identifier, value) pairs. */
export function settingsFrame(settings: readonly (readonly [number, number])[]): Buffer {
  const payload = Buffer.allocUnsafe(6 * settings.length);
  settings.forEach(([id, value], i) => {
    payload.writeUInt16BE(id, 6 * i);
    payload.writeUInt32BE(value, 6 * i + 2);
  });
  return http2Frame(FrameType.SETTINGS, 0, 0, payload);
}

export function uint32Frame(type: number, streamId: number, value: number): Buffer {
  const payload = Buffer.allocUnsafe(4);
  payload.writeUInt32BE(value, 0);
  return http2Frame(type, 0, streamId, payload);
}

export function goawayFrame(lastStreamId: number, code: number): Buffer {
  const payload = Buffer.allocUnsafe(8);
  payload.writeUInt32BE(lastStreamId, 0);
  payload.writeUInt32BE(code, 4);
  return http2Frame(FrameType.GOAWAY, 0, 0, payload);
}

/**
 * Splits a byte stream into frames. A frame longer than `maxFrameBytes` (this side's SETTINGS_MAX_FRAME_SIZE) is a
 * FRAME_SIZE_ERROR, raised before any of its payload is buffered.
 */
export class FrameReader {
  private buffered: Buffer = EMPTY;

  constructor(private readonly maxFrameBytes = DEFAULT_MAX_FRAME_BYTES) {}

  push(chunk: Buffer): Frame[] {
    let data = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    const frames: Frame[] = [];
    while (data.length >= FRAME_HEADER_BYTES) {
      const length = data.readUIntBE(0, 3);
      if (length > this.maxFrameBytes) throw new Http2ProtocolError(ErrorCode.FRAME_SIZE_ERROR, `frame of ${length} bytes, above the ${this.maxFrameBytes} allowed`);
      if (data.length < FRAME_HEADER_BYTES + length) break;
      frames.push({
        type: data[3]!,
        flags: data[4]!,
        streamId: data.readUInt32BE(5) & 0x7fff_ffff,
        payload: data.subarray(FRAME_HEADER_BYTES, FRAME_HEADER_BYTES + length),
      });
      data = data.subarray(FRAME_HEADER_BYTES + length);
    }
    // What is kept is at most one frame: copy it, so the chunk it came from can be freed.
    this.buffered = data.length === 0 ? EMPTY : Buffer.from(data);
    return frames;
  }
}

/**
 * A frame's payload without its padding (DATA, HEADERS with PADDED) and, for HEADERS with PRIORITY, without the
 * priority fields.
 */
export function framePayload(frame: Frame): Buffer {
  let { payload } = frame;
  if (frame.flags & Flags.PADDED) {
    if (payload.length < 1) throw new Http2ProtocolError(ErrorCode.FRAME_SIZE_ERROR, 'padded frame without a pad length');
    const padding = payload[0]!;
    if (padding >= payload.length) throw new Http2ProtocolError(ErrorCode.PROTOCOL_ERROR, 'padding longer than the frame');
    payload = payload.subarray(1, payload.length - padding);
  }
  if (frame.type === FrameType.HEADERS && frame.flags & Flags.PRIORITY) {
    if (payload.length < 5) throw new Http2ProtocolError(ErrorCode.FRAME_SIZE_ERROR, 'HEADERS too short for its priority fields');
    payload = payload.subarray(5);
  }
  return payload;
}
