// A series' identity (metric name + sorted labels), computed once per series object: the batcher knows it when
// it builds a series, and the sender needs it again to look up the series' reference on the stream.
import { seriesKey, type vigil } from '@vigil/proto/agent';

const keys = new WeakMap<object, string>();

export function rememberSeriesKey(series: vigil.v1.ISeries, key: string): void {
  keys.set(series, key);
}

export function seriesKeyOf(series: vigil.v1.ISeries): string {
  let key = keys.get(series);
  if (key === undefined) {
    key = seriesKey(series.metric ?? '', series.labels ?? {});
    keys.set(series, key);
  }
  return key;
}
