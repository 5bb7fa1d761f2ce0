import { describe, expect, it } from 'vitest';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { FLEET_FAMILY, familyLintProblem, isReservedMetricName, labelLintProblem } from './exposition-names.js';

describe('exposition names', () => {
  const registry = new Registry();
  new Histogram({ name: 'vigil_ingest_ack_latency_seconds', help: 'h', registers: [registry] });
  new Counter({ name: 'vigil_ingest_samples_total', help: 'h', registers: [registry] });
  const fleet = new Gauge({ name: 'vigil_cpu_utilization_ratio', help: 'h', registers: [registry] });
  Object.assign(fleet, { [FLEET_FAMILY]: true });

  it('reserves up, scrape_*, the process prefix and every family the collector registers with its sample names', () => {
    for (const name of ['up', 'scrape_duration_seconds', 'vigil_collector_process_cpu_seconds_total', 'vigil_ingest_ack_latency_seconds',
      'vigil_ingest_ack_latency_seconds_bucket', 'vigil_ingest_ack_latency_seconds_count', 'vigil_ingest_samples_total', 'vigil_ingest_samples']) {
      expect(isReservedMetricName(registry, name), name).toBe(true);
    }
    for (const name of ['vigil_cpu_utilization_ratio', 'vigil_load1', 'upstream_ratio', 'node_up']) expect(isReservedMetricName(registry, name), name).toBe(false);
  });

  it('flags what promtool check metrics flags, and passes the agents\u2019 own names', () => {
    expect(familyLintProblem('vigil_requests', 'counter')).toBe('counter metrics should have "_total" suffix');
    expect(familyLintProblem('vigil_x_total', 'gauge')).toBe('non-counter metrics should not have "_total" suffix');
    expect(familyLintProblem('vigil_x_bucket', 'gauge')).toBe('non-histogram metrics should not have "_bucket" suffix');
    expect(familyLintProblem('vigil_latency_milliseconds', 'gauge')).toBe('use base unit "seconds" instead of "milliseconds"');
    expect(familyLintProblem('vigil_latency_ms', 'gauge')).toBe('metric names should not contain abbreviated units');
    expect(familyLintProblem('vigil_oddName', 'gauge')).toBe('metric names should be written in snake_case');
    expect(familyLintProblem('a:b', 'gauge')).toBe('metric names should not contain ":"');
    expect(familyLintProblem('vigil_x_gauge', 'gauge')).toBe("metric name should not include type 'gauge'");
    for (const [name, kind] of [['vigil_cpu_seconds_total', 'counter'], ['vigil_memory_used_bytes', 'gauge'], ['vigil_load1', 'gauge'], ['vigil_probe_process_count', 'gauge']] as const) {
      expect(familyLintProblem(name, kind), name).toBeUndefined();
    }
    expect(labelLintProblem({ le: '1' })).toBe('label "le" belongs to histograms and summaries');
    expect(labelLintProblem({ mountPoint: '/' })).toBe('label names should be written in snake_case');
    expect(labelLintProblem({ mountpoint: '/', agent: 'a' })).toBeUndefined();
  });
});
