// The Prometheus remote-write 1.0 wire format: a protobuf WriteRequest, snappy block-compressed.
// The message types are declared once below (the subset of prometheus/prompb the 1.0 spec uses)
// and encoded through protobufjs reflection: no hand-written wire format.
import protobuf from 'protobufjs';
import snappy from 'snappyjs';

const PROMPB = `
syntax = "proto3";
package prometheus;
message WriteRequest { repeated TimeSeries timeseries = 1; }
message TimeSeries { repeated Label labels = 1; repeated Sample samples = 2; }
message Label { string name = 1; string value = 2; }
message Sample { double value = 1; int64 timestamp = 2; }
`;

// Resolved now: a field resolved later would see whatever protobuf.util.Long is by then (@vigil/proto
// unsets it so that int64 decodes to numbers), and int64 defaults fail to resolve without it.
const WriteRequest = protobuf.parse(PROMPB, { keepCase: true }).root.resolveAll().lookupType('prometheus.WriteRequest');

export interface Label {
  name: string;
  value: string;
}

export interface TimeSeries {
  /** Sorted by name, `__name__` included, no empty values. */
  labels: Label[];
  /** Timestamps in ms, strictly increasing. */
  samples: Array<{ value: number; timestamp: number }>;
}

export const REMOTE_WRITE_HEADERS = {
  'Content-Type': 'application/x-protobuf',
  'Content-Encoding': 'snappy',
  'X-Prometheus-Remote-Write-Version': '0.1.0',
} as const;

/** The request body: WriteRequest bytes, snappy block-compressed. */
export function encodeWriteRequest(timeseries: readonly TimeSeries[]): Uint8Array {
  return snappy.compress(WriteRequest.encode({ timeseries }).finish());
}

/** A body back into series (tests, and anyone checking what a receiver got). */
export function decodeWriteRequest(body: Uint8Array): TimeSeries[] {
  const message = WriteRequest.toObject(WriteRequest.decode(snappy.uncompress(body)), { longs: Number, defaults: true }) as { timeseries: TimeSeries[] };
  return message.timeseries;
}

/** Prometheus' labels of a stored series: `__name__` plus its labels, sorted by name, empty values left out. */
export function seriesLabels(metric: string, labels: Readonly<Record<string, string>>): Label[] {
  const out: Label[] = [{ name: '__name__', value: metric }];
  for (const [name, value] of Object.entries(labels)) if (value !== '') out.push({ name, value });
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
