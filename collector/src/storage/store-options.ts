import type { Clock } from '../common/clock.js';
import { DEFAULT_CHUNK_LIMITS, checkChunkLimits, type ChunkLimits } from './compaction.js';

export interface SqliteSampleStoreOptions {
  clock?: Clock;
  /** Largest group commit. */
  maxGroupSamples?: number;
  maxGroupBatches?: number;
  /** Samples of appends waiting for their commit; beyond it append fails with reason queue_full. */
  maxQueuedSamples?: number;
  /**
   * Samples in the log not yet compacted (held in memory, ~32 bytes each); beyond it append fails
   * with reason log_full until the compactor catches up.
   */
  maxLogSamples?: number;
  compaction?: {
    /** Background compaction on (default); off leaves it to compact() (tests, benchmarks). */
    auto?: boolean;
    /** Compact when this many samples wait in the log... */
    triggerSamples?: number;
    /** ...or when the oldest log row is this old. */
    maxLogAgeMs?: number;
    /** Samples and series moved per step (one transaction); bound how long ingest waits behind a step. */
    stepSamples?: number;
    stepSeries?: number;
    /** Least time maintenance steps get on the writer after each group commit (see WriteLoop). */
    jobSliceMs?: number;
  };
  chunk?: Partial<ChunkLimits>;
  /** Series handled per retention transaction. */
  retentionSeriesPerStep?: number;
  /** Head chunks kept decoded in memory for appending (least recently used evicted). */
  maxCachedHeads?: number;
  /** Largest step of a batch sequence past the highest stored one (ingest.max_sequence_gap). */
  maxSequenceGap?: number;
  /** Unfilled sequence ranges remembered per agent stream epoch; older ones are forgotten. */
  maxSequenceHoles?: number;
  /** New series refused beyond these counts (ingest.max_series, ingest.max_series_per_agent). */
  maxSeries?: number;
  maxSeriesPerAgent?: number;
  /** A second, read-only connection for queries (default: yes for a database file). */
  readConnection?: boolean;
  /** While writes fail, a probe write this often tells when they work again. */
  writeProbeMs?: number;
}

const DEFAULTS = {
  maxGroupSamples: 200_000,
  maxGroupBatches: 5_000,
  maxQueuedSamples: 2_000_000,
  maxLogSamples: 3_000_000,
  triggerSamples: 1_000_000,
  maxLogAgeMs: 60_000,
  stepSamples: 50_000,
  stepSeries: 250,
  jobSliceMs: 50,
  retentionSeriesPerStep: 256,
  maxCachedHeads: 500_000,
  maxCachedAgents: 100_000,
  writeProbeMs: 5_000,
  maxSequenceGap: 1_000_000,
  maxSequenceHoles: 64,
  maxSeries: 2_000_000,
  maxSeriesPerAgent: 20_000,
};

/** Series per compaction step while the log nears its bound: commits wait then, so steps may be longer. */
export const BEHIND_STEP_FACTOR = 4;

/** The options checked, with their defaults filled in. */
export type StoreConfig = typeof DEFAULTS & {
  autoCompaction: boolean;
  limits: ChunkLimits;
  /** Uncompacted plus queued samples from which compaction gets the writer first (3/4 of maxLogSamples: room left for one group and the appends in flight). */
  logHighSamples: number;
};

function positiveInt(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!Number.isSafeInteger(v) || v < 1) throw new RangeError(`sample store option ${name} must be a positive integer, got ${value}`);
  return v;
}

/** Fails fast, naming the bad option. */
export function resolveStoreOptions(options: SqliteSampleStoreOptions): StoreConfig {
  const limits = { ...DEFAULT_CHUNK_LIMITS, ...options.chunk };
  checkChunkLimits(limits);
  const c = options.compaction ?? {};
  const maxLogSamples = positiveInt('maxLogSamples', options.maxLogSamples, DEFAULTS.maxLogSamples);
  return {
    maxGroupSamples: positiveInt('maxGroupSamples', options.maxGroupSamples, DEFAULTS.maxGroupSamples),
    maxGroupBatches: positiveInt('maxGroupBatches', options.maxGroupBatches, DEFAULTS.maxGroupBatches),
    maxQueuedSamples: positiveInt('maxQueuedSamples', options.maxQueuedSamples, DEFAULTS.maxQueuedSamples),
    maxLogSamples,
    logHighSamples: Math.ceil((maxLogSamples * 3) / 4),
    triggerSamples: positiveInt('compaction.triggerSamples', c.triggerSamples, DEFAULTS.triggerSamples),
    maxLogAgeMs: positiveInt('compaction.maxLogAgeMs', c.maxLogAgeMs, DEFAULTS.maxLogAgeMs),
    stepSamples: positiveInt('compaction.stepSamples', c.stepSamples, DEFAULTS.stepSamples),
    stepSeries: positiveInt('compaction.stepSeries', c.stepSeries, DEFAULTS.stepSeries),
    jobSliceMs: positiveInt('compaction.jobSliceMs', c.jobSliceMs, DEFAULTS.jobSliceMs),
    retentionSeriesPerStep: positiveInt('retentionSeriesPerStep', options.retentionSeriesPerStep, DEFAULTS.retentionSeriesPerStep),
    maxCachedHeads: positiveInt('maxCachedHeads', options.maxCachedHeads, DEFAULTS.maxCachedHeads),
    maxCachedAgents: DEFAULTS.maxCachedAgents,
    writeProbeMs: positiveInt('writeProbeMs', options.writeProbeMs, DEFAULTS.writeProbeMs),
    maxSequenceGap: positiveInt('maxSequenceGap', options.maxSequenceGap, DEFAULTS.maxSequenceGap),
    maxSequenceHoles: positiveInt('maxSequenceHoles', options.maxSequenceHoles, DEFAULTS.maxSequenceHoles),
    maxSeries: positiveInt('maxSeries', options.maxSeries, DEFAULTS.maxSeries),
    maxSeriesPerAgent: positiveInt('maxSeriesPerAgent', options.maxSeriesPerAgent, DEFAULTS.maxSeriesPerAgent),
    autoCompaction: c.auto ?? true,
    limits,
  };
}
