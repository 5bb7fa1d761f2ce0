// gRPC's length-prefixed messages: a 1-byte compressed flag, a 4-byte big-endian length, then the message. Pure code,
// no I/O: the decoder takes HTTP/2 DATA chunks as they come, whatever their boundaries.

export const FRAME_HEADER_BYTES = 5;

/** One message as it goes on the wire, uncompressed (the agent announces identity encoding only). */
export function encodeFrame(message: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + message.length);
  frame[0] = 0;
  frame.writeUInt32BE(message.length, 1);
  frame.set(message, FRAME_HEADER_BYTES);
  return frame;
}

export type FrameProblem =
  | { kind: 'compressed' }
  | { kind: 'too_large'; bytes: number; max: number };

export class FrameError extends Error {
  constructor(readonly problem: FrameProblem) {
    super(problem.kind === 'compressed' ? 'Received a compressed message but no encoding was negotiated' : `Received message larger than max (${problem.bytes} vs. ${problem.max})`);
    this.name = 'FrameError';
  }
}

/**
 * Reassembles messages from chunks. A message is handed out once complete; its length is checked against
 * `maxMessageBytes` from the prefix, before any of it is buffered.
 */
export class FrameDecoder {
  private readonly header = Buffer.alloc(FRAME_HEADER_BYTES);
  private headerFilled = 0;
  /** Body parts of the message being read; `bodyMissing` bytes still to come. */
  private parts: Buffer[] = [];
  private bodyMissing = -1;
  private bodyLength = 0;

  constructor(private readonly maxMessageBytes: number) {}

  /** Bytes of an incomplete message held; 0 between messages. */
  get buffered(): number {
    return this.bodyMissing < 0 ? this.headerFilled : FRAME_HEADER_BYTES + this.bodyLength - this.bodyMissing;
  }

  /** The messages completed by `chunk`, in order. Throws FrameError on a message it must not accept. */
  push(chunk: Buffer): Buffer[] {
    const messages: Buffer[] = [];
    let offset = 0;
    while (offset < chunk.length || this.bodyMissing === 0) {
      if (this.bodyMissing < 0) {
        const take = Math.min(FRAME_HEADER_BYTES - this.headerFilled, chunk.length - offset);
        chunk.copy(this.header, this.headerFilled, offset, offset + take);
        this.headerFilled += take;
        offset += take;
        if (this.headerFilled < FRAME_HEADER_BYTES) break;
        this.startBody();
        continue;
      }
      const take = Math.min(this.bodyMissing, chunk.length - offset);
      if (take > 0) this.parts.push(chunk.subarray(offset, offset + take));
      offset += take;
      this.bodyMissing -= take;
      if (this.bodyMissing > 0) break;
      messages.push(this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.bodyLength));
      this.parts = [];
      this.bodyMissing = -1;
      this.headerFilled = 0;
    }
    return messages;
  }

  private startBody(): void {
    if (this.header[0] !== 0) throw new FrameError({ kind: 'compressed' });
    const length = this.header.readUInt32BE(1);
    if (length > this.maxMessageBytes) throw new FrameError({ kind: 'too_large', bytes: length, max: this.maxMessageBytes });
    this.bodyLength = length;
    this.bodyMissing = length;
  }
}
