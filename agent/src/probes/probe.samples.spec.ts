import { describe, expect, it } from 'vitest';
import type { TcpProbeConfig } from './probe.config.types.js';
import { probeLabels, probeSamples } from './probe.samples.js';

const config: TcpProbeConfig = {
  name: 'mail', type: 'tcp', target: 'mail.example.com:465', host: 'mail.example.com', port: 465, intervalMs: 10_000, timeoutMs: 5_000,
  labels: { site: 'par1' }, tls: true, tlsVerify: true,
};

describe('probe samples', () => {
  it('labels every series with the operator labels plus probe, type and target', () => {
    expect(probeLabels(config)).toEqual({ site: 'par1', probe: 'mail', type: 'tcp', target: 'mail.example.com:465' });
  });

  it('emits success and duration always, the observed facts when present', () => {
    const t = Date.UTC(2026, 10, 25, 12);
    const notAfter = Date.UTC(2026, 11, 10, 0); // 14.5 days later
    const samples = probeSamples(config, {
      timestampMs: t,
      durationSeconds: 0.0425,
      outcome: { success: false, reason: 'tls_verify', detail: 'CERT_HAS_EXPIRED' },
      facts: { certNotAfterMs: notAfter, httpStatus: 200, processCount: 3, dnsAnswers: 2 },
    });
    const labels = probeLabels(config);
    expect(samples).toEqual([
      { metric: 'vigil_probe_success', labels, kind: 'gauge', timestampMs: t, value: 0 },
      { metric: 'vigil_probe_duration_seconds', labels, kind: 'gauge', timestampMs: t, value: 0.0425 },
      { metric: 'vigil_probe_http_status_code', labels, kind: 'gauge', timestampMs: t, value: 200 },
      { metric: 'vigil_probe_tls_cert_expiry_timestamp_seconds', labels, kind: 'gauge', timestampMs: t, value: notAfter / 1000 },
      { metric: 'vigil_probe_tls_cert_remaining_seconds', labels, kind: 'gauge', timestampMs: t, value: 14.5 * 86_400 },
      { metric: 'vigil_probe_process_count', labels, kind: 'gauge', timestampMs: t, value: 3 },
      { metric: 'vigil_probe_dns_answers', labels, kind: 'gauge', timestampMs: t, value: 2 },
    ]);
    // Independent label objects: a stage enriching one sample's labels cannot affect another.
    expect(samples[0]!.labels).not.toBe(samples[1]!.labels);
  });

  it('emits only success and duration when nothing else was observed', () => {
    const samples = probeSamples(config, { timestampMs: 1, durationSeconds: 5, outcome: { success: false, reason: 'timeout', detail: '' }, facts: {} });
    expect(samples.map((s) => [s.metric, s.value])).toEqual([['vigil_probe_success', 0], ['vigil_probe_duration_seconds', 5]]);
  });
});
