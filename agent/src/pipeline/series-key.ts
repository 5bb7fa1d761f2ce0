// A series' identity (metric name + sorted labels), computed once per series: the batcher knows it when it first
// checks a series, and the spool's encoder and the sender need it again for every batch (cached encodings,
// references on the stream). It is kept by the series' labels object, which the batcher freezes once per series and
// puts in every batch's copy of that series: one entry per series for the process's life, not one per series and
// batch (each a new object). A labels object shared by series of other names (built elsewhere, e.g. decoded) is
// checked by name, and its key computed when the name differs.
import { seriesKey, type vigil } from '@vigil/proto/agent';

const keys = new WeakMap<object, { metric: string; key: string }>();

/** `series.labels` must not change afterwards (the batcher's are frozen). */
export function rememberSeriesKey(series: { metric: string; labels: Readonly<Record<string, string>> }, key: string): void {
  keys.set(series.labels, { metric: series.metric, key });
}

export function seriesKeyOf(series: vigil.v1.ISeries): string {
  const metric = series.metric ?? '';
  const labels = series.labels;
  if (labels == null) return seriesKey(metric, {});
  const known = keys.get(labels);
  if (known !== undefined && known.metric === metric) return known.key;
  const key = seriesKey(metric, labels);
  keys.set(labels, { metric, key });
  return key;
}
