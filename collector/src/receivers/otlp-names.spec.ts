import { describe, expect, it } from 'vitest';
import { prometheusName, sanitizeLabelName, unitSuffix } from './otlp-names.js';

describe('OTLP names in Prometheus form', () => {
  it('normalises names, adds the unit and _total as the compatibility specification says', () => {
    expect(prometheusName('http.server.request.duration', 's', 'other')).toBe('http_server_request_duration_seconds');
    expect(prometheusName('system.network.dropped', '{packets}', 'counter')).toBe('system_network_dropped_total');
    expect(prometheusName('process.runtime.heap', 'By', 'gauge')).toBe('process_runtime_heap_bytes');
    expect(prometheusName('throughput', 'By/s', 'gauge')).toBe('throughput_bytes_per_second');
    expect(prometheusName('cpu.utilization', '1', 'gauge')).toBe('cpu_utilization_ratio');
    expect(prometheusName('requests_total', '1', 'counter')).toBe('requests_total');
    expect(prometheusName('latency_seconds', 's', 'other')).toBe('latency_seconds');
    expect(prometheusName('9lives..count', '', 'counter')).toBe('_9lives_count_total');
  });
  it('sanitises label names and keeps the reserved __ prefix out', () => {
    expect(sanitizeLabelName('http.response.status_code')).toBe('http_response_status_code');
    expect(sanitizeLabelName('2xx')).toBe('key_2xx');
    expect(sanitizeLabelName('__private')).toBe('_private');
    expect(unitSuffix('{request}', false)).toBe('');
    expect(unitSuffix('ms', false)).toBe('milliseconds');
    expect(unitSuffix('packets/min', true)).toBe('packets_per_minute');
  });
});
