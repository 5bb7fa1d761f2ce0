// A fake Vigil collector: a real grpc-js server speaking the vigil.v1 Ingest protocol on 127.0.0.1 (or ::1), recording what
// it receives, over plaintext, TLS or mutual TLS. Used by the agent's integration and e2e tests.
import { Server, ServerCredentials, status } from '@grpc/grpc-js';
import { IngestService } from '@vigil/proto';
import { SeriesRefTable } from '../../../collector/src/ingest/series-refs.ts';
import { IngestServiceV10 } from '../../../proto/test/fixtures/v1-0.mjs';

export class FakeCollector {
  /**
   * @param {{ token?: string, maxMessageBytes?: number, reject?: (batch: any) => any, tls?: { cert: Buffer, key: Buffer, clientCa?: Buffer }, seriesRefs?: number, wire?: 'v1-0', host?: '127.0.0.1' | '::1' }} [options]
   * `host`: the loopback address to listen on (127.0.0.1 unless given).
   * `refuseHellos`: gRPC errors ({ code, details }) to end the next streams with, one per Hello, as a collector
   * that still holds an earlier stream of the agent answers (ALREADY_EXISTS).
   * `seriesRefs`: offered in Welcome (max_series_refs); referenced batches are resolved by the collector's own
   * table and recorded as full series, with `refs` (referenced samples) and `definitions` counted per batch.
   * `wire: 'v1-0'`: speaks the contract as released before series references (an old collector).
   */
  constructor(options = {}) {
    this.token = options.token ?? 'test-token';
    this.maxMessageBytes = options.maxMessageBytes ?? 4 * 1024 * 1024;
    this.reject = options.reject;
    this.tls = options.tls;
    this.host = options.host ?? '127.0.0.1';
    this.refuseHellos = [...(options.refuseHellos ?? [])];
    this.seriesRefs = options.seriesRefs ?? 0;
    this.service = options.wire === 'v1-0' ? IngestServiceV10 : IngestService;
    this.hellos = [];
    this.batches = [];
    this.heartbeats = [];
    this.authFailures = 0;
    this.batchCount = 0;
    this.sampleCount = 0;
    /** Highest stored seq per "agentId/epoch"; survives restarts like a real collector's database. */
    this.stored = new Map();
    this.server = undefined;
    this.port = 0;
    this.calls = new Set();
    this.listeners = new Set();
  }

  get address() {
    return this.host.includes(':') ? `[${this.host}]:${this.port}` : `${this.host}:${this.port}`;
  }

  /** Starts listening; `port` 0 picks a free one; restarting on the previous port is `start(collector.port)`. */
  async start(port = 0) {
    const server = new Server();
    server.addService(this.service, { stream: (call) => this.onStream(call) });
    this.port = await new Promise((resolve, reject) =>
      server.bindAsync(this.host.includes(':') ? `[${this.host}]:${port}` : `${this.host}:${port}`, this.credentials(), (error, bound) => (error ? reject(error) : resolve(bound))),
    );
    this.server = server;
    return this.port;
  }

  /** Plaintext; TLS with `tls.cert`/`tls.key`; mutual TLS (client certificate required) when `tls.clientCa` is set. */
  credentials() {
    if (!this.tls) return ServerCredentials.createInsecure();
    const { cert, key, clientCa } = this.tls;
    return ServerCredentials.createSsl(clientCa ?? null, [{ cert_chain: cert, private_key: key }], clientCa !== undefined);
  }

  /** Stops abruptly, like a crash: open streams fail on the agent side. */
  async stop() {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    for (const call of this.calls) call.destroy?.();
    this.calls.clear();
    server.forceShutdown();
  }

  /** Resolves when `predicate()` holds, checked after every message and every 20 ms. */
  waitFor(predicate, timeoutMs = 10_000, what = 'condition') {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!predicate()) return;
        cleanup();
        resolve();
      };
      const interval = setInterval(check, 20);
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const cleanup = () => {
        clearInterval(interval);
        clearTimeout(timer);
        this.listeners.delete(check);
      };
      this.listeners.add(check);
      check();
    });
  }

  /** Distinct seqs received for an agent. */
  seqsOf(agentId) {
    return [...new Set(this.batches.filter((b) => b.agentId === agentId).map((b) => b.seq))].sort((a, b) => a - b);
  }

  onStream(call) {
    const auth = call.metadata.get('authorization')[0];
    if (auth !== `Bearer ${this.token}`) {
      this.authFailures++;
      this.notify();
      call.emit('error', { code: status.UNAUTHENTICATED, details: 'invalid token' });
      return;
    }
    this.calls.add(call);
    let key;
    const refs = new SeriesRefTable(this.seriesRefs);
    call.on('data', (message) => {
      if (message.hello) {
        this.hellos.push(message.hello);
        const refusal = this.refuseHellos.shift();
        if (refusal) {
          this.notify();
          call.emit('error', refusal);
          return;
        }
        key = `${message.hello.agentId}/${message.hello.streamEpoch}`;
        const welcome = { lastStoredSeq: this.stored.get(key) ?? 0, maxMessageBytes: this.maxMessageBytes };
        call.write({ welcome: this.seriesRefs ? { ...welcome, maxSeriesRefs: this.seriesRefs } : welcome });
      } else if (message.batch && key) {
        const definitions = message.batch.definitions?.length ?? 0;
        const referenced = message.batch.refSamples?.refs?.length ?? 0;
        const { batch, problem } = refs.resolve(message.batch);
        const seq = Number(batch.seq);
        batch.series ??= [];
        const samples = batch.series.reduce((n, s) => n + (s.values?.length ?? 0), 0);
        this.batchCount++;
        this.sampleCount += samples;
        this.batches.push({ agentId: key.split('/')[0], epoch: key.split('/')[1], seq, samples, series: batch.series, createdMs: Number(batch.createdMs), definitions, referenced });
        const rejection = problem ? { reason: problem.reason, detail: problem.detail, rejectedSamples: problem.samples, wholeBatch: true } : this.reject?.(batch);
        if (rejection) call.write({ rejection: { seq, ...rejection } });
        if (seq > (this.stored.get(key) ?? 0)) this.stored.set(key, seq);
        call.write({ ack: { seq: this.stored.get(key) } });
      } else if (message.heartbeat) {
        this.heartbeats.push(message.heartbeat);
      }
      this.notify();
    });
    call.on('end', () => {
      this.calls.delete(call);
      call.end();
    });
    call.on('error', () => this.calls.delete(call));
    call.on('cancelled', () => this.calls.delete(call));
  }

  notify() {
    for (const listener of [...this.listeners]) listener();
  }
}
