// Exactly-once storage for senders without sequence numbers. Each received series is its own
// store stream: agent = the source id, epoch = a digest of the series identity, seq = the
// timestamp of its newest sample. The store keeps the highest seq per stream in the commit of the
// samples (docs/storage.md), so a sample at or before its series' newest stored timestamp is
// never stored again: a retried request, a resend after a sender restart, or a retry racing the
// original are all answered as duplicates. This is Prometheus' own rule (no out-of-order samples
// per series), and the streams are bounded by the number of series.
import { createHash } from 'node:crypto';
import { seriesKey } from '@vigil/proto';
import type { IncomingSeries } from '../storage/storage.types.js';

/** The stream epoch of a series: 22 characters of SHA-256 over its identity (metric and labels, agent included). */
export function seriesEpoch(s: Pick<IncomingSeries, 'metric' | 'labels'>): string {
  return createHash('sha256').update(seriesKey(s.metric, s.labels)).digest('base64url').slice(0, 22);
}

/** Series of one request with the same identity merged (a request may hold several points of one series). */
export function mergeSeries(series: readonly IncomingSeries[]): Map<string, IncomingSeries> {
  const out = new Map<string, IncomingSeries>();
  for (const s of series) {
    const epoch = seriesEpoch(s);
    const known = out.get(epoch);
    if (!known) out.set(epoch, { ...s, timestamps: [...s.timestamps], values: [...s.values] });
    else {
      known.timestamps.push(...s.timestamps);
      known.values.push(...s.values);
    }
  }
  return out;
}

/**
 * The samples newer than `lastStoredMs`, in time order, one per timestamp (the first one given
 * wins, as the first write of a timestamp would). `dropped` counts the rest.
 */
export function freshSamples(timestamps: readonly number[], values: readonly number[], lastStoredMs: number): { timestamps: number[]; values: number[]; dropped: number } {
  let ordered = true;
  for (let i = 1; i < timestamps.length && ordered; i++) ordered = timestamps[i]! > timestamps[i - 1]!;
  const order = ordered ? timestamps.map((_, i) => i) : timestamps.map((_, i) => i).sort((a, b) => timestamps[a]! - timestamps[b]! || a - b);
  const ts: number[] = [];
  const vs: number[] = [];
  let last = lastStoredMs;
  for (const i of order) {
    const t = timestamps[i]!;
    if (t <= last) continue;
    ts.push(t);
    vs.push(values[i]!);
    last = t;
  }
  return { timestamps: ts, values: vs, dropped: timestamps.length - ts.length };
}
