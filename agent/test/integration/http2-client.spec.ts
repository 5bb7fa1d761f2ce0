// The agent's own HTTP/2 client (transport/grpc-http2/connection.ts) below the gRPC layer, against servers on
// 127.0.0.1 that do what grpc-js does not do on its own: a scripted server writing frames by hand (bytes one at a
// time, padding, CONTINUATION, 1xx responses, unknown frame types, pings, small flow-control windows, resets, GOAWAY,
// protocol violations), and Node's own HTTP/2 server (nghttp2), whose HPACK encoder Huffman-codes and indexes what it
// sends. test/integration/grpc-http2.spec.ts runs the same client against a grpc-js server.
import { once } from 'node:events';
import { createServer as createHttp2Server, type Http2Server, type ServerHttp2Stream } from 'node:http2';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { BidiCall } from '../../src/transport/grpc-http2/bidi-call.js';
import { Http2Connection } from '../../src/transport/grpc-http2/connection.js';
import { encodeFrame } from '../../src/transport/grpc-http2/framing.js';
import { HpackDecoder, encodeHeaderBlock } from '../../src/transport/grpc-http2/hpack.js';
import { CLIENT_PREFACE, ErrorCode, Flags, FrameReader, FrameType, Setting, http2Frame, settingsFrame, uint32Frame, type Frame } from '../../src/transport/grpc-http2/http2-frames.js';
import { GrpcStatus, type StatusObject } from '../../src/transport/grpc-http2/status.js';

type Call = BidiCall<Buffer, Buffer>;

const RESPONSE_HEADERS: [string, string][] = [[':status', '200'], ['content-type', 'application/grpc']];
const trailers = (code: number, message?: string): [string, string][] => [['grpc-status', String(code)], ...(message ? [['grpc-message', message] as [string, string]] : [])];
const headersFrame = (fields: [string, string][], flags = 0) => http2Frame(FrameType.HEADERS, Flags.END_HEADERS | flags, 1, encodeHeaderBlock(fields));
const dataFrame = (payload: Uint8Array, flags = 0) => http2Frame(FrameType.DATA, flags, 1, payload);
const message = (text: string) => encodeFrame(Buffer.from(text));

/** One connection to the scripted server: the frames the client sent, decoded in order, and the socket to answer on. */
interface Peer {
  socket: Socket;
  frames: Frame[];
  /** The request's header fields. */
  request: [string, string][];
  /** Resolves with the next frame of `type` the client sends (that `match` accepts). */
  next(type: number, match?: (frame: Frame) => boolean): Promise<Frame>;
  /** All DATA payload bytes received so far. */
  data(): Buffer;
}

describe('HTTP/2 client', () => {
  const closers: (() => unknown)[] = [];
  afterEach(() => {
    for (const close of closers.splice(0).reverse()) close();
  });

  /** A server that checks the client's preface, then hands each connection to `script`. */
  async function scriptedServer(script: (peer: Peer) => unknown, settings: [number, number][] = []): Promise<number> {
    const server: Server = createServer((socket) => {
      const reader = new FrameReader();
      const decoder = new HpackDecoder();
      const waiters: { type: number; match: (frame: Frame) => boolean; resolve: (frame: Frame) => void }[] = [];
      let preface = Buffer.alloc(0);
      const peer: Peer = {
        socket,
        frames: [],
        request: [],
        next: (type, match = () => true) => new Promise((resolve) => waiters.push({ type, match, resolve })),
        data: () => Buffer.concat(peer.frames.filter((f) => f.type === FrameType.DATA).map((f) => f.payload)),
      };
      socket.on('error', () => undefined);
      socket.on('data', (chunk: Buffer) => {
        if (preface.length < CLIENT_PREFACE.length) {
          preface = Buffer.concat([preface, chunk]);
          if (preface.length < CLIENT_PREFACE.length) return;
          expect(preface.subarray(0, CLIENT_PREFACE.length)).toEqual(CLIENT_PREFACE);
          chunk = preface.subarray(CLIENT_PREFACE.length);
          socket.write(settingsFrame(settings));
          script(peer);
        }
        for (const frame of reader.push(chunk)) {
          const copy = { ...frame, payload: Buffer.from(frame.payload) };
          if (frame.type === FrameType.HEADERS) peer.request = decoder.decode(copy.payload);
          peer.frames.push(copy);
          const i = waiters.findIndex((w) => w.type === frame.type && w.match(copy));
          if (i >= 0) waiters.splice(i, 1)[0]!.resolve(copy);
        }
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const sockets = new Set<Socket>();
    server.on('connection', (s) => sockets.add(s));
    closers.push(() => server.close(), () => sockets.forEach((s) => s.destroy()));
    return (server.address() as AddressInfo).port;
  }

  /** The client has applied the server's SETTINGS once it acknowledged them. */
  const settingsAcknowledged = (p: Peer) => p.next(FrameType.SETTINGS, (f) => (f.flags & Flags.ACK) !== 0);

  function open(port: number, keepalive = { timeMs: 60_000, timeoutMs: 20_000 }): Call {
    const call: Call = new BidiCall({
      host: '127.0.0.1',
      port,
      authority: `collector.test:${port}`,
      path: '/vigil.v1.Ingest/Stream',
      userAgent: 'vigil-agent/test',
      metadata: { authorization: 'Bearer t0k' },
      serialize: (m) => m,
      deserialize: (bytes) => Buffer.from(bytes),
      keepalive,
    });
    closers.push(() => call.cancel());
    return call;
  }

  function outcome(call: Call): Promise<{ messages: string[]; status: StatusObject }> {
    const messages: string[] = [];
    call.on('data', (m: Buffer) => messages.push(m.toString()));
    call.on('error', () => undefined);
    return new Promise((resolve) => call.once('status', (status: StatusObject) => resolve({ messages, status })));
  }

  it('sends the preface, its SETTINGS and the request headers; reads a response written one byte at a time, with padding, CONTINUATION, a 1xx and unknown frames', async () => {
    const port = await scriptedServer(async (peer) => {
      await peer.next(FrameType.DATA);
      const block = encodeHeaderBlock(RESPONSE_HEADERS);
      const padded = (type: number, flags: number, payload: Buffer, pad: number) => http2Frame(type, flags | Flags.PADDED, 1, Buffer.concat([Buffer.from([pad]), payload, Buffer.alloc(pad)]));
      const bytes = Buffer.concat([
        headersFrame([[':status', '100']]),
        http2Frame(0xfa, 0, 1, Buffer.from('an extension frame')),
        http2Frame(FrameType.PRIORITY, 0, 1, Buffer.alloc(5)),
        // Response headers with padding and priority fields, split over HEADERS and two CONTINUATIONs.
        http2Frame(FrameType.HEADERS, Flags.PADDED | Flags.PRIORITY, 1, Buffer.concat([Buffer.from([3]), Buffer.alloc(5), block.subarray(0, 4), Buffer.alloc(3)])),
        http2Frame(FrameType.CONTINUATION, 0, 1, block.subarray(4, 10)),
        http2Frame(FrameType.CONTINUATION, Flags.END_HEADERS, 1, block.subarray(10)),
        padded(FrameType.DATA, 0, Buffer.concat([message('one'), message('two').subarray(0, 3)]), 7),
        dataFrame(message('two').subarray(3)),
        http2Frame(FrameType.PING, 0, 0, Buffer.from('12345678')),
        headersFrame(trailers(0, 'fine'), Flags.END_STREAM),
      ]);
      for (const byte of bytes) {
        peer.socket.write(Buffer.from([byte]));
        await new Promise((resolve) => setImmediate(resolve));
      }
    });
    const call = open(port);
    const result = outcome(call);
    call.write(Buffer.from('hello'));
    const { messages, status } = await result;
    expect(messages).toEqual(['one', 'two']);
    expect(status).toEqual({ code: GrpcStatus.OK, details: 'fine' });
  });

  it('answers pings, acknowledges SETTINGS, and sends its request as gRPC asks', async () => {
    let peer!: Peer;
    const port = await scriptedServer(async (p) => {
      peer = p;
      const answered = Promise.all([settingsAcknowledged(p), p.next(FrameType.PING), p.next(FrameType.DATA)]);
      p.socket.write(http2Frame(FrameType.PING, 0, 0, Buffer.from('abcdefgh')));
      await answered;
      p.socket.write(Buffer.concat([headersFrame(RESPONSE_HEADERS), headersFrame(trailers(0), Flags.END_STREAM)]));
    });
    const call = open(port);
    const result = outcome(call);
    call.write(Buffer.from('hi'));
    expect((await result).status.code).toBe(GrpcStatus.OK);
    const settings = peer.frames.find((f) => f.type === FrameType.SETTINGS && !(f.flags & Flags.ACK))!;
    expect([settings.payload.readUInt16BE(0), settings.payload.readUInt32BE(2)]).toEqual([Setting.ENABLE_PUSH, 0]);
    expect(peer.frames.some((f) => f.type === FrameType.SETTINGS && f.flags & Flags.ACK)).toBe(true);
    const pong = peer.frames.find((f) => f.type === FrameType.PING)!;
    expect([pong.flags, pong.payload.toString()]).toEqual([Flags.ACK, 'abcdefgh']);
    expect(peer.request).toEqual([
      [':method', 'POST'], [':scheme', 'http'], [':path', '/vigil.v1.Ingest/Stream'], [':authority', `collector.test:${port}`],
      ['authorization', 'Bearer t0k'], ['content-type', 'application/grpc'], ['te', 'trailers'], ['user-agent', 'vigil-agent/test'], ['grpc-accept-encoding', 'identity'],
    ]);
    expect(peer.data()).toEqual(message('hi'));
  });

  it('sends no more than the server\'s windows allow, waits for WINDOW_UPDATE, and grants back what it received', async () => {
    let peer!: Peer;
    let ready!: () => void;
    const settingsApplied = new Promise<void>((resolve) => (ready = resolve));
    const big = 'b'.repeat(100_000);
    const port = await scriptedServer(async (p) => {
      peer = p;
      await settingsAcknowledged(p);
      const firstData = p.next(FrameType.DATA);
      ready();
      // Stream window 10 bytes: the first message (25 bytes) goes out in parts, as each update allows.
      await firstData;
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(p.data().length).toBe(10);
      p.socket.write(uint32Frame(FrameType.WINDOW_UPDATE, 1, 15));
      await p.next(FrameType.DATA);
      expect(p.data()).toEqual(message('twenty bytes of data'));
      // Then 100 000 bytes to the client, more than its 65 535-byte windows: the rest only once it granted them back.
      p.socket.write(headersFrame(RESPONSE_HEADERS));
      const body = message(big);
      const frames = (from: number, to: number) => {
        const out: Buffer[] = [];
        for (let at = from; at < to; at += 16_384) out.push(dataFrame(body.subarray(at, Math.min(to, at + 16_384))));
        return Buffer.concat(out);
      };
      const grants = () => Promise.all([p.next(FrameType.WINDOW_UPDATE, (f) => f.streamId === 0), p.next(FrameType.WINDOW_UPDATE, (f) => f.streamId === 1)]);
      const firstGrants = grants();
      p.socket.write(frames(0, 65_535));
      const [connectionGrant, streamGrant] = await firstGrants;
      expect(connectionGrant.payload.readUInt32BE(0)).toBeGreaterThanOrEqual(32_767);
      expect(streamGrant.payload.readUInt32BE(0)).toBeGreaterThanOrEqual(32_767);
      const secondGrants = grants();
      p.socket.write(frames(65_535, 65_535 + 32_767));
      await secondGrants;
      p.socket.write(Buffer.concat([frames(65_535 + 32_767, body.length), headersFrame(trailers(0), Flags.END_STREAM)]));
    }, [[Setting.INITIAL_WINDOW_SIZE, 10]]);
    const call = open(port);
    const result = outcome(call);
    await settingsApplied;
    expect(call.write(Buffer.from('twenty bytes of data'))).toBe(true);
    const { messages, status } = await result;
    expect(status.code).toBe(GrpcStatus.OK);
    expect(messages).toEqual([big]);
    expect(peer.frames.filter((f) => f.type === FrameType.DATA).map((f) => f.payload.length)).toEqual([10, 15]);
  });

  it('buffers what flow control holds back: write() is false until it has gone out (END_STREAM after it), then drain', async () => {
    let ready!: () => void;
    const settingsApplied = new Promise<void>((resolve) => (ready = resolve));
    let peer!: Peer;
    const port = await scriptedServer(async (p) => {
      peer = p;
      await settingsAcknowledged(p);
      ready();
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(p.data().length).toBe(0);
      // Not reading for a moment: what the kernel does not take waits in the client's socket, which drains later.
      p.socket.pause();
      p.socket.write(Buffer.concat([uint32Frame(FrameType.WINDOW_UPDATE, 0, 10_000_000), uint32Frame(FrameType.WINDOW_UPDATE, 1, 10_000_000)]));
      await new Promise((resolve) => setTimeout(resolve, 200));
      p.socket.resume();
    }, [[Setting.INITIAL_WINDOW_SIZE, 0]]);
    const call = open(port);
    await settingsApplied;
    expect(call.write(Buffer.alloc(8_000_000))).toBe(false);
    call.end();
    await once(call, 'drain');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(peer.data().length).toBe(8_000_005);
    const last = peer.frames.filter((f) => f.type === FrameType.DATA).at(-1)!;
    expect(last.flags & Flags.END_STREAM).toBe(Flags.END_STREAM);
    call.cancel();
  });

  it('ends with the status a reset or a GOAWAY means', async () => {
    const reply = async (...frames: Buffer[]) => {
      const port = await scriptedServer(async (p) => {
        await p.next(FrameType.DATA);
        p.socket.write(Buffer.concat(frames));
      });
      const call = open(port);
      const result = outcome(call);
      call.write(Buffer.from('x'));
      return (await result).status;
    };
    expect(await reply(uint32Frame(FrameType.RST_STREAM, 1, ErrorCode.REFUSED_STREAM))).toEqual({ code: GrpcStatus.UNAVAILABLE, details: 'Stream refused by server' });
    expect(await reply(headersFrame(RESPONSE_HEADERS), uint32Frame(FrameType.RST_STREAM, 1, ErrorCode.ENHANCE_YOUR_CALM))).toEqual({ code: GrpcStatus.RESOURCE_EXHAUSTED, details: 'Bandwidth exhausted or memory limit exceeded' });
    expect(await reply(headersFrame([[':status', '503']]), uint32Frame(FrameType.RST_STREAM, 1, ErrorCode.NO_ERROR))).toEqual({ code: GrpcStatus.UNAVAILABLE, details: 'Received HTTP status code 503' });
    const goaway = (last: number, code: number) => http2Frame(FrameType.GOAWAY, 0, 0, Buffer.from([0, 0, 0, last, 0, 0, 0, code]));
    expect(await reply(goaway(0, 0))).toEqual({ code: GrpcStatus.UNAVAILABLE, details: 'Connection dropped: Received GOAWAY with code 0' });
    // A graceful GOAWAY that covers the stream lets it finish.
    expect(await reply(goaway(1, 0), headersFrame(RESPONSE_HEADERS), dataFrame(message('last')), headersFrame(trailers(0), Flags.END_STREAM))).toEqual({ code: GrpcStatus.OK, details: '' });
    expect(await reply(goaway(1, ErrorCode.INTERNAL_ERROR))).toEqual({ code: GrpcStatus.UNAVAILABLE, details: 'Connection dropped: Received GOAWAY with code 2' });
    expect(await reply(headersFrame([[':status', '200'], ['content-type', 'application/grpc']], Flags.END_STREAM))).toEqual({ code: GrpcStatus.UNKNOWN, details: 'No status received' });
  });

  it('closes the connection with GOAWAY on a protocol violation, and says which', async () => {
    const violate = async (bytes: Buffer) => {
      let peer!: Peer;
      const port = await scriptedServer(async (p) => {
        peer = p;
        await p.next(FrameType.DATA);
        p.socket.write(bytes);
      });
      const call = open(port);
      const result = outcome(call);
      call.write(Buffer.from('x'));
      const { status } = await result;
      const goaway = await Promise.race([peer.next(FrameType.GOAWAY), new Promise<undefined>((resolve) => setTimeout(resolve, 500))]);
      return { status, goawayCode: goaway?.payload.readUInt32BE(4) };
    };
    expect(await violate(http2Frame(FrameType.DATA, 0, 3, Buffer.alloc(10)))).toEqual({
      status: { code: GrpcStatus.UNAVAILABLE, details: 'Connection dropped: protocol error: a frame (type 0) on stream 3, which this client never opened' },
      goawayCode: ErrorCode.PROTOCOL_ERROR,
    });
    expect(await violate(http2Frame(FrameType.DATA, 0, 1, Buffer.alloc(20_000)))).toEqual({
      status: { code: GrpcStatus.UNAVAILABLE, details: 'Connection dropped: protocol error: frame of 20000 bytes, above the 16384 allowed' },
      goawayCode: ErrorCode.FRAME_SIZE_ERROR,
    });
    expect(await violate(http2Frame(FrameType.HEADERS, Flags.END_HEADERS, 1, Buffer.from([0xbe])))).toEqual({
      status: { code: GrpcStatus.UNAVAILABLE, details: 'Connection dropped: protocol error: HPACK: no table entry 62' },
      goawayCode: ErrorCode.COMPRESSION_ERROR,
    });
    expect(await violate(Buffer.concat([http2Frame(FrameType.HEADERS, 0, 1, encodeHeaderBlock(RESPONSE_HEADERS)), dataFrame(Buffer.alloc(1))]))).toMatchObject({
      status: { details: 'Connection dropped: protocol error: a header block interrupted by another frame' },
    });
    expect(await violate(http2Frame(FrameType.WINDOW_UPDATE, 0, 0, Buffer.from([0x7f, 0xff, 0xff, 0xff])))).toMatchObject({
      status: { details: 'Connection dropped: protocol error: window above 2^31-1' },
      goawayCode: ErrorCode.FLOW_CONTROL_ERROR,
    });
    expect(await violate(http2Frame(FrameType.PUSH_PROMISE, Flags.END_HEADERS, 1, Buffer.from([0, 0, 0, 2])))).toMatchObject({
      status: { details: 'Connection dropped: protocol error: PUSH_PROMISE although push is disabled' },
    });
  });

  it('refuses a server that does not speak HTTP/2', async () => {
    const server = createServer((socket) => socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n'));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    closers.push(() => server.close());
    const { status } = await outcome(open((server.address() as AddressInfo).port));
    expect(status.code).toBe(GrpcStatus.UNAVAILABLE);
    expect(status.details).toMatch(/^Connection dropped: protocol error: frame of \d+ bytes, above the 16384 allowed$/);
  });

  it('decodes what nghttp2 Huffman-codes and indexes: every allowed byte in a header, trailers reusing the table', async () => {
    const server: Http2Server = createHttp2Server();
    // Mostly frequent characters around each rare one, so that Huffman coding is shorter and nghttp2 uses it.
    const bytes = [9, ...Array.from({ length: 256 - 32 }, (_, i) => i + 32).filter((b) => b !== 127)];
    const values = bytes.map((b) => `eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee${String.fromCharCode(b)}eeee`);
    server.on('stream', (stream: ServerHttp2Stream) => {
      stream.respond(
        { ':status': 200, 'content-type': 'application/grpc', ...Object.fromEntries(values.map((v, i) => [`x-byte-${i}`, Buffer.from(v, 'latin1').toString('latin1')])) },
        { waitForTrailers: true },
      );
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '5', 'grpc-message': 'not%20found', 'content-type': 'application/grpc' }));
      stream.write(message('payload'));
      stream.end();
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    closers.push(() => server.close());
    const port = (server.address() as AddressInfo).port;
    // The connection itself, to see the header blocks as it decoded them.
    const blocks: [Record<string, string>, boolean][] = [];
    const body: Buffer[] = [];
    const ended = new Promise<void>((resolve) => {
      const connection = new Http2Connection(
        { host: '127.0.0.1', port, keepalive: { timeMs: 60_000, timeoutMs: 20_000 } },
        [[':method', 'POST'], [':scheme', 'http'], [':path', '/'], [':authority', 'test']],
        {
          onHeaders: (headers, endStream) => blocks.push([headers, endStream]),
          onData: (chunk) => body.push(chunk),
          onEnd: () => {
            connection.close();
            resolve();
          },
          onClose: () => resolve(),
          onDrain: () => undefined,
        },
      );
      connection.end();
      closers.push(() => connection.close());
    });
    await ended;
    expect(blocks).toHaveLength(2);
    expect(values.map((_, i) => blocks[0]![0][`x-byte-${i}`])).toEqual(values);
    expect(blocks[0]![1]).toBe(false);
    expect(blocks[1]).toEqual([{ 'grpc-status': '5', 'grpc-message': 'not%20found', 'content-type': 'application/grpc' }, true]);
    expect(Buffer.concat(body)).toEqual(message('payload'));
  });
});
