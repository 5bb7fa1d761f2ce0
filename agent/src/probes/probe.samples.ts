// Turns one probe result into gauge samples. Pure: no I/O, no clock.
import type { Sample } from '../pipeline/types.js';
import type { ProbeConfig } from './probe.config.types.js';
import type { ProbeResult } from './probe.types.js';

export const PROBE_METRICS = {
  success: 'vigil_probe_success',
  duration: 'vigil_probe_duration_seconds',
  httpStatus: 'vigil_probe_http_status_code',
  certExpiry: 'vigil_probe_tls_cert_expiry_timestamp_seconds',
  certRemaining: 'vigil_probe_tls_cert_remaining_seconds',
  processCount: 'vigil_probe_process_count',
  dnsAnswers: 'vigil_probe_dns_answers',
} as const;


/** The label set of every series of a probe: operator labels plus probe, type and target. */
export function probeLabels(config: ProbeConfig): Record<string, string> {
  return { ...config.labels, probe: config.name, type: config.type, target: config.target };
}

export function probeSamples(config: ProbeConfig, result: ProbeResult, labels: Record<string, string> = probeLabels(config)): Sample[] {
  const { timestampMs, facts } = result;
  // Each sample gets its own label object: downstream stages may enrich labels in place.
  const gauge = (metric: string, value: number): Sample => ({ metric, labels: { ...labels }, kind: 'gauge', timestampMs, value });
  const samples = [gauge(PROBE_METRICS.success, result.outcome.success ? 1 : 0), gauge(PROBE_METRICS.duration, result.durationSeconds)];
  if (facts.httpStatus !== undefined) samples.push(gauge(PROBE_METRICS.httpStatus, facts.httpStatus));
  if (facts.certNotAfterMs !== undefined) {
    samples.push(gauge(PROBE_METRICS.certExpiry, facts.certNotAfterMs / 1000));
    // Relative to the run's start, so the figure is reproducible from the sample itself.
    samples.push(gauge(PROBE_METRICS.certRemaining, (facts.certNotAfterMs - timestampMs) / 1000));
  }
  if (facts.processCount !== undefined) samples.push(gauge(PROBE_METRICS.processCount, facts.processCount));
  if (facts.dnsAnswers !== undefined) samples.push(gauge(PROBE_METRICS.dnsAnswers, facts.dnsAnswers));
  return samples;
}
