// Random batches of one agent stream using series references, valid and not, for property specs that compare
// the referenced-sample fast path (ingest/ref-batch.ts) with the batch turned back into series.
import type { vigil } from '@vigil/proto';
import { validateBatch, SeriesMemo, type BatchValidation, type ValidationContext } from '../../src/ingest/batch-validation.js';
import { estimateBatchBytes } from '../../src/ingest/inflight-budget.js';
import { SeriesRefTable } from '../../src/ingest/series-refs.js';
import { seriesOfBatch } from '../../src/storage/batch-contract.js';

const METRICS = ['vigil_load1', 'vigil_cpu_seconds_total', 'vigil_disk_bytes', '1bad', 'vigil_reserved'];
const LABELS: Array<Record<string, string>> = [
  {}, { core: '1' }, { core: '2', mode: 'user' }, { mode: 'idle', core: '3' }, { i: '4' }, { i: '5', z: 'a' },
  { 'bad-label': 'x' }, { agent: 'x' }, { __name__: 'y' },
];
export const REF_LIMIT = 8;
export const SERIES_PER_BATCH = 7;

export function refContext(nowMs: number, memo = new SeriesMemo()): ValidationContext {
  return { agentId: 'agent-1', hostname: 'host-1', nowMs, maxFutureMs: 60_000, maxAgeMs: 3_600_000, maxSeriesPerBatch: SERIES_PER_BATCH, isReservedMetric: (m) => m === 'vigil_reserved', memo };
}

/** Mostly valid, with every kind of problem now and then: bad names, labels, values, times, references, columns. */
export function randomRefBatch(rand: () => number, seq: number, nowMs: number): vigil.v1.IBatch {
  const pick = <T>(list: readonly T[], valid = list.length): T => list[Math.floor(rand() * (rand() < 0.9 ? valid : list.length))]!;
  const definitions: vigil.v1.ISeriesDefinition[] = [];
  if (rand() < 0.5) {
    for (let k = Math.floor(rand() * 4); k >= 0; k--) {
      const ref = rand() < 0.03 ? (rand() < 0.5 ? 0 : REF_LIMIT + 1) : 1 + Math.floor(rand() * REF_LIMIT);
      definitions.push({ ref, metric: pick(METRICS, 3), labels: pick(LABELS, 6), type: rand() < 0.3 ? 1 : 0 });
    }
  }
  const value = () => (rand() < 0.04 ? Number.NaN : rand() < 0.02 ? Number.POSITIVE_INFINITY : Math.round(rand() * 1000) / 10);
  const series: vigil.v1.ISeries[] = [];
  if (rand() < 0.25) {
    for (let k = 1 + Math.floor(rand() * 2); k > 0; k--) {
      const n = 1 + Math.floor(rand() * 2);
      const ts = Array.from({ length: n + (rand() < 0.05 ? 1 : 0) }, (_, i) => nowMs - 5000 + i * 1000);
      series.push({ metric: pick(METRICS, 3), labels: pick(LABELS, 6), type: rand() < 0.3 ? 1 : 0, timestampsMs: ts, values: Array.from({ length: n }, value) });
    }
  }
  let refSamples: vigil.v1.IRefSamples | undefined;
  if (rand() < 0.9) {
    const n = Math.floor(rand() * 12);
    const refs = Array.from({ length: n }, () => (rand() < 0.03 ? REF_LIMIT + 3 : 1 + Math.floor(rand() * (rand() < 0.7 ? 4 : REF_LIMIT))));
    const values = Array.from({ length: n - (rand() < 0.02 ? 1 : 0) }, value);
    const deltas = rand() < 0.5 ? [] : refs.map(() => (rand() < 0.03 ? (rand() < 0.5 ? -7_200_000 : 120_000) : pick([0, 0, 1000, -500])));
    refSamples = { refs, values, baseTimestampMs: nowMs - Math.floor(rand() * 10_000), ...(deltas.length ? { timestampDeltasMs: deltas } : {}) };
  }
  return { seq: rand() < 0.02 ? 0 : seq, createdMs: nowMs, series, definitions, ...(refSamples ? { refSamples } : {}) };
}

/** What the batch turned back into series gives (the form before the fast path), with its in-flight estimate. */
export function exactCheck(batch: vigil.v1.IBatch, table: SeriesRefTable, ctx: ValidationContext): { validation: BatchValidation; bytes: number } {
  const { batch: resolved, problem } = table.resolve(batch);
  return { validation: problem ? { status: 'rejected', ...problem } : validateBatch(resolved, ctx), bytes: estimateBatchBytes(resolved) };
}

/** A validation with its columns turned into series, for comparison with `exactCheck`. */
export function asSeries(validation: BatchValidation): BatchValidation {
  if (validation.status === 'rejected') return validation;
  const { series, columns, samples, rejections } = validation;
  return { status: 'accepted', series: seriesOfBatch({ agentId: '', epoch: '', seq: 1, series, columns }), samples, rejections };
}
