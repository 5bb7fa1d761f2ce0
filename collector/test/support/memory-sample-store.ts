import { seriesKey } from '@vigil/proto';
import { EMPTY_SEQUENCE, judgeSequence, recordSequence, type SequenceState } from '../../src/storage/sequence-window.js';
import { QueryTooLargeError, StorageInputError } from '../../src/storage/storage.errors.js';
import type { AppendOutcome, CommitInfo, IncomingBatch, LatestTable, Point, RangeOptions, SampleStore, SeriesFilter, SeriesRef, StoredSeriesSamples } from '../../src/storage/storage.types.js';
import { sequenceGapLimit } from '../../src/storage/storage.types.js';
import { LatestPoints } from '../../src/storage/latest-points.js';
import { seriesOfBatch } from '../../src/storage/batch-contract.js';

/** An in-memory SampleStore fake for unit tests of services (not for integration tests). */
export class MemorySampleStore implements SampleStore {
  private readonly series = new Map<string, SeriesRef>();
  private readonly byId = new Map<number, SeriesRef>();
  private readonly points = new Map<number, Map<number, number>>();
  private readonly seqs = new Map<string, SequenceState>();
  private readonly listeners: Array<(info: CommitInfo) => void> = [];

  async append(batch: IncomingBatch): Promise<{ outcome: AppendOutcome; stored: StoredSeriesSamples[] }> {
    const key = `${batch.agentId}/${batch.epoch}`;
    const state = this.seqs.get(key) ?? EMPTY_SEQUENCE;
    const verdict = judgeSequence(state, batch.seq, sequenceGapLimit(batch, 1_000_000));
    if (verdict.kind === 'duplicate') return { outcome: { status: 'duplicate' }, stored: [] };
    if (verdict.kind !== 'new') throw new StorageInputError(verdict.detail, verdict.kind === 'gap' ? 'sequence_gap' : 'sequence');
    this.seqs.set(key, recordSequence(state, batch.seq, 64));
    const stored: StoredSeriesSamples[] = [];
    let samples = 0;
    for (const s of seriesOfBatch(batch)) {
      const ref = this.resolve(s.metric, s.labels, s.kind);
      const map = this.points.get(ref.id)!;
      s.timestamps.forEach((ts, i) => map.set(ts, s.values[i]!));
      samples += s.values.length;
      stored.push({ series: ref, timestamps: s.timestamps, values: s.values });
    }
    for (const l of this.listeners) l({ batches: 1, samples, durationMs: 0 });
    return { outcome: { status: 'stored', samples }, stored };
  }

  /** Test helper: put points for a series directly. */
  put(metric: string, labels: Record<string, string>, points: Point[], kind: 'gauge' | 'counter' = 'gauge'): SeriesRef {
    const ref = this.resolve(metric, labels, kind);
    const map = this.points.get(ref.id)!;
    for (const [ts, v] of points) map.set(ts, v);
    return ref;
  }

  private resolve(metric: string, labels: Record<string, string>, kind: 'gauge' | 'counter'): SeriesRef {
    const key = seriesKey(metric, labels);
    let ref = this.series.get(key);
    if (!ref) {
      ref = { id: this.series.size + 1, metric, labels: { ...labels }, kind };
      this.series.set(key, ref);
      this.byId.set(ref.id, ref);
      this.points.set(ref.id, new Map());
    }
    return ref;
  }

  onCommit(listener: (info: CommitInfo) => void): void {
    this.listeners.push(listener);
  }
  async lastStoredSeq(agentId: string, epoch: string): Promise<number> {
    return this.seqs.get(`${agentId}/${epoch}`)?.highest ?? 0;
  }
  async findSeries(filter: SeriesFilter): Promise<SeriesRef[]> {
    const out = [...this.byId.values()].filter(
      (s) => (!filter.metric || s.metric === filter.metric) && Object.entries(filter.labels ?? {}).every(([k, v]) => s.labels[k] === v),
    );
    return out.slice(0, filter.limit ?? out.length);
  }
  async getSeries(id: number): Promise<SeriesRef | undefined> {
    return this.byId.get(id);
  }
  async queryRange(seriesId: number, fromMs: number, toMs: number, options: RangeOptions = {}): Promise<Point[]> {
    const points = [...(this.points.get(seriesId) ?? new Map<number, number>())].filter(([ts]) => ts >= fromMs && ts <= toMs).sort((a, b) => a[0] - b[0]) as Point[];
    if (points.length > (options.maxPoints ?? Infinity)) throw new QueryTooLargeError(options.maxPoints!);
    return points;
  }
  async latest(seriesIds?: number[]): Promise<Map<number, Point>> {
    const out = new Map<number, Point>();
    for (const id of seriesIds ?? [...this.byId.keys()]) {
      const pts = await this.queryRange(id, -Infinity, Infinity);
      if (pts.length) out.set(id, pts[pts.length - 1]!);
    }
    return out;
  }
  async latestTable(): Promise<LatestTable> {
    const points = new LatestPoints();
    for (const [id, point] of await this.latest()) points.set(id, point);
    return points.table();
  }
  async deleteBefore(cutoffMs: number): Promise<number> {
    let n = 0;
    for (const map of this.points.values()) for (const ts of [...map.keys()]) if (ts < cutoffMs) (map.delete(ts), n++);
    return n;
  }
  async countSamples(): Promise<number> {
    let n = 0;
    for (const map of this.points.values()) n += map.size;
    return n;
  }
  async close(): Promise<void> {}
}
