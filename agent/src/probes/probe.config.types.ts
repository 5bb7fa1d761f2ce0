// What a configured probe is, once validated: the typed, normalised configs the runner and the probes receive,
// and the limits and enumerations the schema checks against (probe.config.ts).

export const PROBE_LIMITS = {
  defaultIntervalMs: 10_000,
  minIntervalMs: 1_000,
  /** setTimeout's range is ~24.8 days; a day is already far beyond any useful availability probe. */
  maxIntervalMs: 86_400_000,
  /** Default timeout is min(interval, this). */
  defaultMaxTimeoutMs: 5_000,
  minTimeoutMs: 100,
  nameLength: 128,
  /** Leaves room under LIMITS.labelsPerSeries for probe/type/target and the agent's own labels. */
  userLabels: 16,
} as const;

/** Labels every probe sample carries; operators cannot override them. */
export const RESERVED_PROBE_LABELS = ['probe', 'type', 'target'] as const;

export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];
export const DNS_RECORD_TYPES = ['A', 'AAAA', 'CNAME', 'MX', 'TXT', 'NS', 'SRV', 'PTR'] as const;
export type DnsRecordType = (typeof DNS_RECORD_TYPES)[number];
export const PROBE_TYPES = ['http', 'tcp', 'dns', 'process'] as const;
export type ProbeType = (typeof PROBE_TYPES)[number];

/** Linux keeps at most 15 characters of a process name in /proc/<pid>/comm (TASK_COMM_LEN - 1). */
export const COMM_LENGTH = 15;

export interface ProbeCommon {
  name: string;
  intervalMs: number;
  timeoutMs: number;
  /** Operator labels, added to every sample of the probe. */
  labels: Record<string, string>;
  /** Value of the `target` label: the url, host:port, query or process pattern as configured. */
  target: string;
}
export interface HttpProbeConfig extends ProbeCommon {
  type: 'http';
  url: string;
  method: HttpMethod;
  headers: Record<string, string>;
  body?: string;
  /** Accepted status codes; undefined means any 2xx. */
  expectStatus?: number[];
  bodyMatch?: string;
  bodyNotMatch?: string;
  followRedirects: boolean;
  tlsVerify: boolean;
  /** PEM file with the CA certificates trusted instead of the system store. */
  ca?: string;
}
export interface TcpProbeConfig extends ProbeCommon {
  type: 'tcp';
  host: string;
  port: number;
  send?: string;
  expect?: string;
  tls: boolean;
  tlsVerify: boolean;
  ca?: string;
}
export interface DnsProbeConfig extends ProbeCommon {
  type: 'dns';
  query: string;
  recordType: DnsRecordType;
  /** Values that must all be in the answer (normalised: lower case, no trailing dot). */
  expect?: string[];
  /** Resolver address in the form dns.Resolver#setServers accepts; undefined means the system resolvers. */
  server?: string;
}
export interface ProcessProbeConfig extends ProbeCommon {
  type: 'process';
  processName?: string;
  cmdline?: string;
  minCount: number;
}

export type ProbeConfig = HttpProbeConfig | TcpProbeConfig | DnsProbeConfig | ProcessProbeConfig;
