// Series references (proto: Batch.definitions, Batch.ref_samples): an agent sends a series' name and labels
// once per stream, then only its number. The table keeps, per number, what the stream defined and (once
// checked, see ref-batch.ts) the series to store; `resolve` turns a batch back into ordinary series, the exact
// form validateBatch checks, for the batches the fast path leaves to it.
import { RejectReason, type vigil } from '@vigil/proto';
import type { RecurringSeries } from '../storage/storage.types.js';
import type { SeriesProblem } from './batch-validation.js';

export interface RefProblem {
  reason: vigil.v1.RejectReason;
  detail: string;
  samples: number;
}

/** A batch with its referenced samples turned into series, or why its references cannot be resolved. */
export type ResolvedBatch = { batch: vigil.v1.IBatch; problem?: undefined } | { batch: vigil.v1.IBatch; problem: RefProblem };

/** One defined number of a stream. A redefinition makes a new one. */
export interface RefDefinition {
  /** The name as sent; once a series holds the definition (`heldBy`), the series' own copy. */
  metric: string;
  /**
   * The labels as sent, decoded, until a series holds the definition (`heldBy`): read them with `sentLabels`.
   * Kept for the stream's life they were ~19 MiB for 1,000 streams of 100 series (docs/storage.md, "sixth pass").
   */
  labels: Record<string, string> | undefined;
  readonly type: vigil.v1.MetricType;
  /**
   * What the agent's previous stream checked under this number (carried-series.ts): taken as it is when it is
   * the same series (ref-batch.ts compares), so a reconnecting agent's definitions cost no check and no key.
   */
  readonly carried?: RecurringSeries;
  /**
   * Filled on first use (ref-batch.ts): the series to store, kept for the stream's life (the store notes in
   * it what it resolved to), or why every sample of it is rejected.
   */
  checked?: RecurringSeries | SeriesProblem;
  /** Scratch of the batch being checked: the batch that last used it, its samples there, where they go. */
  batchMark: number;
  batchSamples: number;
  batchAt: number;
}

/**
 * The checked series `series` holds the definition: its name, then the labels as sent in the order sent followed
 * by agent and host (ref-batch.ts compares before calling this). The decoded name and labels go; `sentLabels`
 * gives the labels back from the series.
 */
export function heldBy(d: RefDefinition, series: RecurringSeries): RecurringSeries {
  d.metric = series.metric;
  d.labels = undefined;
  d.checked = series;
  return series;
}

/** The labels the definition was sent with, in the order sent. */
export function sentLabels(d: RefDefinition): Record<string, string> {
  if (d.labels !== undefined) return d.labels;
  const held = (d.checked as RecurringSeries).labels;
  const names = Object.keys(held);
  const sent: Record<string, string> = {};
  for (let i = 0; i < names.length - 2; i++) sent[names[i]!] = held[names[i]!]!; // all but agent and host
  return sent;
}

/**
 * The series one stream defined, by number. Numbers run from 1 to `limit` (announced in Welcome), which bounds
 * the table's memory; a new stream starts with an empty table.
 */
export class SeriesRefTable {
  private readonly defined: Array<RefDefinition | undefined> = [];
  private count = 0;
  private marks = 0;
  private carried: ReadonlyArray<RecurringSeries | undefined> = [];

  constructor(readonly limit: number) {}

  get size(): number {
    return this.count;
  }

  /** What the agent's previous stream checked, by number: offered to the definitions registered from now on. */
  carryFrom(previous: ReadonlyArray<RecurringSeries | undefined>): void {
    this.carried = previous;
  }

  /**
   * The series this stream's definitions stand for, by number, for the agent's next stream to carry; a number
   * it did not define (a stream of full series defines none) passes on what it was offered.
   */
  checkedSeries(): Array<RecurringSeries | undefined> {
    return Array.from({ length: Math.max(this.defined.length, this.carried.length) }, (_, ref) => {
      const d = this.defined[ref];
      if (d === undefined) return this.carried[ref];
      return d.checked === undefined ? d.carried : 'reason' in d.checked ? undefined : d.checked;
    });
  }

  /** A number for the next batch checked, to tell its definitions' scratch from an earlier batch's. */
  nextMark(): number {
    return ++this.marks;
  }

  definition(ref: number): RefDefinition | undefined {
    return this.defined[ref];
  }

  /**
   * Registers the batch's definitions: they hold for the rest of the stream, whatever becomes of the batch's
   * samples. Those before a number out of range are kept, as the batch is refused.
   */
  define(batch: vigil.v1.IBatch): RefProblem | undefined {
    for (const d of batch.definitions ?? []) {
      const ref = d.ref ?? 0;
      if (!this.inRange(ref)) return this.refuse(batch, `series definition ${ref} is outside 1..${this.limit} (Welcome.max_series_refs)`);
      if (this.defined[ref] === undefined) this.count++;
      // `checked` in the literal: set later, it would go to an out-of-object property array (~32 bytes a series).
      this.defined[ref] = { metric: d.metric ?? '', labels: d.labels ?? {}, type: d.type ?? 0, carried: this.carried[ref], checked: undefined, batchMark: 0, batchSamples: 0, batchAt: 0 };
    }
    return undefined;
  }

  /** Why the batch's columns cannot be read (lengths differ), if they cannot. */
  columnsProblem(batch: vigil.v1.IBatch): RefProblem | undefined {
    const columns = batch.refSamples;
    if (!columns) return undefined;
    const refs = columns.refs?.length ?? 0;
    const values = columns.values?.length ?? 0;
    const deltas = columns.timestampDeltasMs?.length ?? 0;
    if (values === refs && (deltas === 0 || deltas === refs)) return undefined;
    return this.refuse(batch, `ref_samples columns differ in length: ${refs} refs, ${values} values, ${deltas} timestamp deltas`);
  }

  /** The batch refused because sample `i` names a number this stream has not defined. */
  undefinedRef(batch: vigil.v1.IBatch, i: number, ref: number): RefProblem {
    return this.refuse(batch, `sample ${i} references series ${ref}, which this stream has not defined`);
  }

  /**
   * Registers the batch's definitions and appends its referenced samples to `series`, grouped by series. A
   * batch without references is returned as it is.
   */
  resolve(batch: vigil.v1.IBatch): ResolvedBatch {
    if ((batch.definitions ?? []).length === 0 && !batch.refSamples) return { batch };
    const problem = this.define(batch);
    return problem ? { batch, problem } : this.expand(batch);
  }

  /** The batch with its referenced samples turned into series, grouped by series (definitions already registered). */
  expand(batch: vigil.v1.IBatch): ResolvedBatch {
    const columns = batch.refSamples;
    if (!columns) return { batch };
    const lengths = this.columnsProblem(batch);
    if (lengths) return { batch, problem: lengths };
    const refs = columns.refs ?? [];
    const values = columns.values ?? [];
    const deltas = columns.timestampDeltasMs ?? [];
    const series = [...(batch.series ?? [])];
    const bySeries = new Map<number, vigil.v1.ISeries & { timestampsMs: number[]; values: number[] }>();
    let ts = Number(columns.baseTimestampMs ?? 0);
    for (let i = 0; i < refs.length; i++) {
      const ref = refs[i]!;
      let entry = bySeries.get(ref);
      if (entry === undefined) {
        const definition = this.defined[ref];
        if (definition === undefined) return { batch, problem: this.undefinedRef(batch, i, ref) };
        entry = { metric: definition.metric, labels: sentLabels(definition), type: definition.type, timestampsMs: [], values: [] };
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

  private refuse(batch: vigil.v1.IBatch, detail: string): RefProblem {
    const samples = (batch.refSamples?.refs?.length ?? 0) + (batch.series ?? []).reduce((n, s) => n + (s.values?.length ?? 0), 0);
    return { reason: RejectReason.REJECT_REASON_SERIES_REFS, detail, samples };
  }
}
