// The `probes:` section of agent.yaml: one zod schema that validates every key once, at start,
// and turns the operator's snake_case YAML into the typed, normalised configs the runner uses
// (probe.config.types.ts). Shared field schemas: probe.fields.ts; target parsers: probe.targets.ts.
import { validateHeaderName, validateHeaderValue } from 'node:http';
import { isIP } from 'node:net';
import { z } from 'zod';
import {
  DNS_RECORD_TYPES, HTTP_METHODS, PROBE_TYPES, type DnsProbeConfig, type DnsRecordType, type HttpMethod, type HttpProbeConfig,
  type ProbeConfig, type ProbeType, type ProcessProbeConfig, type TcpProbeConfig,
} from './probe.config.types.js';
import {
  ALWAYS_ON_OBJECTS, caFile, checkKeys, checkTiming, common, commonShape, expecting, flag, nonEmpty, regex, text,
} from './probe.fields.js';
import { normaliseDnsValue, parseHostPort, type HostPort } from './probe.targets.js';

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
