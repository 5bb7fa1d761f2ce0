// The `probes:` section of agent.yaml: one validator that checks every key once, at start,
// and turns the operator's snake_case YAML into the typed, normalised configs the runner uses
// (probe.config.types.ts). Shared field validators: probe.fields.ts; target parsers: probe.targets.ts.
import {
  array, At, crossCheck, expecting, INVALID, isMap, number, object, optional, record, refine, transform, withDefault,
  type ObjectOutput, type Shape, type Validator,
} from '../validate.js';
import {
  DNS_RECORD_TYPES, HTTP_METHODS, PROBE_TYPES, type DnsProbeConfig, type DnsRecordType, type HttpMethod, type HttpProbeConfig,
  type ProbeConfig, type ProbeType, type ProcessProbeConfig, type TcpProbeConfig,
} from './probe.config.types.js';
import { headerProblem } from './http1.js';
import { caFile, checkKeys, checkTiming, common, commonShape, flag, nonEmpty, regex, text } from './probe.fields.js';
import { normaliseDnsValue, parseHostPort, type HostPort } from './probe.targets.js';
import { ipVersion } from '../builtins.js';

const FRAMING_HEADERS = ['content-length', 'transfer-encoding', 'connection'];

/** The probe's type key, checked by the dispatch in probeSchema; listed in the shape for the allowed keys. */
const typeKey = text();

/**
 * One probe type: its fields (unknown keys reported by checkKeys, with the allowed ones), the checks across
 * keys (run whatever the fields' problems), then `build` once the probe has no problem at all.
 */
function probeType<S extends Shape, C>(type: ProbeType, shape: S, check: (raw: Record<string, unknown>, at: At) => void, build: (parsed: ObjectOutput<S>) => C): Validator<C> {
  const allowed = Object.keys(shape);
  const fields = crossCheck(object(shape, { unknownKeys: 'ignore' }), (raw, at) => {
    checkKeys(raw, allowed, type, at);
    checkTiming(raw, at);
    check(raw, at);
  });
  return transform(fields, build);
}

const httpUrl = refine(text('a URL'), (value, at) => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    at.problem(`${JSON.stringify(value)} is not a valid URL`);
    return;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') at.problem(`${JSON.stringify(value)}: only http:// and https:// URLs can be probed`);
  else if (url.username || url.password) at.problem('credentials in the URL would end up in the target label; use headers (Authorization) instead');
});

const headers = crossCheck(record(text('a string header value'), expecting('a map of header names to values')), (raw, at) => {
  for (const [name, value] of Object.entries(raw)) {
    const problem = headerProblem(name, typeof value === 'string' ? value : '');
    if (problem) {
      at.problem(`invalid header: ${problem}`, { under: [name] });
      continue;
    }
    if (FRAMING_HEADERS.includes(name.toLowerCase())) at.problem(`header ${name} is managed by the probe`, { under: [name] });
  }
});

const httpShape = {
  ...commonShape,
  type: typeKey,
  url: httpUrl,
  method: optional(
    refine(text('an HTTP method'), (value, at) => {
      if (!(HTTP_METHODS as readonly string[]).includes(value.toUpperCase())) at.problem(`unsupported method ${JSON.stringify(value)} (one of ${HTTP_METHODS.join(', ')})`);
    }),
  ),
  headers: optional(headers),
  body: optional(text()),
  expect_status: optional(
    array(number({ integer: true, min: 100, max: 599, wrongType: expecting('an HTTP status code'), tooSmall: 'status codes are 100-599', tooBig: 'status codes are 100-599' }), {
      wrongType: expecting('a list of status codes'),
      nonEmpty: 'list at least one status code, or leave the key out to accept any 2xx',
    }),
  ),
  body_match: optional(regex),
  body_not_match: optional(regex),
  follow_redirects: flag(),
  tls_verify: flag(),
  ca: optional(caFile),
};

const httpProbe = probeType(
  'http',
  httpShape,
  (raw, at) => {
    const isHead = typeof raw.method === 'string' && raw.method.toUpperCase() === 'HEAD';
    for (const key of ['body_match', 'body_not_match'] as const) {
      if (isHead && raw[key] !== undefined) at.problem('HEAD responses have no body to match', { under: [key] });
    }
  },
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
  type: typeKey,
  target: refine(text('HOST:PORT'), (value, at) => {
    const parsed = parseHostPort(value, true);
    if ('problem' in parsed) at.problem(parsed.problem);
  }),
  send: optional(text()),
  expect: optional(regex),
  tls: flag(),
  tls_verify: flag(),
  ca: optional(caFile),
};

const tcpProbe = probeType(
  'tcp',
  tcpShape,
  (raw, at) => {
    for (const key of ['tls_verify', 'ca'] as const) {
      if (raw[key] !== undefined && raw.tls !== true) at.problem('only applies with tls: true', { under: [key] });
    }
  },
  (raw): TcpProbeConfig => {
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
  },
);

const HOSTNAME_RE = /^(?=.{1,253}\.?$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*\.?$/;

const dnsShape = {
  ...commonShape,
  type: typeKey,
  query: nonEmpty('a DNS name'),
  record_type: optional(
    refine(text('a record type'), (value, at) => {
      if (!(DNS_RECORD_TYPES as readonly string[]).includes(value.toUpperCase())) at.problem(`unsupported record type ${JSON.stringify(value)} (one of ${DNS_RECORD_TYPES.join(', ')})`);
    }),
  ),
  expect: optional(array(nonEmpty('a record value'), { wrongType: expecting('a list of record values'), nonEmpty: 'list at least one value, or leave the key out' })),
  server: optional(
    refine(text('HOST[:PORT]'), (value, at) => {
      const parsed = parseHostPort(value, false);
      if ('problem' in parsed) at.problem(parsed.problem);
      else if (ipVersion(parsed.host) === 0) at.problem(`${JSON.stringify(value)}: the DNS server must be an IP address`);
    }),
  ),
};

const dnsProbe = probeType(
  'dns',
  dnsShape,
  (raw, at) => {
    if (typeof raw.query !== 'string') return;
    const ptrByAddress = typeof raw.record_type === 'string' && raw.record_type.toUpperCase() === 'PTR' && ipVersion(raw.query) !== 0;
    if (!ptrByAddress && !HOSTNAME_RE.test(raw.query)) at.problem(`${JSON.stringify(raw.query)} is not a DNS name`, { under: ['query'] });
  },
  (raw): DnsProbeConfig => {
    const recordType = (raw.record_type?.toUpperCase() ?? 'A') as DnsRecordType;
    let server: string | undefined;
    if (raw.server !== undefined) {
      const { host, port } = parseHostPort(raw.server, false) as HostPort;
      // setServers wants IPv6 with a port in brackets.
      server = port === undefined ? host : ipVersion(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
    }
    return {
      ...common(raw, raw.query),
      type: 'dns',
      query: raw.query,
      recordType,
      expect: raw.expect?.map((value) => normaliseDnsValue(value, recordType)),
      server,
    };
  },
);

const processShape = {
  ...commonShape,
  type: typeKey,
  process_name: optional(nonEmpty('a process name')),
  cmdline: optional(regex),
  min_count: optional(number({ integer: true, min: 1, wrongType: expecting('a whole number'), tooSmall: 'must be at least 1' })),
};

const processProbe = probeType(
  'process',
  processShape,
  (raw, at) => {
    if ((raw.process_name === undefined) === (raw.cmdline === undefined)) {
      at.problem('set exactly one of process_name (exact name) or cmdline (regular expression)', { under: ['process_name'] });
    }
  },
  (raw): ProcessProbeConfig => ({
    ...common(raw, (raw.process_name ?? raw.cmdline)!),
    type: 'process',
    processName: raw.process_name,
    cmdline: raw.cmdline,
    minCount: raw.min_count ?? 1,
  }),
);

const probeTypes: Record<ProbeType, Validator<ProbeConfig>> = { http: httpProbe, tcp: tcpProbe, dns: dnsProbe, process: processProbe };
const notAProbe = expecting('a probe (a map with name, type, ...)');

/** One probe: a map whose `type` picks the validator of the rest. */
const probeSchema: Validator<ProbeConfig> = (value, at) => {
  if (!isMap(value)) {
    at.problem(notAProbe(value).message);
    return INVALID;
  }
  const type = value.type;
  if (typeof type !== 'string' || !(type in probeTypes)) {
    at.problem(type === undefined ? `required (one of ${PROBE_TYPES.join(', ')})` : `unknown probe type ${JSON.stringify(type)} (one of ${PROBE_TYPES.join(', ')})`, { under: ['type'] });
    return INVALID;
  }
  return probeTypes[type as ProbeType](value, at);
};

/**
 * Validator of the `probes:` list, embedded as `probes: probeListSchema` in the agent config. Items are checked
 * one by one so that every problem of every probe is reported in one pass, duplicate names included. Every
 * message names its offending value itself (selfContained): formatters need not repeat it.
 */
export const probeListSchema = withDefault<ProbeConfig[]>((value, at) => {
  if (!Array.isArray(value)) {
    at.problem(expecting('a list of probes')(value).message, { selfContained: true });
    return INVALID;
  }
  const configs: ProbeConfig[] = [];
  const firstIndex = new Map<string, number>();
  const problems = new At();
  value.forEach((item: unknown, index) => {
    const config = probeSchema(item, problems.key(index));
    if (config !== INVALID) configs.push(config);
    const name = (item as { name?: unknown } | null)?.name;
    if (typeof name !== 'string') return;
    const previous = firstIndex.get(name);
    if (previous === undefined) firstIndex.set(name, index);
    else problems.problem(`duplicate probe name ${JSON.stringify(name)} (already used by the probe at index ${previous})`, { under: [index, 'name'] });
  });
  for (const issue of problems.issues) at.problem(issue.message, { under: issue.path, selfContained: true });
  return problems.issues.length > 0 ? INVALID : configs;
}, []);
