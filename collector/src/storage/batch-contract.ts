import { StorageInputError } from './storage.errors.js';
import type { IncomingBatch } from './storage.types.js';

/** Cheap structural check of a store's input contract; returns the sample count. */
export function checkBatch(batch: IncomingBatch): number {
  if (typeof batch.agentId !== 'string' || batch.agentId === '') throw new StorageInputError('batch.agentId must be a non-empty string');
  if (typeof batch.epoch !== 'string') throw new StorageInputError(`batch.epoch must be a string (agent ${batch.agentId})`);
  if (!Number.isSafeInteger(batch.seq) || batch.seq < 1) throw new StorageInputError(`batch.seq must be a positive integer, got ${batch.seq} (agent ${batch.agentId})`, 'sequence');
  let samples = 0;
  for (let i = 0; i < batch.series.length; i++) {
    const s = batch.series[i]!;
    const where = `batch ${batch.seq} of agent ${batch.agentId}, series[${i}] ${s.metric}`;
    if (s.kind !== 'gauge' && s.kind !== 'counter') throw new StorageInputError(`${where}: kind must be gauge or counter, got ${String(s.kind)}`);
    if (s.timestamps.length !== s.values.length) throw new StorageInputError(`${where}: ${s.timestamps.length} timestamps but ${s.values.length} values`);
    for (let j = 0; j < s.timestamps.length; j++) {
      const t = s.timestamps[j]!;
      if (!Number.isSafeInteger(t) || t < 0) throw new StorageInputError(`${where}: timestamp ${t} is not an integer ms value >= 0`);
      if (!Number.isFinite(s.values[j]!)) throw new StorageInputError(`${where}: value ${s.values[j]} at ${t} is not finite`, 'non_finite_value');
    }
    samples += s.timestamps.length;
  }
  return samples;
}
