// Background compaction: moves samples from the durable log into per-series Gorilla chunks, in
// rounds of bounded steps that run on the writer's turn between group commits.
import type { Clock } from '../common/clock.js';
import type { Database } from '../database/database.js';
import { compactSeries, type ChunkWrite } from './compaction.js';
import type { HeadCache } from './head-cache.js';
import type { PendingLog } from './pending-log.js';
import type { RowWriter } from './row-writer.js';
import { StorageClosedError } from './storage.errors.js';
import { BEHIND_STEP_FACTOR, type StoreConfig } from './store-options.js';
import { Listeners, storageLog, type StoreCounters } from './store-stats.js';
import type { WriteLoop } from './write-loop.js';

export interface CompactionInfo {
  /** Log rows deleted (only by the last step of a round). */
  logRows: number;
  samples: number;
  lateSamples: number;
  chunkWrites: number;
  series: number;
  durationMs: number;
  /** Of durationMs: reading head chunks, and the write transaction. */
  loadMs: number;
  writeMs: number;
}

/** A compaction round: log rows <= endRowId, series[next..] still to move. */
interface Round {
  endRowId: number;
  series: number[];
  next: number;
}

export interface CompactorParts {
  db: Database;
  clock: Clock;
  cfg: StoreConfig;
  pending: PendingLog;
  heads: HeadCache;
  rows: RowWriter;
  loop: WriteLoop;
  counters: StoreCounters;
  /** The log nears its bound: steps take BEHIND_STEP_FACTOR times as many series. */
  behind: () => boolean;
}

export class Compactor {
  /** The next chunk id to hand out (chunk ids follow write order). */
  nextChunkId = 1;
  readonly listeners = new Listeners<CompactionInfo>();
  private round: Round | undefined;
  private autoQueued = false;
  /** A step's series' samples, one series at a time (sized for the step's largest). */
  private scratchTs = new Float64Array(256);
  private scratchValues = new Float64Array(256);

  constructor(private readonly p: CompactorParts) {}

  /** Starts background compaction when the log is big or old enough (one job at a time). */
  maybeCompact(): void {
    const { cfg, pending } = this.p;
    if (this.p.loop.closed || !cfg.autoCompaction || this.autoQueued || pending.rowCount === 0) return;
    const oldest = pending.oldestCreatedMs ?? Infinity;
    if (pending.samples < cfg.triggerSamples && this.p.clock.now() - oldest < cfg.maxLogAgeMs) return;
    this.autoQueued = true;
    this.compactLog(pending.lastRowId)
      .catch((error: unknown) => {
        // Counted in compactionFailures; the log keeps the samples and the next trigger retries.
        if (!(error instanceof StorageClosedError)) storageLog.error(`background compaction failed: ${(error as Error).stack ?? String(error)}`);
      })
      .finally(() => (this.autoQueued = false));
  }

  /** Moves every log row written so far into chunks, in bounded steps between group commits. */
  compact(): Promise<void> {
    return this.compactLog(this.p.pending.lastRowId);
  }

  private compactLog(uptoRowId: number): Promise<void> {
    return this.p.loop.enqueue(async () => {
      if (!(await this.step(uptoRowId))) return true;
      return !this.round && !this.p.pending.hasRowsUpTo(uptoRowId);
    });
  }

  /**
   * One step of the current compaction round, starting a round (over every log row written so
   * far) if none is running and some row <= uptoRowId waits. False when there was nothing to do.
   * Runs on the writer's turn only.
   */
  async step(uptoRowId: number): Promise<boolean> {
    const { pending } = this.p;
    if (!this.round) {
      if (!pending.hasRowsUpTo(uptoRowId)) return false;
      const endRowId = pending.lastRowId;
      this.round = { endRowId, series: pending.seriesUpTo(endRowId), next: 0 };
    }
    await this.compactSeriesStep(this.round);
    return true;
  }

  /**
   * Moves the samples (in log rows <= round.endRowId) of the round's next few series into chunks,
   * recording the progress in the same transaction (one statement); the round's last step deletes the log rows.
   */
  private async compactSeriesStep(round: Round): Promise<void> {
    const { db, cfg, pending, heads, rows, counters } = this.p;
    const started = performance.now();
    const end = round.endRowId;
    const ids: number[] = [];
    let samples = 0;
    // Each step costs a few round trips to the database whatever its size; when the log must shrink
    // fast, fewer and larger steps move more series in the same time.
    const stepSeries = this.p.behind() ? cfg.stepSeries * BEHIND_STEP_FACTOR : cfg.stepSeries;
    let most = 0;
    for (let i = round.next; i < round.series.length && ids.length < stepSeries && samples < cfg.stepSamples; i++) {
      ids.push(round.series[i]!);
      const n = pending.countUpTo(round.series[i]!, end);
      samples += n;
      if (n > most) most = n;
    }
    if (most > this.scratchTs.length) {
      this.scratchTs = new Float64Array(most);
      this.scratchValues = new Float64Array(most);
    }
    const { scratchTs, scratchValues } = this;
    const last = round.next + ids.length >= round.series.length;
    const writes: ChunkWrite[] = [];
    let late = 0;
    let loaded = started;
    let writing = started;
    try {
      await heads.load(db, ids);
      loaded = performance.now();
      const nextId = () => this.nextChunkId++;
      for (const seriesId of ids) {
        const n = pending.copyUpTo(seriesId, end, scratchTs, scratchValues);
        const r = compactSeries(seriesId, heads.get(seriesId), scratchTs, scratchValues, cfg.limits, nextId, n);
        for (const w of r.writes) writes.push(w);
        late += r.late;
        if (r.head) heads.touch(seriesId, r.head);
      }
      writing = performance.now();
      await rows.compactionStep(db, writes, end, ids, last);
    } catch (error) {
      // Heads may have been extended in memory; the database still holds their previous state.
      heads.forget(ids);
      counters.compactionFailures++;
      throw error;
    }
    const written = performance.now();
    for (const id of ids) pending.dropSeries(id, end);
    round.next += ids.length;
    const rowsBefore = pending.rowCount;
    if (last) {
      pending.dropRows(end);
      this.round = undefined;
    }
    counters.compactions++;
    counters.samplesCompacted += samples;
    counters.lateSamples += late;
    heads.evict();
    this.listeners.emit({
      logRows: rowsBefore - pending.rowCount,
      samples,
      lateSamples: late,
      chunkWrites: writes.length,
      series: ids.length,
      durationMs: performance.now() - started,
      loadMs: loaded - started,
      writeMs: written - writing,
    });
  }
}
