// The agent's gRPC client (transport/grpc-http2/) against a real grpc-js server on 127.0.0.1 serving the Ingest
// service with the collector's server options: messages both ways across HTTP/2 frame boundaries, statuses from
// trailers and trailers-only responses, a server ending or dropping the stream, limits, cancel, TLS and mutual TLS,
// and keepalive pings finding a peer that went silent.
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttp2Server, type Http2Server } from 'node:http2';
import { createServer as createTcpServer, connect as tcpConnect, type AddressInfo, type Server as TcpServer, type Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Server, ServerCredentials, status, type ServerDuplexStream } from '@grpc/grpc-js';
import { INGEST_STREAM_PATH, IngestService, vigil } from '@vigil/proto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BidiCall, type BidiCallOptions } from '../../src/transport/grpc-http2/bidi-call.js';
import type { TlsOptions } from '../../src/transport/grpc-http2/connection.js';
import { GrpcStatus, type GrpcStatusError, type StatusObject } from '../../src/transport/grpc-http2/status.js';
import { waitForDrain } from '../../src/transport/ingest-stream.js';
import { makeCertificates, type Certificates } from '../support/certificates.js';

type ServerCall = ServerDuplexStream<vigil.v1.AgentMessage, vigil.v1.CollectorMessage>;
type Call = BidiCall<vigil.v1.AgentMessage.$Properties, vigil.v1.CollectorMessage>;

const HELLO = { hello: { agentId: 'a1', hostname: 'h', version: '0.0.0', streamEpoch: 'e1' } };

/** What a call delivered until its status. */
interface Outcome {
  messages: vigil.v1.CollectorMessage[];
  status: StatusObject;
  error?: GrpcStatusError;
  ended: boolean;
}

function outcome(call: Call): Promise<Outcome> {
  const result: Omit<Outcome, 'status'> = { messages: [], ended: false };
  call.on('data', (message: vigil.v1.CollectorMessage) => result.messages.push(message));
  call.on('error', (error: GrpcStatusError) => (result.error = error));
  call.on('end', () => (result.ended = true));
  return new Promise((resolve) => call.once('status', (s: StatusObject) => resolve({ ...result, status: s })));
}

describe('gRPC over node:http2 against a grpc-js server', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-grpc-http2-'));
  let certs: Certificates;
  let server: Server | undefined;
  const closers: (() => unknown)[] = [];
  /** What the server does with each call of the current test. */
  let handle: (call: ServerCall) => void;
  const serverCalls: ServerCall[] = [];

  beforeAll(() => {
    certs = makeCertificates(dir);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  afterEach(() => {
    for (const close of closers.splice(0).reverse()) close();
    server?.forceShutdown();
    server = undefined;
    serverCalls.length = 0;
  });

  async function startServer(credentials = ServerCredentials.createInsecure()): Promise<number> {
    // The collector's server options (collector/src/ingest/ingest.server.ts).
    server = new Server({
      'grpc.max_send_message_length': 1024 * 1024,
      'grpc.keepalive_time_ms': 60_000,
      'grpc.keepalive_timeout_ms': 20_000,
      'grpc.keepalive_permit_without_calls': 1,
      'grpc.http2.min_ping_interval_without_data_ms': 10_000,
    });
    server.addService(IngestService, {
      stream: (call: ServerCall) => {
        serverCalls.push(call);
        handle(call);
      },
    });
    const s = server;
    return new Promise((resolve, reject) => s.bindAsync('127.0.0.1:0', credentials, (error, port) => (error ? reject(error) : resolve(port))));
  }

  function open(port: number, options: Partial<BidiCallOptions<vigil.v1.AgentMessage.$Properties, vigil.v1.CollectorMessage>> = {}): Call {
    const call: Call = new BidiCall({
      host: '127.0.0.1',
      port,
      authority: `collector.test:${port}`,
      path: INGEST_STREAM_PATH,
      userAgent: 'vigil-agent/test',
      metadata: { authorization: 'Bearer t0k' },
      serialize: (message) => vigil.v1.AgentMessage.encode(message).finish(),
      deserialize: (bytes) => vigil.v1.CollectorMessage.decode(bytes),
      keepalive: { timeMs: 60_000, timeoutMs: 20_000 },
      ...options,
    });
    closers.push(() => call.cancel());
    return call;
  }

  it('carries messages both ways, large ones across many DATA frames, and ends OK on a clean half-close', async () => {
    const received: vigil.v1.AgentMessage[] = [];
    const longDetail = 'x'.repeat(200_000);
    handle = (call) => {
      call.on('data', (message: vigil.v1.AgentMessage) => {
        received.push(message);
        if (message.hello) {
          call.write({ welcome: { lastStoredSeq: 7, maxMessageBytes: 4 << 20 } });
          for (let seq = 1; seq <= 300; seq++) call.write({ ack: { seq } });
          call.write({ rejection: { seq: 1, detail: longDetail } });
        }
        if (message.batch) call.write({ ack: { seq: Number(message.batch.seq) } });
      });
      call.on('end', () => call.end());
    };
    const port = await startServer();
    const call = open(port);
    const result = outcome(call);
    call.write(HELLO);
    // 1.5 MiB in one message: far above HTTP/2's flow-control window, so write() asks to wait for 'drain'.
    const series = Array.from({ length: 3000 }, (_, i) => ({ metric: `m_${i}`, labels: { host: 'h'.repeat(500) }, timestampsMs: [1], values: [i] }));
    const wroteAll = call.write({ batch: { seq: 8, series } });
    expect(wroteAll).toBe(false);
    await waitForDrain(call);
    call.end();
    const { messages, status: final, error, ended } = await result;
    expect(final).toEqual({ code: GrpcStatus.OK, details: 'OK' });
    expect([ended, error]).toEqual([true, undefined]);
    expect(messages[0]!.welcome).toMatchObject({ lastStoredSeq: 7, maxMessageBytes: 4 << 20 });
    expect(messages.slice(1, 301).map((m) => Number(m.ack!.seq))).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
    expect(messages[301]!.rejection!.detail).toBe(longDetail);
    expect(messages[302]!.ack!.seq).toBe(8);
    expect(received.map((m) => (m.hello ? 'hello' : m.batch ? 'batch' : 'other'))).toEqual(['hello', 'batch']);
    expect(received[1]!.batch!.series).toHaveLength(3000);
    expect(received[1]!.batch!.series[2999]).toMatchObject({ metric: 'm_2999', values: [2999] });
    const metadata = serverCalls[0]!.metadata.getMap();
    expect([metadata.authorization, metadata['user-agent'], serverCalls[0]!.getPath()]).toEqual(['Bearer t0k', 'vigil-agent/test', INGEST_STREAM_PATH]);
  });

  it('reads a trailers-only refusal (a bad token) with its percent-encoded message decoded', async () => {
    handle = (call) => call.emit('error', { code: status.UNAUTHENTICATED, details: 'invalid token: 100% wrong, café' });
    const port = await startServer();
    const call = open(port);
    call.write(HELLO);
    const { messages, status: final, error, ended } = await outcome(call);
    expect(final).toEqual({ code: GrpcStatus.UNAUTHENTICATED, details: 'invalid token: 100% wrong, café' });
    expect([error?.code, error?.details, messages, ended]).toEqual([16, 'invalid token: 100% wrong, café', [], false]);
  });

  it('delivers every message sent before an error status, then the error', async () => {
    handle = (call) =>
      call.once('data', () => {
        call.write({ welcome: { lastStoredSeq: 0 } });
        call.write({ ack: { seq: 3 } });
        call.emit('error', { code: status.ALREADY_EXISTS, details: 'agent a1 already has a live stream' });
      });
    const port = await startServer();
    const call = open(port);
    call.write(HELLO);
    const { messages, status: final } = await outcome(call);
    expect(messages.map((m) => (m.welcome ? 'welcome' : `ack ${m.ack?.seq}`))).toEqual(['welcome', 'ack 3']);
    expect(final).toEqual({ code: GrpcStatus.ALREADY_EXISTS, details: 'agent a1 already has a live stream' });
  });

  it('ends OK when the server ends the stream while the agent still writes', async () => {
    handle = (call) => call.once('data', () => call.end());
    const port = await startServer();
    const call = open(port);
    call.write(HELLO);
    const { status: final, ended } = await outcome(call);
    expect([final.code, ended]).toEqual([GrpcStatus.OK, true]);
    expect(call.write({ heartbeat: { timeMs: 1 } })).toBe(true); // after the end: ignored, never waits for a drain
  });

  it('is UNAVAILABLE when nothing listens, and when the server goes away mid-stream', async () => {
    const port = await startServer();
    server!.forceShutdown();
    const refused = await outcome(open(port));
    expect(refused.status.code).toBe(GrpcStatus.UNAVAILABLE);
    expect(refused.status.details).toMatch(/^No connection established: connect ECONNREFUSED 127\.0\.0\.1:\d+$/);

    handle = (call) => call.once('data', () => call.write({ welcome: {} }));
    const port2 = await startServer();
    const call = open(port2);
    const result = outcome(call);
    call.write(HELLO);
    await once(call, 'data');
    server!.forceShutdown();
    const dropped = await result;
    expect(dropped.status.code).toBe(GrpcStatus.UNAVAILABLE);
    expect(dropped.messages).toHaveLength(1);
  });

  it('ends RESOURCE_EXHAUSTED on a message above its receive limit, CANCELLED when cancelled', async () => {
    handle = (call) => call.once('data', () => call.write({ rejection: { detail: 'y'.repeat(2000) } }));
    const port = await startServer();
    const small = open(port, { maxReceiveMessageBytes: 1000 });
    small.write(HELLO);
    const limited = await outcome(small);
    expect(limited.status).toEqual({ code: GrpcStatus.RESOURCE_EXHAUSTED, details: 'Received message larger than max (2006 vs. 1000)' });

    const cancelledOnServer = new Promise<void>((resolve) => (handle = (call) => call.on('cancelled', () => resolve())));
    const call = open(port);
    call.write(HELLO);
    const result = outcome(call);
    await new Promise((resolve) => setTimeout(resolve, 100));
    call.cancel();
    expect((await result).status).toEqual({ code: GrpcStatus.CANCELLED, details: 'Cancelled on client' });
    await cancelledOnServer;
  });

  it('maps the HTTP status of a non-gRPC answer (503 from a proxy) to UNAVAILABLE', async () => {
    const proxy: Http2Server = createHttp2Server((_request, response) => response.writeHead(503).end('overloaded'));
    proxy.listen(0, '127.0.0.1');
    await once(proxy, 'listening');
    closers.push(() => proxy.close());
    const { status: final } = await outcome(open((proxy.address() as AddressInfo).port));
    expect(final).toEqual({ code: GrpcStatus.UNAVAILABLE, details: 'Received HTTP status code 503' });
  });

  describe('TLS', () => {
    const serverTls = (mutual: boolean) =>
      ServerCredentials.createSsl(mutual ? readFileSync(certs.ca) : null, [{ cert_chain: readFileSync(certs.serverCert), private_key: readFileSync(certs.serverKey) }], mutual);
    const clientTls = (extra: Partial<TlsOptions> = {}): TlsOptions => ({ ca: readFileSync(certs.ca), verifyName: 'collector.test', ...extra });

    /** A server that welcomes with `lastStoredSeq` and ends when the client does. */
    const welcoming = (lastStoredSeq: number) => (call: ServerCall) => {
      call.once('data', () => call.write({ welcome: { lastStoredSeq } }));
      call.on('end', () => call.end());
    };

    async function welcomeOver(port: number, tls: TlsOptions): Promise<Outcome> {
      const call = open(port, { tls });
      const result = outcome(call);
      call.write(HELLO);
      call.end();
      return result;
    }

    it('verifies the server against the CA and the expected name; refuses a certificate that does not match', async () => {
      handle = welcoming(1);
      const port = await startServer(serverTls(false));
      const ok = await welcomeOver(port, clientTls());
      expect([ok.status.code, ok.messages[0]?.welcome?.lastStoredSeq]).toEqual([GrpcStatus.OK, 1]);
      const wrongName = await welcomeOver(port, clientTls({ verifyName: 'other.test' }));
      expect(wrongName.status.code).toBe(GrpcStatus.UNAVAILABLE);
      expect(wrongName.status.details).toContain("Hostname/IP does not match certificate's altnames");
      const wrongCa = await welcomeOver(port, clientTls({ ca: readFileSync(certs.otherCa) }));
      expect(wrongCa.status.code).toBe(GrpcStatus.UNAVAILABLE);
      expect(serverCalls).toHaveLength(1);
    });

    it('presents its client certificate under mutual TLS; without one the server never sees the call', async () => {
      handle = welcoming(2);
      const port = await startServer(serverTls(true));
      const anonymous = await welcomeOver(port, clientTls());
      expect(anonymous.status.code).toBe(GrpcStatus.UNAVAILABLE);
      const withCert = await welcomeOver(port, clientTls({ cert: readFileSync(certs.clientCert), key: readFileSync(certs.clientKey) }));
      expect([withCert.status.code, withCert.messages[0]?.welcome?.lastStoredSeq]).toEqual([GrpcStatus.OK, 2]);
      expect(serverCalls).toHaveLength(1);
    });
  });

  it('finds a peer that went silent (half-open connection) by its unanswered keepalive ping', async () => {
    handle = (call) => call.once('data', () => call.write({ welcome: {} }));
    const port = await startServer();
    // A TCP relay that, once told to, stops passing bytes either way while keeping both connections open.
    let frozen = false;
    const sockets: Socket[] = [];
    const relay: TcpServer = createTcpServer((client) => {
      const upstream = tcpConnect(port, '127.0.0.1');
      sockets.push(client, upstream);
      client.on('data', (chunk) => frozen || upstream.write(chunk));
      upstream.on('data', (chunk) => frozen || client.write(chunk));
      client.on('error', () => undefined);
      upstream.on('error', () => undefined);
    });
    relay.listen(0, '127.0.0.1');
    await once(relay, 'listening');
    closers.push(() => relay.close(), () => sockets.forEach((s) => s.destroy()));
    const call = open((relay.address() as AddressInfo).port, { keepalive: { timeMs: 200, timeoutMs: 300 } });
    const result = outcome(call);
    call.write(HELLO);
    await once(call, 'data');
    // Pings answered while the relay passes bytes: the call stays up over several keepalive periods.
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(sockets.every((s) => !s.destroyed)).toBe(true);
    frozen = true;
    const frozenAt = Date.now();
    const { status: final } = await result;
    expect(final).toEqual({ code: GrpcStatus.UNAVAILABLE, details: 'Connection dropped: keepalive ping not answered in time' });
    expect(Date.now() - frozenAt).toBeLessThan(2000);
  });
});
