import type { AppendOutcome, CommitInfo, IncomingBatch, Point, SampleStore, SeriesFilter, SeriesRef, StoredSeriesSamples } from '../../src/storage/storage.types.js';
/** An in-memory SampleStore fake for unit tests of services (not for integration tests). */
export declare class MemorySampleStore implements SampleStore {
    private readonly series;
    private readonly byId;
    private readonly points;
    private readonly seqs;
    private readonly listeners;
    append(batch: IncomingBatch): Promise<{
        outcome: AppendOutcome;
        stored: StoredSeriesSamples[];
    }>;
    /** Test helper: put points for a series directly. */
    put(metric: string, labels: Record<string, string>, points: Point[], kind?: 'gauge' | 'counter'): SeriesRef;
    private resolve;
    onCommit(listener: (info: CommitInfo) => void): void;
    lastStoredSeq(agentId: string, epoch: string): Promise<number>;
    findSeries(filter: SeriesFilter): Promise<SeriesRef[]>;
    getSeries(id: number): Promise<SeriesRef | undefined>;
    queryRange(seriesId: number, fromMs: number, toMs: number): Promise<Point[]>;
    latest(seriesIds?: number[]): Promise<Map<number, Point>>;
    deleteBefore(cutoffMs: number): Promise<number>;
    countSamples(): Promise<number>;
    close(): Promise<void>;
}
//# sourceMappingURL=memory-sample-store.d.ts.map