// The `probes:` section of agent.yaml: one zod schema that validates every key once, at start,
// and turns the operator's snake_case YAML into the typed, normalised configs the runner uses.
import { accessSync, constants as fsConstants } from 'node:fs';
import { validateHeaderName, validateHeaderValue } from 'node:http';
import { isIP } from 'node:net';
import { z } from 'zod';
import { isValidLabelName, LIMITS, parseDuration } from '@vigil/proto';

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

interface ProbeCommon {
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

// ---------- small parsers shared with the probes ----------

export interface HostPort {
  /** Host without IPv6 brackets. */
  host: string;
  port: number | undefined;
}

/**
 * Splits "host:port", "[v6]:port", and (when the port is optional) "host", "[v6]" or a bare IPv6
 * address. Returns a problem text instead of throwing.
 */
export function parseHostPort(text: string, portRequired: boolean): HostPort | { problem: string } {
  const example = portRequired ? 'HOST:PORT, e.g. 127.0.0.1:8000 or [::1]:8000' : 'HOST[:PORT], e.g. 10.0.0.53, 10.0.0.53:5353 or [::1]:5353';
  let host: string;
  let portText: string | undefined;
  const bracketed = /^\[([^\]]+)\](?::(.*))?$/.exec(text);
  if (bracketed) {
    host = bracketed[1]!;
    portText = bracketed[2];
    if (isIP(host) !== 6) return { problem: `${JSON.stringify(text)}: only IPv6 addresses go inside [brackets]` };
  } else if (isIP(text) === 6) {
    if (portRequired) return { problem: `${JSON.stringify(text)} has no port; write IPv6 targets as [address]:port` };
    host = text;
  } else {
    const colon = text.lastIndexOf(':');
    if (colon >= 0 && text.indexOf(':') !== colon) return { problem: `${JSON.stringify(text)}: write IPv6 targets as [address]:port` };
    host = colon >= 0 ? text.slice(0, colon) : text;
    portText = colon >= 0 ? text.slice(colon + 1) : undefined;
  }
  if (host === '' || /[\s/]/.test(host)) return { problem: `${JSON.stringify(text)} is not ${example}` };
  if (portText === undefined) {
    if (portRequired) return { problem: `${JSON.stringify(text)} has no port; expected ${example}` };
    return { host, port: undefined };
  }
  const port = /^\d{1,5}$/.test(portText) ? Number(portText) : NaN;
  if (!(port >= 1 && port <= 65_535)) return { problem: `${JSON.stringify(text)} has an invalid port (1-65535)` };
  return { host, port };
}

/** Returns the RegExp syntax error for `source`, or undefined when it compiles. */
export function regexProblem(source: string): string | undefined {
  try {
    new RegExp(source);
    return undefined;
  } catch (err) {
    return `invalid regular expression ${JSON.stringify(source)}: ${(err as Error).message}`;
  }
}

// ---------- field schemas ----------

type Ctx = z.core.$RefinementCtx;

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  return `${typeof value} ${JSON.stringify(value)}`;
}

/** Error texts for a wrong or missing value: "required" or "expected X, got number 5". */
function expecting(what: string) {
  return { error: (issue: { input?: unknown }) => (issue.input === undefined ? 'required' : `expected ${what}, got ${describe(issue.input)}`) };
}

/**
 * Zod skips refinements once a value inside has the wrong type; cross-key checks are written to
 * tolerate bad values so that every problem of a probe is reported in one pass.
 */
const ALWAYS_ON_OBJECTS = { when: (payload: { value: unknown }) => typeof payload.value === 'object' && payload.value !== null };

const text = (what = 'a string') => z.string(expecting(what));
const flag = () => z.boolean(expecting('true or false')).optional();
const nonEmpty = (what: string) =>
  text(what).superRefine((value, ctx) => {
    if (value.trim() === '') ctx.addIssue({ code: 'custom', message: 'must not be empty' });
  });

const duration = text('a duration such as 10s').superRefine((value, ctx) => {
  if (parseDuration(value) === undefined) ctx.addIssue({ code: 'custom', message: `${JSON.stringify(value)} is not a duration (use e.g. 500ms, 10s, 1m)` });
});

const regex = text('a regular expression').superRefine((value, ctx) => {
  const problem = regexProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.:-]*$/;
const probeName = text('a probe name').superRefine((value, ctx) => {
  if (!NAME_RE.test(value) || value.length > PROBE_LIMITS.nameLength) {
    ctx.addIssue({
      code: 'custom',
      message: `${JSON.stringify(value)} is not a valid probe name (letters, digits, "_", ".", ":", "-"; starts with a letter or digit; at most ${PROBE_LIMITS.nameLength} characters)`,
    });
  }
});

const labelMap = z.record(z.string(), text('a string label value')).superRefine((labels, ctx) => {
  const names = Object.keys(labels);
  if (names.length > PROBE_LIMITS.userLabels) ctx.addIssue({ code: 'custom', message: `too many labels (${names.length} > ${PROBE_LIMITS.userLabels})` });
  for (const name of names) {
    if ((RESERVED_PROBE_LABELS as readonly string[]).includes(name)) {
      ctx.addIssue({ code: 'custom', path: [name], message: `label "${name}" is set by the probe itself and cannot be overridden` });
    } else if (!isValidLabelName(name)) {
      ctx.addIssue({ code: 'custom', path: [name], message: `invalid label name ${JSON.stringify(name)} (letters, digits and "_", not starting with a digit or "__")` });
    } else if (typeof labels[name] === 'string' && labels[name]!.length > LIMITS.labelValueLength) {
      ctx.addIssue({ code: 'custom', path: [name], message: `label value longer than ${LIMITS.labelValueLength} characters` });
    }
  }
}, ALWAYS_ON_OBJECTS);

const caFile = nonEmpty('a path to a PEM file').superRefine((path, ctx) => {
  if (path.trim() === '') return;
  try {
    accessSync(path, fsConstants.R_OK);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: `cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})` });
  }
});

const commonShape = {
  name: probeName,
  interval: duration.optional(),
  timeout: duration.optional(),
  labels: labelMap.optional(),
};

// ---------- cross-field checks ----------

/** Resolved interval and timeout in ms, or undefined when the texts are invalid (reported elsewhere). */
function timing(raw: { interval?: unknown; timeout?: unknown }): { intervalMs: number; timeoutMs: number } | undefined {
  const intervalMs = typeof raw.interval === 'string' ? parseDuration(raw.interval) : PROBE_LIMITS.defaultIntervalMs;
  if (intervalMs === undefined) return undefined;
  const timeoutMs = typeof raw.timeout === 'string' ? parseDuration(raw.timeout) : Math.min(intervalMs, PROBE_LIMITS.defaultMaxTimeoutMs);
  if (timeoutMs === undefined) return undefined;
  return { intervalMs, timeoutMs };
}

function checkTiming(raw: { interval?: unknown; timeout?: unknown }, ctx: Ctx): void {
  const resolved = timing(raw);
  if (!resolved) return;
  const intervalText = typeof raw.interval === 'string' ? raw.interval : '10s (default)';
  if (resolved.intervalMs < PROBE_LIMITS.minIntervalMs) ctx.addIssue({ code: 'custom', path: ['interval'], message: `${intervalText} is shorter than the minimum 1s` });
  if (resolved.intervalMs > PROBE_LIMITS.maxIntervalMs) ctx.addIssue({ code: 'custom', path: ['interval'], message: `${intervalText} is longer than the maximum 1d` });
  if (typeof raw.timeout !== 'string') return;
  if (resolved.timeoutMs < PROBE_LIMITS.minTimeoutMs) ctx.addIssue({ code: 'custom', path: ['timeout'], message: `${raw.timeout} is shorter than the minimum 100ms` });
  if (resolved.timeoutMs > resolved.intervalMs) {
    ctx.addIssue({ code: 'custom', path: ['timeout'], message: `${raw.timeout} is longer than the interval ${intervalText}` });
  }
}

/** Strict keys with messages at the key's own path (zod's unrecognized_keys names only the object). */
function checkKeys(raw: Record<string, unknown>, allowed: readonly string[], type: string, ctx: Ctx): void {
  for (const key of Object.keys(raw)) {
    if (!allowed.includes(key)) {
      ctx.addIssue({ code: 'custom', path: [key], message: `unknown key for a ${type} probe (allowed: ${allowed.join(', ')})` });
    }
  }
}

function common(raw: { name: string; interval?: string; timeout?: string; labels?: Record<string, string> }, target: string): ProbeCommon {
  const { intervalMs, timeoutMs } = timing(raw)!;
  return { name: raw.name, intervalMs, timeoutMs, labels: { ...raw.labels }, target };
}

// ---------- per type ----------

const FRAMING_HEADERS = ['content-length', 'transfer-encoding', 'connection'];

const httpShape = {
  ...commonShape,
  type: z.literal('http'),
  url: text('a URL').superRefine((value, ctx) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      ctx.addIssue({ code: 'custom', message: `${JSON.stringify(value)} is not a valid URL` });
      return;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') ctx.addIssue({ code: 'custom', message: `${JSON.stringify(value)}: only http:// and https:// URLs can be probed` });
    else if (url.username || url.password) ctx.addIssue({ code: 'custom', message: 'credentials in the URL would end up in the target label; use headers (Authorization) instead' });
  }),
  method: text('an HTTP method').superRefine((value, ctx) => {
    if (!(HTTP_METHODS as readonly string[]).includes(value.toUpperCase())) ctx.addIssue({ code: 'custom', message: `unsupported method ${JSON.stringify(value)} (one of ${HTTP_METHODS.join(', ')})` });
  }).optional(),
  headers: z.record(z.string(), text('a string header value')).superRefine((headers, ctx) => {
    for (const [name, value] of Object.entries(headers)) {
      try {
        validateHeaderName(name);
        if (typeof value === 'string') validateHeaderValue(name, value);
      } catch (err) {
        ctx.addIssue({ code: 'custom', path: [name], message: `invalid header: ${(err as Error).message}` });
        continue;
      }
      if (FRAMING_HEADERS.includes(name.toLowerCase())) ctx.addIssue({ code: 'custom', path: [name], message: `header ${name} is managed by the probe` });
    }
  }, ALWAYS_ON_OBJECTS).optional(),
  body: text().optional(),
  expect_status: z.array(z.int(expecting('an HTTP status code')).min(100, 'status codes are 100-599').max(599, 'status codes are 100-599'), expecting('a list of status codes'))
    .min(1, 'list at least one status code, or leave the key out to accept any 2xx')
    .optional(),
  body_match: regex.optional(),
  body_not_match: regex.optional(),
  follow_redirects: flag(),
  tls_verify: flag(),
  ca: caFile.optional(),
};

const httpProbe = z
  .looseObject(httpShape)
  .superRefine((raw, ctx) => {
    checkKeys(raw, Object.keys(httpShape), 'http', ctx);
    checkTiming(raw, ctx);
    const isHead = typeof raw.method === 'string' && raw.method.toUpperCase() === 'HEAD';
    for (const key of ['body_match', 'body_not_match'] as const) {
      if (isHead && raw[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: 'HEAD responses have no body to match' });
    }
  }, ALWAYS_ON_OBJECTS)
  .transform(
    (raw): HttpProbeConfig => ({
      ...common(raw, raw.url),
      type: 'http',
      url: raw.url,
      method: (raw.method?.toUpperCase() ?? 'GET') as HttpMethod,
      headers: { ...raw.headers },
      body: raw.body,
      expectStatus: raw.expect_status,
      bodyMatch: raw.body_match,
      bodyNotMatch: raw.body_not_match,
      followRedirects: raw.follow_redirects ?? true,
      tlsVerify: raw.tls_verify ?? true,
      ca: raw.ca,
    }),
  );

const tcpShape = {
  ...commonShape,
  type: z.literal('tcp'),
  target: text('HOST:PORT').superRefine((value, ctx) => {
    const parsed = parseHostPort(value, true);
    if ('problem' in parsed) ctx.addIssue({ code: 'custom', message: parsed.problem });
  }),
  send: text().optional(),
  expect: regex.optional(),
  tls: flag(),
  tls_verify: flag(),
  ca: caFile.optional(),
};

const tcpProbe = z
  .looseObject(tcpShape)
  .superRefine((raw, ctx) => {
    checkKeys(raw, Object.keys(tcpShape), 'tcp', ctx);
    checkTiming(raw, ctx);
    for (const key of ['tls_verify', 'ca'] as const) {
      if (raw[key] !== undefined && raw.tls !== true) ctx.addIssue({ code: 'custom', path: [key], message: 'only applies with tls: true' });
    }
  }, ALWAYS_ON_OBJECTS)
  .transform((raw): TcpProbeConfig => {
    const { host, port } = parseHostPort(raw.target, true) as HostPort;
    return {
      ...common(raw, raw.target),
      type: 'tcp',
      host,
      port: port!,
      send: raw.send,
      expect: raw.expect,
      tls: raw.tls ?? false,
      tlsVerify: raw.tls_verify ?? true,
      ca: raw.ca,
    };
  });

const HOSTNAME_RE = /^(?=.{1,253}\.?$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*\.?$/;

const dnsShape = {
  ...commonShape,
  type: z.literal('dns'),
  query: nonEmpty('a DNS name'),
  record_type: text('a record type').superRefine((value, ctx) => {
    if (!(DNS_RECORD_TYPES as readonly string[]).includes(value.toUpperCase())) ctx.addIssue({ code: 'custom', message: `unsupported record type ${JSON.stringify(value)} (one of ${DNS_RECORD_TYPES.join(', ')})` });
  }).optional(),
  expect: z.array(nonEmpty('a record value'), expecting('a list of record values')).min(1, 'list at least one value, or leave the key out').optional(),
  server: text('HOST[:PORT]').superRefine((value, ctx) => {
    const parsed = parseHostPort(value, false);
    if ('problem' in parsed) ctx.addIssue({ code: 'custom', message: parsed.problem });
    else if (isIP(parsed.host) === 0) ctx.addIssue({ code: 'custom', message: `${JSON.stringify(value)}: the DNS server must be an IP address` });
  }).optional(),
};

const dnsProbe = z
  .looseObject(dnsShape)
  .superRefine((raw, ctx) => {
    checkKeys(raw, Object.keys(dnsShape), 'dns', ctx);
    checkTiming(raw, ctx);
    if (typeof raw.query !== 'string') return;
    const ptrByAddress = typeof raw.record_type === 'string' && raw.record_type.toUpperCase() === 'PTR' && isIP(raw.query) !== 0;
    if (!ptrByAddress && !HOSTNAME_RE.test(raw.query)) ctx.addIssue({ code: 'custom', path: ['query'], message: `${JSON.stringify(raw.query)} is not a DNS name` });
  }, ALWAYS_ON_OBJECTS)
  .transform((raw): DnsProbeConfig => {
    const recordType = (raw.record_type?.toUpperCase() ?? 'A') as DnsRecordType;
    let server: string | undefined;
    if (raw.server !== undefined) {
      const { host, port } = parseHostPort(raw.server, false) as HostPort;
      // setServers wants IPv6 with a port in brackets.
      server = port === undefined ? host : isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
    }
    return {
      ...common(raw, raw.query),
      type: 'dns',
      query: raw.query,
      recordType,
      expect: raw.expect?.map((value) => normaliseDnsValue(value, recordType)),
      server,
    };
  });

/** DNS names compare case-insensitively and with or without the root dot; TXT data is compared as is. */
export function normaliseDnsValue(value: string, recordType: DnsRecordType): string {
  if (recordType === 'TXT') return value;
  const lower = value.trim().toLowerCase();
  return lower.length > 1 && lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

const processShape = {
  ...commonShape,
  type: z.literal('process'),
  process_name: nonEmpty('a process name').optional(),
  cmdline: regex.optional(),
  min_count: z.int(expecting('a whole number')).min(1, 'must be at least 1').optional(),
};

const processProbe = z
  .looseObject(processShape)
  .superRefine((raw, ctx) => {
    checkKeys(raw, Object.keys(processShape), 'process', ctx);
    checkTiming(raw, ctx);
    if ((raw.process_name === undefined) === (raw.cmdline === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['process_name'], message: 'set exactly one of process_name (exact name) or cmdline (regular expression)' });
    }
  }, ALWAYS_ON_OBJECTS)
  .transform(
    (raw): ProcessProbeConfig => ({
      ...common(raw, (raw.process_name ?? raw.cmdline)!),
      type: 'process',
      processName: raw.process_name,
      cmdline: raw.cmdline,
      minCount: raw.min_count ?? 1,
    }),
  );

// Discriminated unions accept only objects, so the per-type transforms are applied after dispatch.
const probeObjects = { http: httpProbe, tcp: tcpProbe, dns: dnsProbe, process: processProbe } as const;

const probeSchema = z
  .looseObject({}, expecting('a probe (a map with name, type, ...)'))
  .transform((raw: Record<string, unknown>, ctx) => {
    // Read here rather than declared: a declared key makes zod report a missing type in its own words.
    const type = raw.type;
    if (typeof type !== 'string' || !(type in probeObjects)) {
      ctx.addIssue({
        code: 'custom',
        path: ['type'],
        message: type === undefined ? `required (one of ${PROBE_TYPES.join(', ')})` : `unknown probe type ${JSON.stringify(type)} (one of ${PROBE_TYPES.join(', ')})`,
      });
      return z.NEVER;
    }
    const result = probeObjects[type as ProbeType].safeParse(raw);
    if (result.success) return result.data as ProbeConfig;
    for (const issue of result.error.issues) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
    return z.NEVER;
  });

export type ProbeConfig = HttpProbeConfig | TcpProbeConfig | DnsProbeConfig | ProcessProbeConfig;

/**
 * Schema of the `probes:` list. Embed it as `probes: probeListSchema` in the agent config; issue
 * paths are relative (e.g. [1, 'timeout']), so the embedding adds the `probes` prefix.
 * Items are parsed one by one so that every problem of every probe is reported in one pass,
 * duplicate names included.
 */
export const probeListSchema = z
  .array(z.unknown(), expecting('a list of probes'))
  .transform((items, ctx): ProbeConfig[] => {
    const configs: ProbeConfig[] = [];
    const firstIndex = new Map<string, number>();
    items.forEach((item, index) => {
      const result = probeSchema.safeParse(item);
      if (result.success) configs.push(result.data);
      // params.selfContained: the message already names the offending value; formatters need not repeat it.
      else for (const issue of result.error.issues) ctx.addIssue({ code: 'custom', path: [index, ...issue.path], message: issue.message, params: { selfContained: true } });
      const name = (item as { name?: unknown } | null)?.name;
      if (typeof name !== 'string') return;
      const previous = firstIndex.get(name);
      if (previous === undefined) firstIndex.set(name, index);
      else ctx.addIssue({ code: 'custom', path: [index, 'name'], message: `duplicate probe name ${JSON.stringify(name)} (already used by the probe at index ${previous})`, params: { selfContained: true } });
    });
    return configs;
  })
  .default([]);
