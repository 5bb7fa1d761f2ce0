// Availability probes (http, tcp, dns, process): config schema, runner, and the pieces other
// agent components may reuse for diagnostics.
export { probeListSchema } from './probe.config.js';
export { PROBE_LIMITS, PROBE_TYPES, HTTP_METHODS, DNS_RECORD_TYPES } from './probe.config.types.js';
export type { ProbeConfig, HttpProbeConfig, TcpProbeConfig, DnsProbeConfig, ProcessProbeConfig, ProbeType } from './probe.config.types.js';
export { startProbes, runProbeOnce } from './probe.runner.js';
export type { ProbeRunner, StartProbesOptions, ProbeStatus, ProbeRunSummary, ProbeLogger } from './probe.runner.js';
export { PROBE_METRICS, probeSamples, probeLabels } from './probe.samples.js';
export { FAILURE_REASONS } from './probe.types.js';
export type { FailureReason, ProbeResult, ProbeOutcome, ProbeFacts } from './probe.types.js';
