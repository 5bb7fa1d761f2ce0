// Raw samples shared by several collectors (one database), for specs of features that run on
// several replicas. Each replica gets a view: what it stores lands in the shared store, and reaches
// the other views' followPeers listeners in commit order, at once or when the spec releases them
// (a real store delivers them a little after their commit).
import type { AppendOutcome, CommitInfo, IncomingBatch, Point, RangeOptions, SampleStore, SeriesFilter, SeriesRef, StoredSeriesSamples } from '../../src/storage/storage.types.js';
import type { LatestTable } from '../../src/storage/storage.types.js';
import { MemorySampleStore } from './memory-sample-store.js';

export class SharedSampleStore {
  readonly samples = new MemorySampleStore();
  private readonly views: ReplicaSampleStore[] = [];
  /** While true, peers' samples wait in each view's inbox until release(). */
  holding = false;
  /** Called when a view's followPeers starts (a spec stores something at exactly that point). */
  onFollow: ((view: ReplicaSampleStore) => void) | undefined;

  view(): ReplicaSampleStore {
    const view = new ReplicaSampleStore(this);
    this.views.push(view);
    return view;
  }

  /** Delivers every held sample to the peers following. */
  release(): void {
    this.holding = false;
    for (const v of this.views) v.deliver();
  }

  /** Called by a view after it stored samples: its peers learn of them. */
  announce(from: ReplicaSampleStore, stored: StoredSeriesSamples[]): void {
    for (const v of this.views) if (v !== from) v.receive(stored);
  }
}

export class ReplicaSampleStore implements SampleStore {
  private readonly followers = new Set<(samples: StoredSeriesSamples[]) => void>();
  private inbox: StoredSeriesSamples[][] = [];

  constructor(private readonly shared: SharedSampleStore) {}

  /** Stores points of one series as this replica's ingest would; returns what its bus announces. */
  put(metric: string, labels: Record<string, string>, points: Point[]): StoredSeriesSamples {
    const series = this.shared.samples.put(metric, labels, points);
    const stored = { series, timestamps: points.map((p) => p[0]), values: points.map((p) => p[1]) };
    this.shared.announce(this, [stored]);
    return stored;
  }

  followPeers(listener: (samples: StoredSeriesSamples[]) => void): () => void {
    this.followers.add(listener);
    this.shared.onFollow?.(this);
    return () => this.followers.delete(listener);
  }

  receive(stored: StoredSeriesSamples[]): void {
    if (this.followers.size === 0) return; // from the call on: nobody follows, nothing is kept
    this.inbox.push(stored);
    if (!this.shared.holding) this.deliver();
  }

  deliver(): void {
    const inbox = this.inbox;
    this.inbox = [];
    for (const batch of inbox) for (const l of this.followers) l(batch);
  }

  async append(batch: IncomingBatch): Promise<{ outcome: AppendOutcome; stored: StoredSeriesSamples[] }> {
    const result = await this.shared.samples.append(batch);
    this.shared.announce(this, result.stored);
    return result;
  }
  onCommit(listener: (info: CommitInfo) => void): void {
    this.shared.samples.onCommit(listener);
  }
  lastStoredSeq(agentId: string, epoch: string): Promise<number> {
    return this.shared.samples.lastStoredSeq(agentId, epoch);
  }
  findSeries(filter: SeriesFilter): Promise<SeriesRef[]> {
    return this.shared.samples.findSeries(filter);
  }
  getSeries(id: number): Promise<SeriesRef | undefined> {
    return this.shared.samples.getSeries(id);
  }
  queryRange(seriesId: number, fromMs: number, toMs: number, options?: RangeOptions): Promise<Point[]> {
    return this.shared.samples.queryRange(seriesId, fromMs, toMs, options);
  }
  latest(seriesIds?: number[]): Promise<Map<number, Point>> {
    return this.shared.samples.latest(seriesIds);
  }
  latestTable(): Promise<LatestTable> {
    return this.shared.samples.latestTable();
  }
  deleteBefore(cutoffMs: number): Promise<number> {
    return this.shared.samples.deleteBefore(cutoffMs);
  }
  countSamples(): Promise<number> {
    return this.shared.samples.countSamples();
  }
  async close(): Promise<void> {}
}
