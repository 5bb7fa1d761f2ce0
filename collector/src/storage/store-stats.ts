import { Logger } from '@nestjs/common';
import type { OverloadReason } from './storage.errors.js';

/** Counters and gauges for the metrics module (monotonic counters unless noted). */
export interface SampleStoreStats {
  commits: number;
  commitFailures: number;
  batchesStored: number;
  batchesDuplicate: number;
  samplesStored: number;
  rejected: Record<OverloadReason | 'closed' | 'invalid', number>;
  kindConflicts: number;
  compactions: number;
  compactionFailures: number;
  samplesCompacted: number;
  lateSamples: number;
  /** Gauges. */
  queuedBatches: number;
  queuedSamples: number;
  logRows: number;
  logSamples: number;
  series: number;
  cachedHeads: number;
}

/** The monotonic part of the stats, shared by the writer, the compactor and retention. */
export type StoreCounters = Omit<SampleStoreStats, 'queuedBatches' | 'queuedSamples' | 'logRows' | 'logSamples' | 'series' | 'cachedHeads'>;

export function newCounters(): StoreCounters {
  return {
    commits: 0,
    commitFailures: 0,
    batchesStored: 0,
    batchesDuplicate: 0,
    samplesStored: 0,
    rejected: { queue_full: 0, log_full: 0, closed: 0, invalid: 0 },
    kindConflicts: 0,
    compactions: 0,
    compactionFailures: 0,
    samplesCompacted: 0,
    lateSamples: 0,
  };
}

export const storageLog = new Logger('storage');

/** Listeners of one store event; a failing listener is logged and never fails the store. */
export class Listeners<T> {
  private readonly list: Array<(info: T) => void> = [];

  add(listener: (info: T) => void): void {
    this.list.push(listener);
  }

  emit(info: T): void {
    for (const listener of this.list) {
      try {
        listener(info);
      } catch (error) {
        storageLog.error(`listener failed: ${(error as Error).stack ?? String(error)}`);
      }
    }
  }
}
