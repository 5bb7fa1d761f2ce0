// A spooled batch larger than the collector accepts is replaced, in the spool, by parts that fit its limit.
import { batchLength, type vigil } from '@vigil/proto/agent';
import type { Logger } from '../log.js';
import { sampleCount, splitSeries } from '../pipeline/split.js';
import type { Spool } from '../pipeline/spool.js';

/** Replaces `batch` by parts of at most `limitBytes` encoded; drops it (counted) when one sample alone is larger. */
export async function splitToFit(spool: Spool, logger: Logger, batch: vigil.v1.Batch, limitBytes: number): Promise<void> {
  const createdMs = Number(batch.createdMs);
  const fits = (series: vigil.v1.Series.$Properties[]) => batchLength({ seq: Number.MAX_SAFE_INTEGER, series, createdMs }) <= limitBytes;
  const parts = splitSeries(batch.series, fits);
  const seq = Number(batch.seq);
  if (!parts) {
    logger.error('a single sample exceeds the collector message limit; dropping the batch', { seq, limit: limitBytes });
    await spool.discard(seq, 'too_large');
    return;
  }
  const seqs = await spool.replace(
    seq,
    parts.map((series) => ({ createdMs, series, sampleCount: sampleCount(series) })),
  );
  logger.info('split a batch larger than the collector accepts', { seq, parts: seqs.length, limit: limitBytes });
}
