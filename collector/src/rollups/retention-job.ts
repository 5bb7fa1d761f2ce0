// Retention of every tier: raw samples through the store, rollup rows series by series in small
// steps (each a queued write) so ingest and queries interleave with a long deletion.
import type { Logger } from '@nestjs/common';
import type { Clock } from '../common/clock.js';
import { describeError } from '../common/errors.js';
import type { SampleRetention, SampleStore } from '../storage/storage.types.js';
import { TIERS, type TierName } from './domain/buckets.js';
import type { RetentionConfig } from './rollups.config.js';
import type { RollupsRepository } from './rollups.repository.js';

export interface RetentionStats {
  retentionDeleted: Record<'raw' | TierName, number>;
  rawRetentionUnsupported: boolean;
}

function hasRetention(store: SampleStore): store is SampleStore & Pick<SampleRetention, 'deleteBefore'> {
  return typeof (store as Partial<SampleRetention>).deleteBefore === 'function';
}

export class RetentionJob {
  constructor(
    private readonly deps: {
      store: SampleStore;
      repository: RollupsRepository;
      clock: Clock;
      retention: RetentionConfig;
      log: Logger;
      stats: RetentionStats;
      /** Runs a write after every earlier rollup write. */
      write: (work: () => Promise<void>) => Promise<void>;
      stopped: () => boolean;
      batch: number;
      pauseMs: number;
    },
  ) {}

  async run(): Promise<void> {
    const { store, repository, retention, log, stats } = this.deps;
    const now = this.deps.clock.now();
    if (hasRetention(store)) {
      try {
        stats.retentionDeleted.raw += await store.deleteBefore(now - retention.raw);
      } catch (error) {
        log.error(`raw retention failed: ${describeError(error)}`);
      }
    } else if (!stats.rawRetentionUnsupported) {
      stats.rawRetentionUnsupported = true;
      log.warn('the sample store has no deleteBefore(): raw samples are kept forever');
    }
    for (const tier of TIERS) {
      const cutoff = now - retention[tier.name];
      let after = 0;
      let handled = 0;
      for (;;) {
        if (this.deps.stopped()) return;
        const id = await repository.nextSeriesId(tier.name, after);
        if (id === undefined) break;
        after = id;
        await this.deps
          .write(async () => {
            stats.retentionDeleted[tier.name] += await repository.deleteBefore(tier.name, id, cutoff);
          })
          .catch((error) => log.error(`${tier.name} retention failed for series ${id}: ${describeError(error)}`));
        if (++handled % this.deps.batch === 0) await new Promise((resolve) => setTimeout(resolve, this.deps.pauseMs));
      }
    }
  }
}
