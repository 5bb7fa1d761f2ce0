import { Inject, Injectable, Logger } from '@nestjs/common';
import type { IncomingHttpHeaders } from 'node:http';
import { opentelemetry, vigil } from '@vigil/proto';
import { CLOCK, type Clock } from '../common/clock.js';
import { CONFIG, METRICS_REGISTRY, SAMPLE_STORE } from '../common/tokens.js';
import { CollectorEvents } from '../common/events.js';
import type { StoredSeriesSamples } from '../common/samples.js';
import type { CollectorConfig } from '../config/config.schema.js';
import type { SampleStore } from '../storage/storage.types.js';
import { TokenVerifier } from '../auth/token-verifier.js';
import { AgentsService } from '../agents/agents.service.js';
import { REASON_NAMES, validateBatch } from '../ingest/batch-validation.js';
import { classifyStorageError } from '../ingest/ingest.errors.js';
import { isReservedMetricName } from '../metrics/exposition-names.js';
import type { Registry } from 'prom-client';
import { mapOtlpMetrics } from './otlp.mapping.js';
import { ReceiverError } from './receiver-errors.js';
import { authenticateSource, decodeContentEncoding, requireMediaType, type ReceiverSource } from './receiver-request.js';
import { ReceiversMetrics } from './receivers.metrics.js';
import { decodeRemoteWrite } from './remote-write.decode.js';
import { freshSamples, mergeSeries } from './series-streams.js';

const RejectReason = vigil.v1.RejectReason;

export interface StoreOutcome {
  stored: number;
  duplicates: number;
  /** Samples refused by validation or by the store as permanent, with the first reason of each kind. */
  rejected: number;
  problems: string[];
}

const PROTOBUF = 'application/x-protobuf';

/**
 * Prometheus remote-write and OTLP/HTTP metrics: decode, validate with the gRPC path's rules
 * (validateBatch), store exactly once per series (series-streams.ts). A retryable storage failure
 * answers 503 after the series that did commit: the sender's retry stores only the rest.
 */
@Injectable()
export class ReceiversService {
  private readonly log = new Logger('receivers');

  constructor(
    @Inject(CONFIG) private readonly config: CollectorConfig,
    @Inject(SAMPLE_STORE) private readonly store: SampleStore,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly tokens: TokenVerifier,
    private readonly agents: AgentsService,
    private readonly events: CollectorEvents,
    private readonly metrics: ReceiversMetrics,
    @Inject(METRICS_REGISTRY) registry: Registry,
  ) {
    // The same exposition guard as gRPC ingest: names the collector exposes itself are refused.
    this.isReservedMetric = (name) => isReservedMetricName(registry, name);
  }

  private readonly isReservedMetric: (name: string) => boolean;

  get maxBytes(): number {
    return this.config.ingest.max_message_bytes;
  }

  /** Checks what can be checked before the body is read (token, content type). */
  accept(kind: ReceiverSource['kind'], headers: IncomingHttpHeaders): ReceiverSource {
    const source = authenticateSource(kind, headers, this.tokens);
    if (kind === 'remote_write') {
      requireMediaType(headers, PROTOBUF, '');
      const encoding = (headers['content-encoding'] ?? '').trim().toLowerCase();
      if (encoding !== 'snappy') throw new ReceiverError('unsupported media type', `Content-Encoding must be snappy (remote write 1.0), got ${JSON.stringify(encoding || '(none)')}`);
    } else {
      requireMediaType(headers, PROTOBUF, 'OTLP/JSON is not accepted, export OTLP/HTTP protobuf');
    }
    return source;
  }

  /** One remote-write request; resolves when every valid sample is stored, throws ReceiverError otherwise. */
  async remoteWrite(source: ReceiverSource, body: Buffer): Promise<void> {
    const decoded = decodeRemoteWrite(body, this.maxBytes);
    if (decoded.staleMarkers) this.metrics.dropped.inc({ receiver: source.kind, reason: 'stale_marker' }, decoded.staleMarkers);
    const outcome = await this.storeSeries(source, decoded.series);
    // Remote write 1.0 has no partial answer: what could be stored is, the rest is a 400 (never retried).
    if (outcome.rejected) throw new ReceiverError('invalid request', `${outcome.rejected} samples refused (the others were stored): ${outcome.problems.join('; ')}`);
  }

  /** One OTLP export; resolves to the ExportMetricsServiceResponse bytes (partial_success for refused points). */
  async otlp(source: ReceiverSource, headers: IncomingHttpHeaders, body: Buffer): Promise<Uint8Array> {
    const raw = decodeContentEncoding(headers, body, this.maxBytes);
    let request: opentelemetry.proto.ExportMetricsServiceRequest;
    try {
      request = opentelemetry.proto.ExportMetricsServiceRequest.decode(raw);
    } catch (error) {
      throw new ReceiverError('invalid request', `body is not an OTLP ExportMetricsServiceRequest (${(error as Error).message})`);
    }
    const mapped = mapOtlpMetrics(request);
    if (mapped.rejectedPoints) this.metrics.dropped.inc({ receiver: source.kind, reason: 'unsupported_point' }, mapped.rejectedPoints);
    const outcome = await this.storeSeries(source, mapped.series);
    const rejected = mapped.rejectedPoints + outcome.rejected;
    const problems = [...mapped.problems, ...outcome.problems];
    const response = rejected ? { partialSuccess: { rejectedDataPoints: rejected, errorMessage: problems.join('; ') } } : {};
    return opentelemetry.proto.ExportMetricsServiceResponse.encode(response).finish();
  }

  countRequest(kind: ReceiverSource['kind'], code: number): void {
    this.metrics.requests.inc({ receiver: kind, code: String(code) });
  }

  private async storeSeries(source: ReceiverSource, series: vigil.v1.ISeries[]): Promise<StoreOutcome> {
    await this.agents.sourceSeen({ id: source.id, hostname: source.sender, version: '' });
    const ingest = this.config.ingest;
    const validation = validateBatch(
      { seq: 1, series },
      { agentId: source.id, hostname: source.sender, nowMs: this.clock.now(), maxFutureMs: ingest.max_future, maxAgeMs: ingest.max_age, maxSeriesPerBatch: ingest.max_series_per_batch, isReservedMetric: this.isReservedMetric },
    );
    if (validation.status === 'rejected') {
      this.metrics.dropped.inc({ receiver: source.kind, reason: REASON_NAMES[validation.reason] ?? 'unspecified' }, validation.samples);
      throw new ReceiverError('invalid request', validation.detail);
    }
    const outcome: StoreOutcome = { stored: 0, duplicates: 0, rejected: 0, problems: [] };
    for (const r of validation.rejections) {
      this.metrics.dropped.inc({ receiver: source.kind, reason: REASON_NAMES[r.reason] ?? 'unspecified' }, r.count);
      // Prometheus sends `up` and `scrape_*` of its own targets in every request: refused like any
      // reserved name, but counted only, so a correct sender is not answered 400 (non-recoverable) forever.
      if (r.reason === RejectReason.REJECT_REASON_RESERVED_METRIC_NAME) continue;
      outcome.rejected += r.count;
      outcome.problems.push(r.detail);
    }
    const appends: Array<ReturnType<SampleStore['append']>> = [];
    const sizes: number[] = [];
    for (const [epoch, s] of mergeSeries(validation.series)) {
      const fresh = freshSamples(s.timestamps, s.values, await this.store.lastStoredSeq(source.id, epoch));
      outcome.duplicates += fresh.dropped;
      if (fresh.timestamps.length === 0) continue;
      const seq = fresh.timestamps[fresh.timestamps.length - 1]!;
      appends.push(this.store.append({ agentId: source.id, epoch, seq, sequence: 'timestamps', series: [{ ...s, timestamps: fresh.timestamps, values: fresh.values }] }));
      sizes.push(fresh.timestamps.length);
    }
    // Every series goes to the store at once: one group commit for the whole request.
    const results = await Promise.allSettled(appends);
    const stored: StoredSeriesSamples[] = [];
    let retryable: string | undefined;
    for (const [i, result] of results.entries()) {
      if (result.status === 'fulfilled') {
        if (result.value.outcome.status === 'stored') outcome.stored += result.value.outcome.samples;
        else outcome.duplicates += sizes[i]!; // the same samples committed meanwhile (a retry racing its original)
        stored.push(...result.value.stored);
        continue;
      }
      const failure = classifyStorageError(result.reason);
      if (failure.kind === 'retryable') retryable ??= failure.error.message;
      else {
        outcome.rejected += sizes[i]!;
        outcome.problems.push(failure.detail);
      }
    }
    this.metrics.samples.inc({ receiver: source.kind }, outcome.stored);
    if (outcome.duplicates) this.metrics.dropped.inc({ receiver: source.kind, reason: 'duplicate' }, outcome.duplicates);
    if (stored.length) this.events.emit('samples', stored);
    if (retryable) {
      this.log.warn(`${source.id}: ${retryable}`);
      throw new ReceiverError('service unavailable', retryable);
    }
    return outcome;
  }
}
