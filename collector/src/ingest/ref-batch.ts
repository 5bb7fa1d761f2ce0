// Referenced samples straight to the store (docs/storage.md, "fourth pass"). A definition is checked once per
// stream (the rules validateBatch applies to a series' name and labels) and keeps the series to store; a batch
// of referenced samples then only checks each sample (finite, within the time window) and hands the store
// columns. The outcome is the one validateBatch gives for the batch turned back into series: a batch with a
// sample to drop takes that exact path, so what is stored, rejected and acked never depends on the form.
import type { vigil } from '@vigil/proto';
import type { IncomingSeries, RecurringSeries } from '../storage/storage.types.js';
import { RejectionTally, batchProblem, checkLabels, kindOf, metricProblems, sampleIsValid, seriesStrings, validateBatch, type BatchValidation, type SeriesProblem, type ValidationContext } from './batch-validation.js';
import { SAMPLE_BYTES, SERIES_BYTES, estimateBatchBytes } from './inflight-budget.js';
import { heldBy, sentLabels, type RefDefinition, type RefProblem, type SeriesRefTable } from './series-refs.js';

export interface CheckedBatch {
  validation: BatchValidation;
  /** Estimated heap bytes of the batch as series (for ingest.max_inflight_bytes). */
  bytes: number;
}

/** Checks one batch of a stream, full series or referenced samples or both. */
export function checkStreamBatch(batch: vigil.v1.IBatch, table: SeriesRefTable, ctx: ValidationContext): CheckedBatch {
  const columns = batch.refSamples;
  // Full series only (agents before references): handed to the store as columns, as referenced samples are.
  if ((batch.definitions ?? []).length === 0 && !columns) return { validation: validateBatch(batch, ctx, 'columns'), bytes: estimateBatchBytes(batch) };
  const problem = table.define(batch) ?? table.columnsProblem(batch);
  if (problem) return refused(batch, problem);
  if (!columns) return { validation: validateBatch(batch, ctx, 'columns'), bytes: estimateBatchBytes(batch) };

  // One pass in arrival order: each sample's series and timestamp, the series in order of first use.
  const refs = columns.refs ?? [];
  const values = columns.values ?? [];
  const deltas = columns.timestampDeltasMs ?? [];
  const n = refs.length;
  const mark = table.nextMark();
  const used: RefDefinition[] = [];
  const timestamps = new Float64Array(n);
  const oldest = ctx.nowMs - ctx.maxAgeMs;
  const newest = ctx.nowMs + ctx.maxFutureMs;
  let allValid = true;
  let ts = Number(columns.baseTimestampMs ?? 0);
  for (let i = 0; i < n; i++) {
    const d = table.definition(refs[i]!);
    if (d === undefined) return refused(batch, table.undefinedRef(batch, i, refs[i]!));
    if (d.batchMark !== mark) {
      d.batchMark = mark;
      d.batchSamples = 0;
      used.push(d);
    }
    d.batchSamples++;
    if (deltas.length > 0) ts += Number(deltas[i]);
    timestamps[i] = ts;
    if (allValid && !sampleIsValid(ts, values[i]!, oldest, newest)) allValid = false;
  }
  const full = batch.series ?? [];
  const bytes = estimateBatchBytes(batch) + SERIES_BYTES * used.length + SAMPLE_BYTES * n;
  const whole = batchProblem(batch, full.length + used.length, full.reduce((sum, s) => sum + (s.values?.length ?? 0), 0) + n, ctx);
  if (whole) return { validation: whole, bytes };
  // A sample to drop: the exact form, whose rejection details follow the series order.
  if (!allValid) return { validation: validateBatch(table.expand(batch).batch, ctx), bytes };

  const tally = new RejectionTally();
  let series: IncomingSeries[] = [];
  let samples = 0;
  if (full.length > 0) {
    const first = validateBatch({ seq: batch.seq, series: full }, { ...ctx, maxSeriesPerBatch: Number.POSITIVE_INFINITY });
    if (first.status === 'rejected') return { validation: first, bytes };
    series = first.series;
    samples = first.samples;
    for (const r of first.rejections) tally.add(r.reason, r.count, r.detail);
  }
  const kept: RecurringSeries[] = [];
  let keptSamples = 0;
  const problemOf = metricProblems(ctx);
  for (const d of used) {
    const checked = (d.checked ??= checkDefinition(d, ctx, problemOf));
    if ('reason' in checked) {
      tally.add(checked.reason, d.batchSamples, checked.detail);
      d.batchAt = -1;
      continue;
    }
    d.batchAt = keptSamples;
    keptSamples += d.batchSamples;
    kept.push(checked);
  }
  const rejections = tally.list();
  if (kept.length === 0) return { validation: { status: 'accepted', series, samples, rejections }, bytes };
  if (kept.length === n) {
    // The usual batch: one sample per series, none dropped; the columns go as they came.
    return { validation: { status: 'accepted', series, columns: { series: kept, timestamps, values: Float64Array.from(values) }, samples: samples + n, rejections }, bytes };
  }
  // Grouped by series in order of first use, each series' samples in arrival order.
  const counts = new Uint32Array(kept.length);
  const groupedTs = new Float64Array(keptSamples);
  const groupedValues = new Float64Array(keptSamples);
  let k = 0;
  for (const d of used) if (d.batchAt >= 0) counts[k++] = d.batchSamples;
  for (let i = 0; i < n; i++) {
    const d = table.definition(refs[i]!)!;
    if (d.batchAt < 0) continue;
    groupedTs[d.batchAt] = timestamps[i]!;
    groupedValues[d.batchAt] = values[i]!;
    d.batchAt++;
  }
  return { validation: { status: 'accepted', series, columns: { series: kept, counts, timestamps: groupedTs, values: groupedValues }, samples: samples + keptSamples, rejections }, bytes };
}

/**
 * A definition checked once for the stream: the series to store, or why its samples are rejected. The series
 * the agent's previous stream had under the number is taken as it is when it is the same one (what checkLabels
 * would build from this definition): the store then finds it without a key.
 */
function checkDefinition(d: RefDefinition, ctx: ValidationContext, problemOf: (metric: string) => SeriesProblem | undefined): RecurringSeries | SeriesProblem {
  const problem = problemOf(d.metric);
  if (problem) return problem;
  const carried = d.carried;
  if (carried !== undefined && isCarriedSeries(carried, d, ctx)) return heldBy(d, carried);
  const checked = checkLabels(d.metric, sentLabels(d), ctx);
  if ('reason' in checked) return checked;
  // `resolved` in the literal: set later, it would go to an out-of-object property array (~44 bytes a series).
  const series: RecurringSeries = { metric: seriesStrings.intern(d.metric), labels: checked.labels, kind: kindOf(d.type), resolved: undefined };
  return isCarriedSeries(series, d, ctx) ? heldBy(d, series) : series;
}

/**
 * Whether `carried` is the series checkDefinition would build for `d` in this stream: same name and kind, the
 * labels sent in the same order with the same values, then agent and host (the order shows where the store
 * creates a series from it).
 */
function isCarriedSeries(carried: RecurringSeries, d: RefDefinition, ctx: ValidationContext): boolean {
  if (carried.metric !== d.metric || carried.kind !== kindOf(d.type)) return false;
  const labels = carried.labels;
  const names = Object.keys(labels);
  const sent = sentLabels(d);
  let i = 0;
  for (const k in sent) {
    if (names[i++] !== k || labels[k] !== sent[k]) return false;
  }
  return names.length === i + 2 && names[i] === 'agent' && names[i + 1] === 'host' && labels.agent === ctx.agentId && labels.host === ctx.hostname;
}

function refused(batch: vigil.v1.IBatch, problem: RefProblem): CheckedBatch {
  return { validation: { status: 'rejected', ...problem }, bytes: estimateBatchBytes(batch) };
}
