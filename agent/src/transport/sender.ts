// Delivers spooled batches over one bidirectional IngestService stream per connection.
//
// Per connection: Hello -> Welcome{lastStoredSeq, maxMessageBytes} -> batches in seq order with at most `window`
// unacknowledged, plus a Heartbeat every interval unless a batch went out since the last one and the spool figures it
// carries are unchanged (any message keeps the stream alive for the collector; a heartbeat then says nothing new). Ack{seq} is cumulative and deletes from the spool; a whole-batch
// Rejection is permanent (counted and deleted). When the stream fails the sender dials the next collector endpoint
// (rotation.ts: at once while untried endpoints remain, with exponential backoff and full jitter per round) and
// resends everything not acked, from the spool; whichever collector it reaches deduplicates by (agent, epoch, seq). Each attempt opens a fresh HTTP/2
// connection (grpc-http2/), closed with its call: no connection state or reconnect backoff of a transport library
// stacks on ours.
// When the collector's Welcome offers series references, batches go out referencing the series this stream has
// already defined (series-refs.ts); the spool keeps them in full form.
import { RejectReason, type vigil } from '@vigil/proto/agent';
import type { TlsConfig } from '../config/config.schema.js';
import type { Logger } from '../log.js';
import { silentLogger } from '../log.js';
import { sampleCount } from '../pipeline/split.js';
import type { Spool } from '../pipeline/spool.js';
import { systemClock, type Clock, type ReasonCounter } from '../pipeline/types.js';
import { Backoff } from './backoff.js';
import { systemLookup, type CollectorEndpoint, type LookupAll } from './endpoints.js';
import { classifyStreamError, rejectReasonName } from './errors.js';
import type { GrpcStatusError } from './grpc-http2/status.js';
import { openIngestStream, waitForDrain, type IngestStream } from './ingest-stream.js';
import { splitToFit } from './oversized-batch.js';
import { RejectionLog } from './rejection-log.js';
import { CollectorRotation, type Attempt } from './rotation.js';
import { MAX_SERIES_REFS, SeriesRefEncoder } from './series-refs.js';

/** gRPC's default receive limit, assumed when the collector does not announce one. */
const DEFAULT_MAX_MESSAGE_BYTES = 4 * 1024 * 1024;
/** AgentMessage framing around a Batch: field tag plus length varint. */
const ENVELOPE_BYTES = 6;

export interface SenderOptions {
  /** HOST:PORT addresses, in order of preference; host names count once per address they resolve to. */
  collectors: readonly string[];
  /** Name resolution (dns.lookup with all: true unless a test injects another). */
  lookup?: LookupAll;
  token: string;
  tls: TlsConfig;
  spool: Spool;
  hello: vigil.v1.Hello.$Properties;
  /** Samples the collector (or the batcher) refused, by reason. */
  rejected: ReasonCounter;
  /** Rejection messages received from the collector, by reason. */
  rejections?: ReasonCounter;
  heartbeatIntervalMs: number;
  window?: number;
  backoff?: { initialMs: number; maxMs: number; random?: () => number };
  welcomeTimeoutMs?: number;
  /** Without an ack for this long while batches are in flight, the connection is considered dead. */
  ackTimeoutMs?: number;
  /** A connection that stayed up this long resets the backoff. */
  healthyAfterMs?: number;
  clock?: Clock;
  logger?: Logger;
}

export type SenderState = 'idle' | 'connecting' | 'streaming' | 'waiting' | 'stopped';

interface Connection {
  call: IngestStream;
  attempt: Attempt;
  openedAt: number;
  welcomedAt?: number;
  maxMessageBytes: number;
  lastSent: number;
  inflight: Map<number, number>;
  /** This stream's series references; none when the collector offers none. */
  refs?: SeriesRefEncoder;
  pumping: boolean;
  pumpAgain: boolean;
  timers: NodeJS.Timeout[];
  /** A batch was written since the last heartbeat tick. */
  sentSinceHeartbeat: boolean;
  /** The spool figures of the last heartbeat written; undefined before the first. */
  reported?: { pending: number; dropped: number };
}

export class Sender {
  private readonly rotation: CollectorRotation;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly rejectionLog: RejectionLog;
  /** Set for the rest of the run once the collector could not resolve our references (a bug on one side). */
  private seriesRefsOff = false;
  private readonly window: number;
  private conn: Connection | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private currentState: SenderState = 'idle';
  private stopping: Promise<void> | undefined;
  private readonly idleWaiters = new Set<() => void>();
  private unsubscribe: (() => void) | undefined;
  /** Connections that reached Welcome; for logs and tests. */
  connections = 0;

  constructor(private readonly options: SenderOptions) {
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silentLogger;
    this.window = options.window ?? 32;
    const backoff = new Backoff(options.backoff ?? { initialMs: 500, maxMs: 30_000 });
    this.rotation = new CollectorRotation(options.collectors, options.lookup ?? systemLookup, backoff, this.logger);
    this.rejectionLog = new RejectionLog(this.logger, this.clock);
  }

  get state(): SenderState {
    return this.currentState;
  }

  /** The endpoint the stream is up with; undefined while not streaming. */
  get collector(): CollectorEndpoint | undefined {
    return this.currentState === 'streaming' ? this.conn?.attempt.endpoint : undefined;
  }

  /** Switches to another collector endpoint than the previous connection's. */
  get failovers(): number {
    return this.rotation.failovers;
  }

  start(): void {
    if (this.currentState !== 'idle') return;
    this.unsubscribe = this.options.spool.onAppend(() => {
      if (this.conn) void this.pump(this.conn);
    });
    this.connect();
  }

  /** Resolves true once the spool is empty (everything acked), false after `timeoutMs`. */
  drain(timeoutMs: number): Promise<boolean> {
    if (this.options.spool.pendingBatches === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (ok: boolean) => {
        clearTimeout(timer);
        this.idleWaiters.delete(onIdle);
        resolve(ok);
      };
      const onIdle = () => done(true);
      const timer = setTimeout(() => done(false), timeoutMs);
      timer.unref();
      this.idleWaiters.add(onIdle);
    });
  }

  /** Closes the stream (half-close first, so the collector sees a clean end) and its connection. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.currentState = 'stopped';
      this.unsubscribe?.();
      clearTimeout(this.reconnectTimer);
      const conn = this.conn;
      this.conn = undefined;
      if (conn) {
        this.clearTimers(conn);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            conn.call.cancel();
            resolve();
          }, 1000);
          timer.unref();
          conn.call.once('status', () => {
            clearTimeout(timer);
            resolve();
          });
          conn.call.once('error', () => undefined);
          conn.call.end();
        });
      }
    })();
    return this.stopping;
  }

  // ---- connection lifecycle ----

  private connect(): void {
    if (this.currentState === 'stopped') return;
    this.currentState = 'connecting';
    void this.rotation.next().then((attempt) => this.open(attempt));
  }

  private open(attempt: Attempt): void {
    if (this.currentState === 'stopped') return;
    const call = openIngestStream(attempt.endpoint, this.options.tls, this.options.token);
    const conn: Connection = {
      call,
      attempt,
      openedAt: this.clock.now(),
      maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES,
      lastSent: 0,
      inflight: new Map(),
      pumping: false,
      pumpAgain: false,
      timers: [],
      sentSinceHeartbeat: false,
    };
    this.conn = conn;
    call.on('data', (message: vigil.v1.CollectorMessage.$Properties) => this.onMessage(conn, message));
    call.on('error', (error: GrpcStatusError) => this.onClosed(conn, error));
    call.on('end', () => this.onClosed(conn, undefined));
    call.write({ hello: this.options.hello });
    this.addTimer(conn, this.options.welcomeTimeoutMs ?? 10_000, () => {
      if (conn.welcomedAt === undefined) this.abort(conn, 'no Welcome from the collector in time');
    });
  }

  private onMessage(conn: Connection, message: vigil.v1.CollectorMessage.$Properties): void {
    if (conn !== this.conn) return;
    let handled: Promise<void> | undefined;
    if (message.welcome) handled = this.onWelcome(conn, message.welcome);
    else if (message.ack) handled = this.onAck(conn, Number(message.ack.seq ?? 0));
    else if (message.rejection) handled = this.onRejection(conn, message.rejection);
    // The spool does not throw on I/O errors; anything else is a bug, and a fresh connection resynchronises.
    handled?.catch((error: unknown) => {
      this.logger.error('failed to handle a collector message', { error: error instanceof Error ? error.message : String(error) });
      if (conn === this.conn) this.abort(conn, 'message handling failed');
    });
  }

  private async onWelcome(conn: Connection, welcome: vigil.v1.Welcome.$Properties): Promise<void> {
    const spool = this.options.spool;
    const lastStored = Number(welcome.lastStoredSeq ?? 0);
    conn.maxMessageBytes = welcome.maxMessageBytes ? Number(welcome.maxMessageBytes) : DEFAULT_MAX_MESSAGE_BYTES;
    const agentSeq = spool.lastSeq;
    // The collector may know seqs we never produced in this epoch (state restored from a backup, a cloned host, a
    // previous run whose disk refused the state): the spool continues above them, or new batches would be taken for
    // duplicates.
    const { renumbered, collectorAhead } = await spool.reconcile(lastStored);
    if (collectorAhead || renumbered > 0) {
      this.logger.warn('collector has stored sequence numbers beyond ours; continuing above them', { collector_seq: lastStored, agent_seq: agentSeq, renumbered });
    }
    if (conn !== this.conn) return;
    conn.welcomedAt = this.clock.now();
    conn.lastSent = lastStored;
    const maxRefs = Math.min(Number(welcome.maxSeriesRefs ?? 0), MAX_SERIES_REFS);
    if (maxRefs > 0 && !this.seriesRefsOff) conn.refs = new SeriesRefEncoder(maxRefs);
    this.connections++;
    this.currentState = 'streaming';
    const { endpoint, position, of } = conn.attempt;
    this.rotation.connected(endpoint);
    // With several endpoints the line names which one took over (one line per connection, so per switch too).
    this.logger.info(of > 1 ? `connected to collector ${endpoint.target} (${position} of ${of})` : 'connected to collector', {
      collector: endpoint.configured,
      last_stored_seq: lastStored,
      pending: spool.pendingBatches,
    });
    const heartbeat = setInterval(() => this.onHeartbeatTick(conn), this.options.heartbeatIntervalMs);
    heartbeat.unref();
    conn.timers.push(heartbeat);
    this.notifyIfIdle();
    await this.pump(conn);
  }

  private async onAck(conn: Connection, seq: number): Promise<void> {
    for (const sent of conn.inflight.keys()) if (sent <= seq) conn.inflight.delete(sent);
    await this.options.spool.ackUpTo(seq);
    this.notifyIfIdle();
    if (conn === this.conn) await this.pump(conn);
  }

  private async onRejection(conn: Connection, rejection: vigil.v1.Rejection.$Properties): Promise<void> {
    const seq = Number(rejection.seq ?? 0);
    const reason = rejectReasonName(rejection.reason, RejectReason as unknown as Record<number, string>);
    const samples = Number(rejection.rejectedSamples ?? 0);
    this.options.rejections?.add(reason);
    if (rejection.wholeBatch && rejection.reason === RejectReason.REJECT_REASON_SERIES_REFS) return this.resendInFull(conn, seq, rejection.detail ?? '');
    this.options.rejected.add(reason, samples);
    this.rejectionLog.log({ seq, reason, samples, detail: rejection.detail ?? '', wholeBatch: Boolean(rejection.wholeBatch) });
    if (!rejection.wholeBatch) return;
    conn.inflight.delete(seq);
    await this.options.spool.discard(seq, 'rejected');
    this.notifyIfIdle();
    if (conn === this.conn) await this.pump(conn);
  }

  /**
   * The collector could not resolve a batch's references: nothing of it was stored. Its samples go again, in
   * full and under a new seq (the spool holds the full form), and references stay off for the rest of the run, so
   * this happens at most for the batches already in flight.
   */
  private async resendInFull(conn: Connection, seq: number, detail: string): Promise<void> {
    this.logger.error('collector could not resolve our series references; resending the batch in full and sending full series from now on', { seq, detail });
    this.seriesRefsOff = true;
    conn.refs = undefined;
    conn.inflight.delete(seq);
    const read = await this.options.spool.read(seq);
    if (read.status === 'ok') {
      const { batch } = read;
      await this.options.spool.replace(seq, [{ createdMs: Number(batch.createdMs), series: batch.series, sampleCount: sampleCount(batch.series) }]);
    }
    if (conn === this.conn) await this.pump(conn);
  }

  private onHeartbeatTick(conn: Connection): void {
    if (conn !== this.conn) return;
    const now = this.clock.now();
    let oldest = Infinity;
    for (const sentAt of conn.inflight.values()) oldest = Math.min(oldest, sentAt);
    if (now - oldest > (this.options.ackTimeoutMs ?? 60_000)) {
      this.abort(conn, 'no ack from the collector in time');
      return;
    }
    const spool = this.options.spool;
    const pending = spool.pendingBatches;
    const dropped = spool.dropped.total();
    const sent = conn.sentSinceHeartbeat;
    conn.sentSinceHeartbeat = false;
    // A batch already told the collector that we are alive; the heartbeat's figures would repeat the last ones.
    if (sent && conn.reported?.pending === pending && conn.reported.dropped === dropped) return;
    conn.reported = { pending, dropped };
    conn.call.write({ heartbeat: { timeMs: now, spoolPending: pending, spoolDropped: dropped } });
  }

  private onClosed(conn: Connection, error: GrpcStatusError | undefined): void {
    if (conn !== this.conn) return;
    this.conn = undefined;
    this.clearTimers(conn);
    conn.call.removeAllListeners('data');
    conn.call.on('error', () => undefined);
    if (this.currentState === 'stopped') return;
    // A server that closes the stream cleanly is as good as gone: reconnect the same way.
    const failure = classifyStreamError(error ?? { code: 14, details: 'collector closed the stream' });
    const upFor = conn.welcomedAt === undefined ? 0 : this.clock.now() - conn.welcomedAt;
    const delay = this.rotation.failed(failure.kind, upFor >= (this.options.healthyAfterMs ?? 10_000));
    const fields = { collector: conn.attempt.endpoint.target, code: failure.codeName, detail: failure.message, retry_in_ms: delay };
    if (failure.kind === 'auth') this.logger.error('collector rejected the token; data stays in the spool, retrying', fields);
    else if (failure.kind === 'permanent') this.logger.error('collector refused the stream', fields);
    else if (failure.kind === 'busy') this.logger.warn('collector still holds an earlier stream of this agent; retrying', fields);
    else this.logger.warn('collector connection lost; reconnecting', { ...fields, pending: this.options.spool.pendingBatches });
    this.currentState = 'waiting';
    this.reconnectTimer = setTimeout(() => this.connect(), delay);
    this.reconnectTimer.unref();
  }

  private abort(conn: Connection, why: string): void {
    this.logger.warn(`${why}; reconnecting`, { collector: conn.attempt.endpoint.target });
    conn.call.cancel();
  }

  // ---- sending ----

  /** Sends pending batches in order while the window has room. Re-entrant calls coalesce. */
  private async pump(conn: Connection): Promise<void> {
    if (conn.welcomedAt === undefined) return;
    if (conn.pumping) {
      conn.pumpAgain = true;
      return;
    }
    conn.pumping = true;
    try {
      do {
        conn.pumpAgain = false;
        while (conn === this.conn && conn.inflight.size < this.window) {
          const [seq] = this.options.spool.pendingAfter(conn.lastSent, 1);
          if (seq === undefined) break;
          const read = await this.options.spool.read(seq);
          if (conn !== this.conn) return;
          if (read.status !== 'ok') {
            conn.lastSent = Math.max(conn.lastSent, seq);
            continue;
          }
          if (read.payloadBytes + ENVELOPE_BYTES > conn.maxMessageBytes) {
            await splitToFit(this.options.spool, this.logger, read.batch, conn.maxMessageBytes - ENVELOPE_BYTES);
            continue;
          }
          conn.lastSent = seq;
          conn.inflight.set(seq, this.clock.now());
          conn.sentSinceHeartbeat = true;
          // With "spooled batch" and "spool dropped", the audit trail of delivery: a batch dropped after it was sent
          // may have been stored (the collector died before its ack).
          this.logger.debug('sent batch', { seq });
          const batch = conn.refs ? conn.refs.encode(read.batch, read.payloadBytes, conn.maxMessageBytes - ENVELOPE_BYTES) : read.batch;
          if (!conn.call.write({ batch })) await waitForDrain(conn.call);
        }
      } while (conn.pumpAgain && conn === this.conn);
    } finally {
      conn.pumping = false;
    }
  }

  private notifyIfIdle(): void {
    if (this.options.spool.pendingBatches > 0) return;
    for (const waiter of [...this.idleWaiters]) waiter();
  }

  private addTimer(conn: Connection, ms: number, fn: () => void): void {
    const timer = setTimeout(fn, ms);
    timer.unref();
    conn.timers.push(timer);
  }

  private clearTimers(conn: Connection): void {
    for (const timer of conn.timers) clearTimeout(timer);
    conn.timers.length = 0;
  }
}
