import { describe, expect, it } from 'vitest';
import snappy from 'snappyjs';
import { decodeWriteRequest, encodeWriteRequest, seriesLabels, type TimeSeries } from './write-request.js';

describe('WriteRequest encoding', () => {
  it('round-trips series with 13-digit ms timestamps, negative and fractional values', () => {
    const series: TimeSeries[] = [
      { labels: seriesLabels('node_load1', { host: 'web-1', agent: 'a1' }), samples: [{ timestamp: 1_764_000_000_123, value: 0.25 }, { timestamp: 1_764_000_001_123, value: -3 }] },
      { labels: seriesLabels('up', {}), samples: [{ timestamp: 1_764_000_000_000, value: 1 }] },
    ];
    const body = encodeWriteRequest(series);
    expect(decodeWriteRequest(body)).toEqual(series);
  });

  it('is snappy block format around protobuf: field 1 (timeseries) opens the message', () => {
    const raw = snappy.uncompress(encodeWriteRequest([{ labels: [{ name: '__name__', value: 'x' }], samples: [{ timestamp: 1, value: 2 }] }]));
    // tag of field 1, wire type 2 (length-delimited) = 0x0a; the series holds label (0x0a) then sample (0x12)
    expect(raw[0]).toBe(0x0a);
    expect(Buffer.from(raw).includes(Buffer.from('__name__'))).toBe(true);
  });

  it('sorts labels by name with __name__ first among them and leaves out empty values', () => {
    expect(seriesLabels('cpu_usage', { zone: 'b', agent: 'a1', core: '', host: 'h' })).toEqual([
      { name: '__name__', value: 'cpu_usage' },
      { name: 'agent', value: 'a1' },
      { name: 'host', value: 'h' },
      { name: 'zone', value: 'b' },
    ]);
  });
});
