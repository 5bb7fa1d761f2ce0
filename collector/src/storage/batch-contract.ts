import { StorageInputError } from './storage.errors.js';
import type { IncomingBatch, IncomingColumns, IncomingSeries } from './storage.types.js';

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
  return batch.columns ? samples + checkColumns(batch, batch.columns) : samples;
}

function checkColumns(batch: IncomingBatch, c: IncomingColumns): number {
  const where = `batch ${batch.seq} of agent ${batch.agentId}, columns`;
  const n = c.timestamps.length;
  if (c.values.length !== n) throw new StorageInputError(`${where}: ${n} timestamps but ${c.values.length} values`);
  let owned = c.counts ? 0 : c.series.length;
  if (c.counts) {
    if (c.counts.length !== c.series.length) throw new StorageInputError(`${where}: ${c.counts.length} counts for ${c.series.length} series`);
    for (let i = 0; i < c.counts.length; i++) owned += c.counts[i]!;
  }
  if (owned !== n) throw new StorageInputError(`${where}: the series own ${owned} samples, the columns hold ${n}`);
  for (let i = 0; i < c.series.length; i++) {
    const kind = c.series[i]!.kind;
    if (kind !== 'gauge' && kind !== 'counter') throw new StorageInputError(`${where}, series[${i}] ${c.series[i]!.metric}: kind must be gauge or counter, got ${String(kind)}`);
  }
  for (let j = 0; j < n; j++) {
    const t = c.timestamps[j]!;
    if (!Number.isSafeInteger(t) || t < 0) throw new StorageInputError(`${where}: timestamp ${t} is not an integer ms value >= 0`);
    if (!Number.isFinite(c.values[j]!)) throw new StorageInputError(`${where}: value ${c.values[j]} at ${t} is not finite`, 'non_finite_value');
  }
  return n;
}

/** A batch's series and its columns' series, as series (for stores and fakes that take series only). */
export function seriesOfBatch(batch: IncomingBatch): IncomingSeries[] {
  const c = batch.columns;
  if (!c) return batch.series;
  const out = [...batch.series];
  let at = 0;
  for (let i = 0; i < c.series.length; i++) {
    const { metric, labels, kind } = c.series[i]!;
    const n = c.counts ? c.counts[i]! : 1;
    out.push({ metric, labels, kind, timestamps: Array.from(c.timestamps.subarray(at, at + n)), values: Array.from(c.values.subarray(at, at + n)) });
    at += n;
  }
  return out;
}
