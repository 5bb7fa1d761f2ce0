import { describe, expect, it } from 'vitest';
import snappy from 'snappyjs';
import { MetricType, prometheus } from '@vigil/proto';
import { decodeRemoteWrite } from './remote-write.decode.js';

const body = (request: prometheus.IWriteRequest) => snappy.compress(prometheus.WriteRequest.encode(request).finish());

describe('decodeRemoteWrite', () => {
  it('turns time series into Vigil series: __name__ is the metric, empty labels go, counters by suffix', () => {
    const decoded = decodeRemoteWrite(body({ timeseries: [
      { labels: [{ name: '__name__', value: 'http_requests_total' }, { name: 'job', value: 'a' }, { name: 'gone', value: '' }], samples: [{ timestamp: 1000, value: 3 }] },
      { labels: [{ name: '__name__', value: 'temp' }], samples: [{ timestamp: 2000, value: 21.5 }] },
    ] }), 1 << 20);
    expect(decoded).toEqual({
      staleMarkers: 0,
      series: [
        { metric: 'http_requests_total', labels: { job: 'a' }, type: MetricType.METRIC_TYPE_COUNTER, timestampsMs: [1000], values: [3] },
        { metric: 'temp', labels: {}, type: MetricType.METRIC_TYPE_GAUGE, timestampsMs: [2000], values: [21.5] },
      ],
    });
  });
  it('names what is wrong with a body', () => {
    expect(() => decodeRemoteWrite(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0x0f]), 100)).toThrow(/^body is not snappy block-compressed data/);
    expect(() => decodeRemoteWrite(body({ timeseries: [{ labels: [{ name: 'x'.repeat(300), value: 'y' }] }] }), 100)).toThrow('uncompressed body over the limit of 100 bytes (ingest.max_message_bytes)');
    expect(() => decodeRemoteWrite(snappy.compress(Buffer.from([0x0a, 0x05, 0x01])), 100)).toThrow(/^body is not a prometheus.WriteRequest/);
  });
});
