// What both sample stores do around their group commit, whatever the engine: admit or refuse an
// append (closed, malformed, a replay, overload), keep the counters and the committed sequences,
// settle a group after its commit, and load what is committed at start.
import type { Clock } from '../common/clock.js';
import type { DialectName, SqlReader } from '../database/database.js';
import { checkBatch } from './batch-contract.js';
import { decodeChunk } from './chunk-codec.js';
import { settleGroup, streamKey, type GroupPlan, type GroupSamples } from './group-plan.js';
import { forEachHeadChunk } from './head-cache.js';
import type { LatestPoints } from './latest-points.js';
import { EMPTY_SEQUENCE, decodeSequence, judgeSequence, type SequenceState } from './sequence-window.js';
import type { SeriesCache } from './series-cache.js';
import { StorageClosedError, StorageInputError, StorageOverloadedError } from './storage.errors.js';
import { sequenceGapLimit, type CommitInfo, type IncomingBatch, type Labels, type MetricKind, type SeriesLimited } from './storage.types.js';
import type { StoreConfig } from './store-options.js';
import { Listeners, newCounters, type SampleStoreStats } from './store-stats.js';
import { WriteHealth, type WriteState } from './write-health.js';
import type { AppendResult, QueuedAppend, WriteLoop } from './write-loop.js';

export interface AppendFrontParts {
  cfg: StoreConfig;
  clock: Clock;
  loop: WriteLoop;
  /** Samples written but not compacted yet (bounded by maxLogSamples). */
  uncompactedSamples(): number;
  /** A small real write on the writer's turn, for the write-health probe. */
  probeWrite(): Promise<void>;
  /**
   * Which verdicts of this process's sequence cache are final before the commit: all of them when
   * the process is the only writer (SQLite), only `duplicate` when other collectors write too.
   */
  finalVerdicts: 'all' | 'duplicate';
}

export class AppendFront {
  readonly counters = newCounters();
  readonly commitListeners = new Listeners<CommitInfo>();
  /** Committed sequences per agent stream epoch (highest and holes; see sequence-window.ts). */
  readonly sequences = new Map<string, SequenceState>();
  readonly health: WriteHealth;

  constructor(private readonly p: AppendFrontParts) {
    this.health = new WriteHealth(p.clock, p.cfg.writeProbeMs, async () => {
      const overload = this.overload(1);
      if (overload) throw overload;
      await p.probeWrite();
    });
  }

  /** Refuses what cannot be stored now or ever, answers known replays, queues the rest. */
  append(batch: IncomingBatch): Promise<AppendResult> {
    const { loop, cfg } = this.p;
    if (loop.closed) {
      this.counters.rejected.closed++;
      return Promise.reject(new StorageClosedError());
    }
    let samples: number;
    try {
      samples = checkBatch(batch);
    } catch (error) {
      this.counters.rejected.invalid++;
      return Promise.reject(error);
    }
    // A replay of a committed batch needs no write: its commit already happened.
    const verdict = judgeSequence(this.sequenceOf(batch.agentId, batch.epoch), batch.seq, sequenceGapLimit(batch, cfg.maxSequenceGap));
    if (verdict.kind === 'duplicate') {
      this.counters.batchesDuplicate++;
      return Promise.resolve({ outcome: { status: 'duplicate' }, stored: [] });
    }
    if (verdict.kind !== 'new' && this.p.finalVerdicts === 'all') {
      this.counters.rejected.invalid++;
      return Promise.reject(new StorageInputError(`agent ${batch.agentId}: ${verdict.detail}`, verdict.kind === 'gap' ? 'sequence_gap' : 'sequence'));
    }
    const overload = this.overload(samples);
    if (overload) {
      this.counters.rejected[overload.reason]++;
      this.health.failed(overload);
      return Promise.reject(overload);
    }
    return loop.append(batch, samples);
  }

  /** Why a batch of `samples` would be refused now, if it would. */
  overload(samples: number): StorageOverloadedError | undefined {
    const { loop, cfg } = this.p;
    const queued = loop.queuedSamples;
    if (queued + samples > cfg.maxQueuedSamples && loop.queuedBatches > 0) {
      return new StorageOverloadedError('queue_full', `storage write queue full: ${queued} samples queued, limit ${cfg.maxQueuedSamples}`);
    }
    const uncompacted = this.p.uncompactedSamples();
    if (uncompacted + queued + samples > cfg.maxLogSamples && uncompacted > 0) {
      return new StorageOverloadedError('log_full', `storage log full: ${uncompacted} samples await compaction, limit ${cfg.maxLogSamples}`);
    }
    return undefined;
  }

  sequenceOf(agentId: string, epoch: string): SequenceState {
    return this.sequences.get(streamKey(agentId, epoch)) ?? EMPTY_SEQUENCE;
  }

  limitedBy(agentId: string, refused: { series: number; samples: number; first: string }, by: 'max_series' | 'max_series_per_agent' | undefined): SeriesLimited {
    const { maxSeries, maxSeriesPerAgent } = this.p.cfg;
    const limit = by === 'max_series' ? `${maxSeries} series in the store (ingest.max_series)` : `${maxSeriesPerAgent} series of agent ${agentId} (ingest.max_series_per_agent)`;
    return { series: refused.series, samples: refused.samples, detail: `${refused.series} new series refused (first ${refused.first}): limit of ${limit} reached` };
  }

  /** A group's commit failed: nothing of it is visible; every append of it fails. */
  failed(group: readonly QueuedAppend[], error: unknown): void {
    this.counters.commitFailures++;
    this.health.failed(error);
    for (const item of group) item.reject(error);
  }

  /** After a group's commit: remember its sequences, count, settle every append, tell listeners. */
  committed(group: readonly QueuedAppend[], plan: GroupPlan, done: GroupSamples, startedMs: number): void {
    if (done.stored > 0) this.health.succeeded();
    for (const [sk, s] of plan.seqs) this.sequences.set(sk, s.state);
    const c = this.counters;
    c.commits++;
    c.kindConflicts += done.kindConflicts;
    c.batchesStored += done.stored;
    c.samplesStored += done.samples;
    c.batchesDuplicate += settleGroup(group, plan);
    this.commitListeners.emit({ batches: group.length, samples: done.samples, durationMs: performance.now() - startedMs });
  }

  stats(gauges: Pick<SampleStoreStats, 'logRows' | 'logSamples' | 'series' | 'cachedHeads'>): SampleStoreStats {
    const { loop } = this.p;
    return { ...this.counters, rejected: { ...this.counters.rejected }, queuedBatches: loop.queuedBatches, queuedSamples: loop.queuedSamples, ...gauges };
  }
}

/** The SampleStore methods both stores answer from their AppendFront. */
export abstract class FrontedStore {
  protected abstract readonly front: AppendFront;

  append(batch: IncomingBatch): Promise<AppendResult> {
    return this.front.append(batch);
  }

  /** Called after every commit (for the storage write-duration metric). */
  onCommit(listener: (info: CommitInfo) => void): void {
    this.front.commitListeners.add(listener);
  }

  /** Whether writes work now (readiness), with the reason when they do not. */
  writeState(): WriteState {
    return this.front.health.state();
  }
}

/** Loads the committed series and sequences, and each series' latest point from its head chunk. */
export async function loadCommitted(db: SqlReader, dialect: DialectName, series: SeriesCache, sequences: Map<string, SequenceState>, latest: LatestPoints): Promise<void> {
  const rows = await db.all<{ id: number; key: string; metric: string; labels: string; kind: MetricKind }>('SELECT id, key, metric, labels, kind FROM series ORDER BY id');
  series.load(rows.map((row) => ({ key: row.key, ref: { id: row.id, metric: row.metric, labels: JSON.parse(row.labels) as Labels, kind: row.kind } })));
  for (const row of await db.all<{ agent_id: string; epoch: string; last_seq: number; holes: string }>('SELECT agent_id, epoch, last_seq, holes FROM stream_seq')) {
    sequences.set(streamKey(row.agent_id, row.epoch), decodeSequence(row.last_seq, row.holes));
  }
  await forEachHeadChunk(
    db,
    series.ids(),
    (row) => {
      const { timestamps, values } = decodeChunk(row.data);
      const n = timestamps.length;
      if (n) latest.set(row.series_id, [timestamps[n - 1]!, values[n - 1]!]);
    },
    dialect,
  );
}
