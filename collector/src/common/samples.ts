// The vocabulary of stored samples that ingest announces on the event bus and every listener
// (rules, rollups, SLA, live feed) reads. Declared here, below storage, so the bus depends on no
// feature; storage.types.ts re-exports these for the store's contracts.

export type MetricKind = 'gauge' | 'counter';
export type Labels = Record<string, string>;

export interface SeriesRef {
  id: number;
  metric: string;
  labels: Labels;
  kind: MetricKind;
}

/** A stored sample, with its series resolved: what ingest listeners (rules, live feed) receive. */
export interface StoredSeriesSamples {
  series: SeriesRef;
  timestamps: number[];
  values: number[];
}
