// One remote-write target: reads the journal from the target's cursor, sends one request at a
// time, retries what may be retried, and moves the durable cursor only after the answer.
import { Logger } from '@nestjs/common';
import type { Clock } from '../common/clock.js';
import { backoffMs } from '../common/retry.js';
import { decodeLog } from '../storage/sample-log.js';
import type { RemoteWriteTarget } from './remote-write.config.js';
import type { TargetBacklog } from './remote-write.metrics.js';
import type { RemoteWriteMetrics } from './remote-write.metrics.js';
import type { Backlog, JournalPosition, JournalRow } from './remote-write.repository.js';
import type { RemoteWriteSend } from './remote-write.client.js';
import { orderForSend, recordSent, RowCursor, type SeriesSlice } from './request-batch.js';
import { retryDelayMs } from './send-outcome.js';
import { encodeWriteRequest, type Label, type TimeSeries } from './write-request.js';

/** The journal as a shipper uses it (RemoteWriteRepository; a fake in tests). */
export interface Journal {
  rowAt(seq: number): Promise<JournalRow | undefined>;
  backlog(fromSeq: number): Promise<Backlog>;
  rowSizes(fromSeq: number): Promise<Array<{ seq: number; samples: number }>>;
  saveCursor(name: string, position: JournalPosition, nowMs: number): Promise<void>;
}

export interface ShipperParts {
  target: RemoteWriteTarget;
  journal: Journal;
  send: RemoteWriteSend;
  /** Prometheus labels of a stored series; undefined when the store does not know it. */
  labels(seriesId: number): Promise<Label[] | undefined>;
  metrics: Pick<RemoteWriteMetrics, 'sent' | 'failed' | 'dropped' | 'request'>;
  clock: Clock;
  /** How often an idle shipper looks for new rows when no commit woke it. */
  idlePollMs?: number;
  random?: () => number;
}

/** The backlog limit is checked at most this often (it sums the journal). */
const BACKLOG_CHECK_MS = 1_000;

export class TargetShipper {
  private readonly log: Logger;
  /** Everything before it was answered by the receiver (or dropped and counted). */
  private position: JournalPosition;
  /** The cursor as saved in the database: the restart point. Follows `position`, one save at a time. */
  private saved: JournalPosition;
  private saving: Promise<void> | undefined;
  private saveError: unknown;
  private row: { seq: number; cursor: RowCursor } | undefined;
  /** Newest timestamp sent per series: a receiver refuses a whole request for one older sample. */
  private readonly lastSent = new Map<number, number>();
  private stopped = false;
  private running: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  private backlogCheckedMs = -Infinity;
  private failingSince: number | undefined;

  constructor(private readonly p: ShipperParts, start: JournalPosition) {
    this.position = { ...start };
    this.saved = { ...start };
    this.log = new Logger(`remote-write ${p.target.name}`);
  }

  get name(): string {
    return this.p.target.name;
  }

  /** The durable cursor as this shipper last saved it (or started from). */
  get savedCursor(): JournalPosition {
    return { ...this.saved };
  }

  start(): void {
    this.running ??= this.loop();
  }

  /** New rows were committed: an idle shipper looks at once. */
  wake(): void {
    this.wakeUp?.();
  }

  /** Stops after the current attempt and saves the cursor; an unanswered request is resent at the next start. Safe to call twice. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wakeUp?.();
    await this.running;
    await this.flushCursor().catch((error: unknown) => this.log.error(`cursor not saved at stop (the samples since the last save will be sent again): ${(error as Error).message}`));
  }

  async backlog(): Promise<TargetBacklog> {
    const b = await this.p.journal.backlog(this.position.seq);
    const pending = Math.max(0, b.samples - this.position.offset);
    const lagMs = pending > 0 && b.oldestCreatedMs !== undefined ? Math.max(0, this.p.clock.now() - b.oldestCreatedMs) : 0;
    return { target: this.name, pendingSamples: pending, lagSeconds: lagMs / 1000 };
  }

  private async loop(): Promise<void> {
    let errors = 0;
    while (!this.stopped) {
      try {
        const progressed = await this.step();
        errors = 0;
        if (!progressed) await this.sleep(this.p.idlePollMs ?? 1_000);
      } catch (error) {
        // The journal could not be read or the cursor not saved: nothing moved, try again later.
        errors++;
        this.log.error(`remote write paused: ${(error as Error).message}`);
        this.row = undefined; // read again from the answered position

        await this.sleep(backoffMs(errors, this.p.target.queue.min_backoff, this.p.target.queue.max_backoff, this.p.random));
      }
    }
  }

  /**
   * Sends the next request of the journal and saves the cursor after it. False when nothing waits.
   * Each request lies within one journal row, so its boundaries depend only on the row and the
   * cursor: after a restart the request in flight is resent exactly.
   */
  async step(): Promise<boolean> {
    if (this.saveError !== undefined) await this.flushCursor(); // throws while the database refuses: back off
    if (!this.row) {
      await this.enforceBacklogLimit();
      const row = await this.p.journal.rowAt(this.position.seq);
      if (!row) return false;
      if (row.seq !== this.position.seq) this.position = { seq: row.seq, offset: 0 };
      this.row = { seq: row.seq, cursor: new RowCursor(decodeLog(row.data), this.position.offset) };
    }
    const { cursor, seq } = this.row;
    const ordered = orderForSend(cursor.take(this.p.target.queue.max_samples_per_send), this.lastSent);
    if (ordered.outOfOrder > 0) this.p.metrics.dropped(this.name, 'out_of_order', ordered.outOfOrder);
    if (ordered.series.length > 0) {
      if (!(await this.deliver(ordered.series))) return true;
      recordSent(ordered.series, this.lastSent);
    }
    if (cursor.done) this.row = undefined;
    this.advance(cursor.done ? { seq: seq + 1, offset: 0 } : { seq, offset: cursor.offset });
    return true;
  }

  /**
   * Moves the answered position and saves it in the background, so sending does not wait for the
   * database (its transactions queue behind group commits). Saves run one at a time and carry the
   * newest position; a crash resends the requests answered since the last save, each unchanged.
   */
  private advance(next: JournalPosition): void {
    this.position = next;
    this.saving ??= this.saveLatest();
  }

  private async saveLatest(): Promise<void> {
    try {
      while (this.saved.seq !== this.position.seq || this.saved.offset !== this.position.offset) {
        const next = { ...this.position };
        await this.p.journal.saveCursor(this.name, next, this.p.clock.now());
        this.saved = next;
      }
      this.saveError = undefined;
    } catch (error) {
      this.saveError = error;
    } finally {
      this.saving = undefined;
    }
  }

  /** Waits until the answered position is saved; throws when the save failed. */
  private async flushCursor(): Promise<void> {
    if (this.saving) await this.saving;
    if (this.saved.seq !== this.position.seq || this.saved.offset !== this.position.offset) await (this.saving ??= this.saveLatest());
    if (this.saveError !== undefined) throw this.saveError;
  }

  /** Sends until the receiver answered for good; false when stopped first (nothing is counted as done). */
  private async deliver(slices: readonly SeriesSlice[]): Promise<boolean> {
    const { series, samples, unknown } = await this.toTimeSeries(slices);
    if (unknown > 0) this.p.metrics.dropped(this.name, 'unknown_series', unknown);
    if (series.length === 0) return true;
    const body = encodeWriteRequest(series);
    const { queue } = this.p.target;
    for (let attempt = 1; !this.stopped; attempt++) {
      const started = performance.now();
      const outcome = await this.p.send(body);
      this.p.metrics.request(this.name, (performance.now() - started) / 1000);
      if (outcome.status === 'ok') {
        this.p.metrics.sent(this.name, samples);
        if (this.failingSince !== undefined) this.log.log(`target answers again after ${attempt - 1} failed attempt(s)`);
        this.failingSince = undefined;
        return true;
      }
      if (outcome.status === 'permanent') {
        this.p.metrics.dropped(this.name, outcome.reason, samples);
        this.log.warn(`target refused ${samples} samples for good (${outcome.reason}): ${outcome.detail}`);
        return true;
      }
      this.p.metrics.failed(this.name, outcome.reason, samples);
      if (this.failingSince === undefined) {
        this.failingSince = this.p.clock.now();
        this.log.warn(`send failed, retrying with backoff up to ${queue.max_backoff} ms: ${outcome.detail}`);
      }
      await this.sleep(retryDelayMs(outcome, backoffMs(attempt, queue.min_backoff, queue.max_backoff, this.p.random), queue.max_backoff), false);
    }
    return false;
  }

  private async toTimeSeries(slices: readonly SeriesSlice[]): Promise<{ series: TimeSeries[]; samples: number; unknown: number }> {
    const series: TimeSeries[] = [];
    let samples = 0;
    let unknown = 0;
    for (const s of slices) {
      const labels = await this.p.labels(s.seriesId);
      if (!labels) {
        unknown += s.timestamps.length;
        continue;
      }
      series.push({ labels, samples: s.timestamps.map((timestamp, i) => ({ timestamp, value: s.values[i]! })) });
      samples += s.timestamps.length;
    }
    return { series, samples, unknown };
  }

  /** Past queue.max_pending_samples, skips the oldest whole rows (counted as backlog_full). */
  private async enforceBacklogLimit(): Promise<void> {
    const now = this.p.clock.now();
    if (now - this.backlogCheckedMs < BACKLOG_CHECK_MS) return;
    this.backlogCheckedMs = now;
    const limit = this.p.target.queue.max_pending_samples;
    const backlog = await this.p.journal.backlog(this.position.seq);
    let pending = backlog.samples - this.position.offset;
    if (pending <= limit) return;
    let dropped = 0;
    let next = this.position;
    for (const row of await this.p.journal.rowSizes(this.position.seq)) {
      if (pending <= limit) break;
      const unsent = row.seq === next.seq ? row.samples - next.offset : row.samples;
      dropped += unsent;
      pending -= unsent;
      next = { seq: row.seq + 1, offset: 0 };
    }
    this.advance(next);
    this.p.metrics.dropped(this.name, 'backlog_full', dropped);
    this.log.warn(`backlog over queue.max_pending_samples (${limit}): dropped the oldest ${dropped} unsent samples`);
  }

  /** Waits `ms`; a stop ends the wait, and so does a commit when `wakeOnCommit`. */
  private sleep(ms: number, wakeOnCommit = true): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      timer.unref();
      const self = this;
      function done(): void {
        clearTimeout(timer);
        self.wakeUp = undefined;
        resolve();
      }
      this.wakeUp = wakeOnCommit ? done : () => (this.stopped ? done() : undefined);
    });
  }
}
