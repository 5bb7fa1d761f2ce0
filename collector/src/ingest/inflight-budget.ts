import type { vigil } from '@vigil/proto';

/**
 * Decoded bytes of batches received and not yet committed, over all streams. A batch is admitted
 * while the total stays within the limit (or when nothing else is in flight, so one batch larger
 * than the limit is not refused forever).
 */
export class InflightBudget {
  private used = 0;

  constructor(readonly limit: number) {}

  get bytes(): number {
    return this.used;
  }

  tryReserve(bytes: number): boolean {
    if (this.used > 0 && this.used + bytes > this.limit) return false;
    this.used += bytes;
    return true;
  }

  release(bytes: number): void {
    this.used -= bytes;
  }
}

/**
 * Estimated heap bytes of a decoded batch: two 8-byte numbers per sample plus about 256 bytes per
 * series (object, labels map, metric string). Measured close enough to bound memory, not exact.
 */
export function estimateBatchBytes(batch: vigil.v1.IBatch): number {
  let bytes = SERIES_BYTES;
  for (const s of batch.series ?? []) bytes += seriesBytes(Math.max(s.values?.length ?? 0, s.timestampsMs?.length ?? 0));
  return bytes;
}

/** The estimate for one series of `samples` samples. */
export function seriesBytes(samples: number): number {
  return SERIES_BYTES + SAMPLE_BYTES * samples;
}

/** The estimate's bytes per series and per sample (a referenced series counts as if sent in full). */
export const SERIES_BYTES = 256;
export const SAMPLE_BYTES = 16;
