import { Inject, Injectable, Logger } from '@nestjs/common';
import { status as GrpcStatus, type ServerDuplexStream } from '@grpc/grpc-js';
import { RejectReason, vigil } from '@vigil/proto';
import type { Registry } from 'prom-client';
import { CLOCK, type Clock } from '../common/clock.js';
import { CONFIG, METRICS_REGISTRY, SAMPLE_STORE } from '../common/tokens.js';
import { isReservedMetricName } from '../metrics/exposition-names.js';
import { CollectorEvents } from '../common/events.js';
import type { CollectorConfig } from '../config/config.schema.js';
import type { SampleStore } from '../storage/storage.types.js';
import { AgentsService } from '../agents/agents.service.js';
import { TokenVerifier, bearerToken } from '../auth/token-verifier.js';
import { REASON_NAMES, SeriesMemo, type BatchValidation, type ValidationContext } from './batch-validation.js';
import { StreamError, classifyStorageError, streamErrorFor } from './ingest.errors.js';
import { IngestMetrics } from './ingest.metrics.js';
import { AgentStreams, type StreamLease } from './agent-streams.js';
import { helloProblem } from './hello-validation.js';
import { InflightBudget } from './inflight-budget.js';
import { CarriedSeries } from './carried-series.js';
import { checkStreamBatch, type CheckedBatch } from './ref-batch.js';
import { checkSeriesBatch, decodeAgentMessage, readSeriesBatch } from './wire-batch.js';
import { SeriesRefTable } from './series-refs.js';

/** Requests arrive as bytes (ingest.server.ts): full-series batches are read against the stream's memo (wire-batch.ts). */
type Stream = ServerDuplexStream<Buffer, vigil.v1.CollectorMessage>;

const HELLO_TIMEOUT_MS = 10_000;
/** How long a hello for an agent id that has a live stream waits for that stream to go away. */
const TAKEOVER_GRACE_MS = 1_000;

/**
 * One agent connection: hello → welcome, then batches in order. Batches are handed to the store as
 * they arrive (the store groups concurrent batches of all agents into one commit) and acked in
 * order once committed. A retryable storage failure ends the stream without acking, so the agent
 * resends; a permanent one rejects the batch whole (see ingest.errors.ts).
 */
@Injectable()
export class IngestService {
  private readonly log = new Logger('ingest');
  private readonly open = new Set<Stream>();
  private readonly streams: AgentStreams;
  private readonly inflight: InflightBudget;
  private readonly carried = new CarriedSeries();
  private readonly isReservedMetric: (name: string) => boolean;

  constructor(
    @Inject(CONFIG) private readonly config: CollectorConfig,
    @Inject(SAMPLE_STORE) private readonly store: SampleStore,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly tokens: TokenVerifier,
    private readonly agents: AgentsService,
    private readonly events: CollectorEvents,
    private readonly metrics: IngestMetrics,
    @Inject(METRICS_REGISTRY) registry: Registry,
  ) {
    this.inflight = new InflightBudget(config.ingest.max_inflight_bytes);
    this.isReservedMetric = (name) => isReservedMetricName(registry, name);
    this.streams = new AgentStreams({ staleAfterMs: config.ingest.stream_stale_after, graceMs: TAKEOVER_GRACE_MS, now: () => clock.now() });
  }

  handle(call: Stream): void {
    const token = bearerToken(String(call.metadata.get('authorization')[0] ?? ''));
    const peer = call.getPeer();
    if (!this.tokens.isKnownAgentToken(token)) {
      this.fail(call, new StreamError(GrpcStatus.UNAUTHENTICATED, 'missing or unknown agent token', 'unauthenticated'), peer);
      return;
    }
    this.open.add(call);
    let agentId: string | undefined;
    let hostname = '';
    let epoch = '';
    let ended = false;
    let lease: StreamLease | undefined;
    const refs = new SeriesRefTable(this.config.ingest.max_series_per_agent);
    const memo = new SeriesMemo();
    let markFinished: () => void = () => undefined;
    const finished = new Promise<void>((resolve) => (markFinished = resolve));
    // Acks leave in batch order: each batch's ack waits for the previous one.
    let chain: Promise<void> = Promise.resolve();
    const helloTimer = setTimeout(() => abort(new StreamError(GrpcStatus.INVALID_ARGUMENT, 'no hello within 10s', 'no_hello')), HELLO_TIMEOUT_MS);
    helloTimer.unref();

    const finish = () => {
      if (ended) return;
      ended = true;
      clearTimeout(helloTimer);
      this.open.delete(call);
      if (agentId && lease) {
        this.streams.release(agentId, lease);
        this.carried.disconnected(agentId, refs);
        this.agents.disconnected(agentId);
        this.log.log(`agent ${agentId} (${hostname}) disconnected from ${peer}`);
      }
      markFinished();
    };
    const abort = (error: StreamError) => {
      if (ended) return;
      this.fail(call, error, peer);
      finish();
    };
    // Work for one stream runs strictly in order: a batch is stored only after the previous one
    // committed, so a failed commit can never be overtaken by a later batch (whose higher sequence
    // number would then hide the lost one). Concurrency comes from many agents sharing a commit.
    const enqueue = (work: () => Promise<void>, done?: () => void) => {
      chain = chain.then(() => (ended ? undefined : work())).catch((error: unknown) => {
        abort(streamErrorFor(error));
        if (!(error instanceof StreamError)) this.log.error(`agent ${agentId ?? peer}: ${(error as Error).message}`);
      }).finally(done);
    };
    call.on('error', () => finish());
    call.on('cancelled', () => finish());
    call.on('close', () => finish());
    call.on('end', () => {
      if (lease) lease.closing = true;
      // The agent closed its side: finish acking what is in flight, then close ours.
      void chain.then(() => {
        if (!ended) call.end();
        finish();
      });
    });

    // A checked batch: admitted within ingest.max_inflight_bytes, stored in stream order, acked once committed.
    const take = (id: string, seq: number, { validation, bytes }: CheckedBatch, receivedAt: number) => {
      if (!this.inflight.tryReserve(bytes)) {
        throw new StreamError(GrpcStatus.UNAVAILABLE, `collector busy: ${this.inflight.bytes} bytes of batches in flight (ingest.max_inflight_bytes ${this.inflight.limit}), retry later`, 'inflight_full');
      }
      enqueue(async () => {
        await this.ingestBatch(call, id, epoch, seq, validation);
        if (ended) return;
        this.write(call, { ack: { seq } });
        this.metrics.ackLatency.observe((performance.now() - receivedAt) / 1000);
      }, () => this.inflight.release(bytes));
    };

    call.on('data', (bytes: Buffer) => {
      if (ended) return;
      if (lease) lease.lastMessageMs = this.clock.now();
      const receivedAt = performance.now();
      try {
        // Checked on arrival, in arrival order (definitions hold for the batches after them): the result
        // holds compact copies of the samples and shared label sets, so the decoded message is garbage
        // before it can be promoted while the batch waits for its turn (docs/storage.md, issue 14 memory).
        const wire = agentId !== undefined ? readSeriesBatch(bytes) : undefined;
        if (wire) {
          take(agentId!, wire.seq, checkSeriesBatch(wire, this.validationContext(agentId!, hostname, memo)), receivedAt);
          return;
        }
        const message = decodeAgentMessage(bytes);
        if (message.body === 'hello') {
          if (agentId) throw new StreamError(GrpcStatus.INVALID_ARGUMENT, 'hello sent twice', 'protocol');
          const hello = message.hello!;
          const id = this.checkHello(hello, token!);
          agentId = id;
          hostname = hello.hostname!;
          epoch = hello.streamEpoch!;
          clearTimeout(helloTimer);
          const claimant: StreamLease = {
            peer, intervalMs: hello.intervalMs ?? 0, lastMessageMs: this.clock.now(), closing: false, finished,
            evict: () => abort(new StreamError(GrpcStatus.ABORTED, `replaced by a newer stream of agent ${id}`, 'replaced')),
          };
          enqueue(async () => {
            const claim = await this.streams.claim(id, claimant);
            if (claim.status === 'refused') {
              throw new StreamError(GrpcStatus.ALREADY_EXISTS, `agent ${id} already has a live stream (from ${claim.holder.peer}); refusing this one`, 'already_connected');
            }
            if (ended) {
              this.streams.release(id, claimant);
              return;
            }
            if (claim.replaced) this.log.warn(`agent ${id}: stream from ${claim.replaced.peer} was dead (closed or silent); replaced by the one from ${peer}`);
            lease = claimant;
            this.carried.connected(id, refs);
            await this.agents.connected({
              id, hostname, version: hello.version ?? '', labels: { ...(hello.labels ?? {}) }, inventory: { ...(hello.inventory ?? {}) }, intervalMs: hello.intervalMs ?? 0,
            });
            const lastStoredSeq = await this.store.lastStoredSeq(id, epoch);
            this.write(call, { welcome: { lastStoredSeq, maxMessageBytes: this.config.ingest.max_message_bytes, maxSeriesRefs: refs.limit } });
            this.log.log(`agent ${id} (${hostname}) connected from ${peer}; resumes after seq ${lastStoredSeq}`);
          });
          return;
        }
        if (!agentId) throw new StreamError(GrpcStatus.FAILED_PRECONDITION, 'the first message must be hello', 'protocol');
        const id = agentId;
        if (message.body === 'heartbeat') {
          const hb = message.heartbeat!;
          this.agents.seen(id, { pending: Number(hb.spoolPending ?? 0), dropped: Number(hb.spoolDropped ?? 0) });
          return;
        }
        if (message.body === 'batch') {
          const batch = message.batch!;
          take(id, Number(batch.seq ?? 0), checkStreamBatch(batch, refs, this.validationContext(id, hostname, memo)), receivedAt);
          return;
        }
        throw new StreamError(GrpcStatus.INVALID_ARGUMENT, 'empty message', 'protocol');
      } catch (error) {
        abort(error instanceof StreamError ? error : new StreamError(GrpcStatus.INTERNAL, String(error), 'internal'));
      }
    });
  }

  /** Ends every open stream (shutdown): agents reconnect elsewhere or later and resend unacked batches. */
  closeAll(): void {
    for (const call of this.open) this.fail(call, new StreamError(GrpcStatus.UNAVAILABLE, 'collector shutting down', 'shutdown'), call.getPeer());
  }

  private checkHello(hello: vigil.v1.IHello, token: string): string {
    const problem = helloProblem(hello, this.config.ingest.max_hello_bytes);
    if (problem) throw new StreamError(GrpcStatus.INVALID_ARGUMENT, problem, 'invalid_hello');
    const id = hello.agentId!;
    if (!this.tokens.agentMayUse(id, token)) throw new StreamError(GrpcStatus.UNAUTHENTICATED, `token not valid for agent ${id}`, 'unauthenticated');
    return id;
  }

  private validationContext(agentId: string, hostname: string, memo: SeriesMemo): ValidationContext {
    const ingest = this.config.ingest;
    return { agentId, hostname, nowMs: this.clock.now(), maxFutureMs: ingest.max_future, maxAgeMs: ingest.max_age, maxSeriesPerBatch: ingest.max_series_per_batch, isReservedMetric: this.isReservedMetric, memo };
  }

  /** Stores one validated batch, or rejects it; the batch may be acked once this resolved. */
  private async ingestBatch(call: Stream, agentId: string, epoch: string, seq: number, result: BatchValidation): Promise<void> {
    this.agents.seen(agentId);
    if (result.status === 'rejected') return this.rejectBatch(call, seq, result.reason, result.detail, result.samples);
    for (const r of result.rejections) {
      this.metrics.rejectedSamples.inc({ reason: REASON_NAMES[r.reason] ?? 'unspecified' }, r.count);
    }
    let appended: Awaited<ReturnType<SampleStore['append']>>;
    try {
      appended = await this.store.append({ agentId, epoch, seq, series: result.series, columns: result.columns });
    } catch (error) {
      const failure = classifyStorageError(error);
      if (failure.kind === 'retryable') throw error;
      return this.rejectBatch(call, seq, failure.reason, failure.detail, result.samples);
    }
    const { outcome, stored } = appended;
    if (outcome.status === 'duplicate') {
      this.metrics.batches.inc({ outcome: 'duplicate' });
      return;
    }
    this.metrics.batches.inc({ outcome: 'stored' });
    this.metrics.samples.inc(outcome.samples);
    const rejections = outcome.limited
      ? [...result.rejections, { reason: RejectReason.REJECT_REASON_SERIES_LIMIT, count: outcome.limited.samples, detail: outcome.limited.detail }]
      : result.rejections;
    if (outcome.limited) this.metrics.rejectedSamples.inc({ reason: 'series_limit' }, outcome.limited.samples);
    for (const r of rejections) {
      this.write(call, { rejection: { seq, reason: r.reason, detail: r.detail, rejectedSamples: r.count, wholeBatch: false } });
    }
    if (stored.length) this.events.emit('samples', stored);
  }

  /** Rejects a whole batch. Nothing of it is stored; acking it lets the agent drop it instead of resending forever. */
  private rejectBatch(call: Stream, seq: number, reason: vigil.v1.RejectReason, detail: string, samples: number): void {
    this.metrics.batches.inc({ outcome: 'rejected' });
    this.metrics.rejectedSamples.inc({ reason: REASON_NAMES[reason] ?? 'unspecified' }, samples);
    this.write(call, { rejection: { seq, reason, detail, rejectedSamples: samples, wholeBatch: true } });
  }

  private write(call: Stream, message: vigil.v1.ICollectorMessage): void {
    if (!call.writable || call.destroyed) return;
    call.write(vigil.v1.CollectorMessage.create(message as vigil.v1.CollectorMessage));
  }

  private fail(call: Stream, error: StreamError, peer: string): void {
    this.metrics.rejectedStreams.inc({ reason: error.reason });
    if (error.code === GrpcStatus.UNAUTHENTICATED) this.log.warn(`refused agent stream from ${peer}: ${error.message}`);
    else if (error.reason !== 'shutdown') this.log.warn(`ending agent stream from ${peer}: ${error.message}`);
    this.open.delete(call);
    if (call.destroyed) return;
    call.emit('error', { code: error.code, details: error.message, message: error.message });
  }
}
