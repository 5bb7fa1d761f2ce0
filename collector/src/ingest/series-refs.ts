// Series references (proto: Batch.definitions, Batch.ref_samples): an agent sends a series' name and labels
// once per stream, then only its number. This step turns a batch back into ordinary series before validation,
// so validation, limits and storage see the same input whether or not an agent uses references.
import { RejectReason, type vigil } from '@vigil/proto';

export interface RefProblem {
  reason: vigil.v1.RejectReason;
  detail: string;
  samples: number;
}

/** A batch with its referenced samples turned into series, or why its references cannot be resolved. */
export type ResolvedBatch = { batch: vigil.v1.IBatch; problem?: undefined } | { batch: vigil.v1.IBatch; problem: RefProblem };

interface Definition {
  metric: string;
  labels: Record<string, string>;
  type: vigil.v1.MetricType;
}

/**
 * The series one stream defined, by number. Numbers run from 1 to `limit` (announced in Welcome), which bounds
 * the table's memory; a new stream starts with an empty table.
 */
export class SeriesRefTable {
  private readonly defined = new Map<number, Definition>();

  constructor(readonly limit: number) {}

  get size(): number {
    return this.defined.size;
  }

  /**
   * Registers the batch's definitions (they hold for the rest of the stream, whatever becomes of the batch's
   * samples) and appends its referenced samples to `series`, grouped by series. A batch without references is
   * returned as it is.
   */
  resolve(batch: vigil.v1.IBatch): ResolvedBatch {
    const definitions = batch.definitions ?? [];
    const columns = batch.refSamples;
    if (definitions.length === 0 && !columns) return { batch };
    for (const d of definitions) {
      const ref = d.ref ?? 0;
      if (!this.inRange(ref)) return this.refuse(batch, `series definition ${ref} is outside 1..${this.limit} (Welcome.max_series_refs)`);
      this.defined.set(ref, { metric: d.metric ?? '', labels: d.labels ?? {}, type: d.type ?? 0 });
    }
    if (!columns) return { batch };
    const refs = columns.refs ?? [];
    const values = columns.values ?? [];
    const deltas = columns.timestampDeltasMs ?? [];
    if (values.length !== refs.length || (deltas.length > 0 && deltas.length !== refs.length)) {
      return this.refuse(batch, `ref_samples columns differ in length: ${refs.length} refs, ${values.length} values, ${deltas.length} timestamp deltas`);
    }
    const series = [...(batch.series ?? [])];
    const bySeries = new Map<number, vigil.v1.ISeries & { timestampsMs: number[]; values: number[] }>();
    let ts = Number(columns.baseTimestampMs ?? 0);
    for (let i = 0; i < refs.length; i++) {
      const ref = refs[i]!;
      let entry = bySeries.get(ref);
      if (entry === undefined) {
        const definition = this.defined.get(ref);
        if (definition === undefined) return this.refuse(batch, `sample ${i} references series ${ref}, which this stream has not defined`);
        entry = { metric: definition.metric, labels: definition.labels, type: definition.type, timestampsMs: [], values: [] };
        bySeries.set(ref, entry);
        series.push(entry);
      }
      if (deltas.length > 0) ts += Number(deltas[i]);
      entry.timestampsMs.push(ts);
      entry.values.push(values[i]!);
    }
    return { batch: { seq: batch.seq, createdMs: batch.createdMs, series } };
  }

  private inRange(ref: number): boolean {
    return Number.isInteger(ref) && ref >= 1 && ref <= this.limit;
  }

  private refuse(batch: vigil.v1.IBatch, detail: string): ResolvedBatch {
    const samples = (batch.refSamples?.refs?.length ?? 0) + (batch.series ?? []).reduce((n, s) => n + (s.values?.length ?? 0), 0);
    return { batch, problem: { reason: RejectReason.REJECT_REASON_SERIES_REFS, detail, samples } };
  }
}
