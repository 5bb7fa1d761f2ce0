// Proof that the collector's /metrics is clean Prometheus exposition and that the Grafana dashboards
// show data: a real collector, a real agent (with HTTP probes against local servers) and a real
// Prometheus scraping the collector every second, all on loopback. Every panel query of every
// dashboard is run through Prometheus' HTTP API with its template variables filled in, and must
// return at least one finite sample. The test causes the events the KPI panels need itself: a change,
// an incident opened by a failing probe, acknowledged and resolved, a webhook notification, a sample
// the collector rejects, and four days of filesystem history (sent with backdated timestamps over the
// real gRPC protocol) for the capacity forecast.
//
// Needs `npm run build` first (the bins load dist/). Installs the Debian package `prometheus` when
// missing; skips with a printed reason when it cannot, except under CI=true where it fails.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { parse, stringify } from 'yaml';
import { vigil } from '@vigil/proto';
import { TestAgent } from '../collector/test/support/test-agent.js';
import { METRICS } from '../dashboards/lib/catalog.mjs';
import { metricNamesIn, substituteVariables } from '../dashboards/lib/promql.mjs';
import { dashboardFiles, panelsOf, targetsOf, type Dashboard } from '../dashboards/testing/dashboards.js';
import { exposedFamilies } from '../dashboards/testing/exposition.js';
import {
  hasFiniteSample, INSTALL_TIMEOUT_MS, labelValues, promtool, queryInstant, queryRange, requireDebianPackage, requirePrometheusTools, startPrometheus,
  type QueryOutcome, type RunningPrometheus, type ToolStatus,
} from '../dashboards/testing/prometheus.js';
import { AGENT_BIN, COLLECTOR_BIN, REPO_ROOT, sleep, spawnNode, startCollectorProcess, waitFor, type VigilProcess } from './support/vigil-processes.js';

const AGENT_TOKEN = 'e2e-agent-token-0001';
const API_TOKEN = 'e2e-api-token-0001';
const AGENT_ID = 'e2e-agent';
const HOSTNAME = 'vigil-e2e-host';
/** A second, scripted agent that sends backdated history for the capacity forecast, then leaves. */
const HISTORY_AGENT = 'e2e-history';
const HISTORY_HOST = 'vigil-e2e-history';
/** Probe names; services are built on them. */
const PROBE_OK = 'shop-http';
const PROBE_FAILING = 'api-http';
const PROBE_TLS = 'shop-tls';
/**
 * How long after setup the tests keep re-running queries that have no data yet (most data arrives
 * within seconds). One deadline for all tests, so a missing feature costs this once, not per test.
 */
const DATA_DEADLINE_MS = 45_000;
/**
 * SLA availability counts complete minutes only: the first one closes up to 60 s after the agent's
 * first probe result, then the next evaluation (every second here) publishes it. The data tests wait
 * at least this long after the agent started.
 */
const FIRST_SLA_MINUTE_MS = 75_000;
const CAPACITY_DASHBOARD = 'capacity-forecast.json';
const HOUR_MS = 3_600_000;
/** Grafana's computed variables, sized for a 1s scrape interval and a run of about a minute. */
const BUILTIN_VALUES: Record<string, string> = {
  __rate_interval: '15s',
  __interval: '1s',
  __interval_ms: '1000',
  __range: '10m',
  __range_s: '600',
  __range_ms: '600000',
  datasource: 'prometheus',
};
/** The Accept header Prometheus 2.x scrapes with: OpenMetrics preferred. */
const PROMETHEUS_ACCEPT = 'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';

interface Harness {
  tmp: string;
  servers: Server[];
  processes: VigilProcess[];
  prometheus?: RunningPrometheus;
  collectorHttp?: string;
  /** What the test did to cause events, and what did not work, printed with the results. */
  notes: string[];
  /** The failing probe's endpoint answers 500 while true. */
  failing: { value: boolean };
  webhookCalls: number;
  /** When the data tests give up waiting (set when setup is done). */
  dataDeadline: number;
}

const h: Harness = { tmp: '', servers: [], processes: [], notes: [], failing: { value: true }, webhookCalls: 0, dataDeadline: 0 };
let tools: ToolStatus = { available: false, reason: 'not checked yet' };

async function listen(server: Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  h.servers.push(server);
  return (server.address() as AddressInfo).port;
}

/** Probe targets and the webhook receiver. */
function targetHandler(req: IncomingMessage, res: ServerResponse): void {
  req.resume();
  if (req.url === '/hook') {
    h.webhookCalls++;
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  } else if (req.url === '/fail') {
    res.writeHead(h.failing.value ? 500 : 200).end(h.failing.value ? 'down' : 'ok');
  } else {
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
  }
}

/** Self-signed certificate for 127.0.0.1 (openssl), so the TLS probe reports days left. */
function selfSignedCertificate(dir: string): { cert: string; key: string; certFile: string } {
  const certFile = join(dir, 'tls-cert.pem');
  const keyFile = join(dir, 'tls-key.pem');
  const result = spawnSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', keyFile, '-out', certFile,
    '-days', '30', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
  ], { encoding: 'utf8', timeout: 20_000 });
  if (result.status !== 0) throw new Error(`openssl could not make a test certificate: ${(result.stderr || result.error?.message || '').trim()}`);
  return { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8'), certFile };
}

/** Copies of the shipped rule files with every group's `interval` set to 1s; returns their paths. */
function everySecondRuleFiles(dir: string): string[] {
  const shipped = join(REPO_ROOT, 'dashboards/prometheus/rules');
  mkdirSync(dir);
  return readdirSync(shipped).filter((f) => f.endsWith('.yml')).map((file) => {
    const rules = parse(readFileSync(join(shipped, file), 'utf8')) as { groups: { interval?: string }[] };
    for (const group of rules.groups) group.interval = '1s';
    writeFileSync(join(dir, file), stringify(rules));
    return join(dir, file);
  });
}

/**
 * Writes the collector config. `tuning` sections only speed the test up: when this collector build
 * does not know one of them yet (`check-config` names it as an unknown key), it is left out and noted.
 */
function writeCollectorConfig(file: string, config: Record<string, unknown>, tuning: Record<string, unknown>): void {
  const sections = { ...tuning };
  for (let attempt = 0; attempt <= Object.keys(tuning).length; attempt++) {
    writeFileSync(file, stringify({ ...config, ...sections }));
    const check = spawnSync(process.execPath, [COLLECTOR_BIN, 'check-config', '--config', file], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 30_000 });
    if (check.status === 0) return;
    const output = `${check.stdout}${check.stderr}`;
    const unknown = Object.keys(sections).filter((key) => new RegExp(`unknown key.*"${key}"`).test(output));
    if (unknown.length === 0) throw new Error(`collector rejects the test configuration:\n${output}`);
    for (const key of unknown) {
      delete sections[key];
      h.notes.push(`collector does not accept the "${key}" section yet; running with its defaults`);
    }
  }
}

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const response = await fetch(`http://${h.collectorHttp}${path}`, {
    method,
    headers: { authorization: `Bearer ${API_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(5_000),
  });
  const text = await response.text();
  try {
    return { status: response.status, json: JSON.parse(text) };
  } catch {
    return { status: response.status, json: text };
  }
}

/** waitFor that answers undefined instead of throwing at the deadline, and treats a thrown check as "not yet". */
async function poll<T>(check: () => Promise<T | undefined>, timeoutMs: number, intervalMs = 250): Promise<T | undefined> {
  try {
    return await waitFor('', () => check().catch(() => undefined), timeoutMs, intervalMs);
  } catch {
    return undefined;
  }
}

async function hasData(expr: string): Promise<boolean> {
  return hasFiniteSample(await queryInstant(h.prometheus!.url, expr));
}

async function scalar(expr: string): Promise<number | undefined> {
  const value = (await queryInstant(h.prometheus!.url, expr)).series[0]?.values[0]?.[1];
  return value === undefined ? undefined : Number(value);
}

/** The fields of GET /api/incidents' `{ incidents: [...] }` this test reads. */
interface IncidentListing {
  incidents: { id: number; service: string | null }[];
}

/**
 * Records a change on service "api" before the failing probe starts, so the incident is linked to it.
 * Prometheus first sees the change counters at 0, as it would in a deployment scraped for weeks:
 * otherwise the series would be born at 1 and increase() would count nothing.
 */
async function recordChange(): Promise<void> {
  const scraped = await poll(async () => ((await hasData('vigil_changes_total{outcome="success"} == 0')) ? true : undefined), 15_000);
  if (!scraped) h.notes.push('Prometheus did not see vigil_changes_total{outcome="success"} at 0 before the change');
  const now = Date.now();
  const change = await api('POST', '/api/changes', {
    id: 'CHG-E2E-1',
    description: 'e2e: deploy api',
    services: ['api'],
    actual_start: new Date(now - 60_000).toISOString(),
    actual_end: new Date(now - 30_000).toISOString(),
    outcome: 'success',
  });
  if (change.status >= 300) throw new Error(`POST /api/changes answered ${change.status}: ${JSON.stringify(change.json)}`);
  h.notes.push('recorded change CHG-E2E-1 on service api');
}

/**
 * A scripted agent (the real gRPC protocol) sends four days of a filesystem filling by 2 % a day, one
 * sample every 15 minutes and the last one now, so the capacity forecaster has history; and one
 * sample with a non-finite value, which the collector rejects (vigil_ingest_rejected_samples_total).
 */
async function sendHistoryAndARejectedSample(grpc: string): Promise<void> {
  const agent = new TestAgent(grpc, AGENT_TOKEN, HISTORY_AGENT, 'e2e-history-epoch', HISTORY_HOST).connect().hello();
  try {
    const step = HOUR_MS / 4;
    const end = Math.floor(Date.now() / step) * step;
    const timestampsMs: number[] = [];
    for (let t = end - 96 * HOUR_MS; t <= end; t += step) timestampsMs.push(t);
    const values = timestampsMs.map((t) => 0.5 - (0.02 * (end - t)) / (24 * HOUR_MS));
    const labels = { mountpoint: '/data', device: '/dev/e2e', fstype: 'ext4' };
    const GAUGE = vigil.v1.MetricType.METRIC_TYPE_GAUGE;
    agent.batch(1, [
      { metric: 'vigil_filesystem_used_ratio', labels, type: GAUGE, timestampsMs, values },
      { metric: 'vigil_e2e_invalid', labels: {}, type: GAUGE, timestampsMs: [end], values: [Number.NaN] },
    ]);
    await agent.until(() => agent.acks.includes(1), 15_000);
    h.notes.push(`${HISTORY_AGENT} sent ${timestampsMs.length} history samples; collector rejected: ${agent.rejections.map((r) => `${vigil.v1.RejectReason[r.reason ?? 0]} x${r.rejectedSamples}`).join(', ') || 'nothing'}`);
  } finally {
    agent.close();
  }
}

/**
 * Waits for the incident the failing probe opens and for its webhook notification (after group_wait),
 * acknowledges it as the person notified would, then lets the probe recover so it resolves.
 */
async function acknowledgeAndResolve(): Promise<void> {
  const incident = await poll(async () => {
    const list = await api('GET', '/api/incidents?state=open');
    if (list.status !== 200) throw new Error(String(list.status));
    return (list.json as IncidentListing).incidents.find((i) => i.service === 'api');
  }, 20_000, 500);
  if (!incident) {
    const last = await api('GET', '/api/incidents');
    throw new Error(`no open incident for service api appeared (GET /api/incidents: ${last.status} ${JSON.stringify(last.json).slice(0, 500)})`);
  }
  h.notes.push(`incident ${incident.id} opened by the failing probe`);
  const notified = await poll(async () => (h.webhookCalls > 0 ? true : undefined), 20_000);
  h.notes.push(notified ? 'webhook notified' : 'no webhook call within 20 s of the incident; acknowledging anyway');
  const ack = await api('POST', `/api/incidents/${encodeURIComponent(String(incident.id))}/ack`, { by: 'e2e' });
  if (ack.status >= 300) throw new Error(`acknowledge answered ${ack.status}: ${JSON.stringify(ack.json)}`);
  h.notes.push(`incident ${incident.id} acknowledged; probe recovers`);
  h.failing.value = false;
}

beforeAll(async () => {
  tools = requirePrometheusTools('e2e/prometheus-dashboards');
  if (!tools.available) return;
  // openssl makes the certificate of the TLS probe target (in the base image; installed when missing).
  tools = requireDebianPackage('e2e/prometheus-dashboards', 'openssl', ['openssl']);
  if (!tools.available) return;
  for (const bin of ['collector/dist/main.js', 'agent/dist/main.js']) {
    if (!existsSync(join(REPO_ROOT, bin))) throw new Error(`${bin} is missing: run \`npm run build\` before this test`);
  }
  h.tmp = mkdtempSync(join(tmpdir(), 'vigil-e2e-prom-'));
  mkdirSync(join(h.tmp, 'collector'));

  const targetPort = await listen(createHttpServer(targetHandler));
  const tls = selfSignedCertificate(h.tmp);
  const tlsPort = await listen(createHttpsServer({ cert: tls.cert, key: tls.key }, targetHandler) as unknown as Server);

  const collectorConfig = join(h.tmp, 'collector.yaml');
  writeCollectorConfig(collectorConfig, {
    services: [
      { id: 'shop', name: 'Shop', probes: [PROBE_OK, PROBE_TLS], sla: { availability: 99.9, latency: { threshold: '500ms', target: 99 }, windows: ['1h', '30d'] } },
      { id: 'api', name: 'API', probes: [PROBE_FAILING], sla: { availability: 99.5, windows: ['1h', '30d'] } },
    ],
    rules: [{ name: 'api-probe-failing', builtin: 'probe_failing', severity: 'critical', service: 'api', for: '1s', match: { probe: PROBE_FAILING } }],
    notifiers: [{ name: 'e2e-webhook', type: 'webhook', url: `http://127.0.0.1:${targetPort}/hook` }],
  }, {
    // Evaluation every second instead of every minute, so the SLA and incident panels fill within the test.
    sla: { evaluation_interval: '1s', flush_interval: '1s' },
    incidents: { group_wait: '0s', evaluation_interval: '1s', signal_interval: '1s' },
    // Forecasts every 2 s from the four days of history the scripted agent sends.
    capacity: { interval: '2s', min_history: '2d', holdout: '12h', history: '5d' },
  });
  const collector = await startCollectorProcess([
    '--config', collectorConfig,
    '--db', join(h.tmp, 'collector/vigil.db'),
    '--grpc-listen', '127.0.0.1:0',
    '--http-listen', '127.0.0.1:0',
    '--agent-token', AGENT_TOKEN,
    '--api-token', API_TOKEN,
  ]);
  h.processes.push(collector);
  h.collectorHttp = collector.http;

  h.prometheus = await startPrometheus(h.tmp, stringify({
    global: { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' },
    // The shipped rules load into a real server too (a rule Prometheus refuses fails startup), every
    // group evaluated each second instead of its own 30s or 5m so all of them run within the test.
    rule_files: everySecondRuleFiles(join(h.tmp, 'rules')),
    scrape_configs: [{ job_name: 'vigil-collector', honor_labels: true, static_configs: [{ targets: [collector.http] }] }],
  }));

  await recordChange();
  await sendHistoryAndARejectedSample(collector.grpc);

  const agentConfig = join(h.tmp, 'agent.yaml');
  writeFileSync(agentConfig, stringify({
    hostname: HOSTNAME,
    probes: [
      { name: PROBE_OK, type: 'http', url: `http://127.0.0.1:${targetPort}/ok`, interval: '1s' },
      { name: PROBE_FAILING, type: 'http', url: `http://127.0.0.1:${targetPort}/fail`, interval: '1s' },
      { name: PROBE_TLS, type: 'http', url: `https://127.0.0.1:${tlsPort}/ok`, interval: '1s', ca: tls.certFile },
    ],
  }));
  const agentStartedAt = Date.now();
  const agent = spawnNode('agent', AGENT_BIN, [
    '--config', agentConfig,
    '--collector', collector.grpc,
    '--token', AGENT_TOKEN,
    '--interval', '1s',
    '--spool-dir', join(h.tmp, 'spool'),
    '--id', AGENT_ID,
  ]);
  h.processes.push(agent);

  const flowing = await poll(async () => ((await hasData(`vigil_agent_up{agent="${AGENT_ID}"} == 1`)) && (await hasData('vigil_cpu_utilization_ratio')) ? true : undefined), 30_000);
  if (!flowing) throw new Error(`no agent data reached Prometheus within 30s.\n${collector.tail(3_000)}\n${agent.tail(3_000)}\n--- prometheus\n${h.prometheus.log().slice(-2_000)}`);
  await acknowledgeAndResolve();
  h.dataDeadline = Math.max(Date.now() + DATA_DEADLINE_MS, agentStartedAt + FIRST_SLA_MINUTE_MS);
}, 2 * INSTALL_TIMEOUT_MS + 90_000);

afterAll(async () => {
  // Agent first (it would otherwise retry against a stopped collector), then collector, Prometheus, servers.
  for (const proc of [...h.processes].reverse()) await proc.stop('SIGTERM', 5_000);
  await h.prometheus?.stop();
  for (const server of h.servers) {
    server.closeAllConnections?.();
    server.close();
  }
  if (h.tmp) rmSync(h.tmp, { recursive: true, force: true });
}, 30_000);

interface QueryCheck {
  where: string;
  expr: string;
  instant: boolean;
  outcome?: QueryOutcome;
  problem?: string;
}

/** Values for a dashboard's variables: multi-value variables get Grafana's "All" (.*), single ones a real label value. */
async function variableValues(dashboard: Dashboard): Promise<Record<string, string> | { problem: string }> {
  const values: Record<string, string> = { ...BUILTIN_VALUES };
  const preferred: Record<string, string> = { host: HOSTNAME, service: 'shop', window: '30d' };
  for (const variable of dashboard.templating.list) {
    if (variable.type !== 'query') continue;
    const match = /^label_values\((\w+), *(\w+)\)$/.exec(variable.definition ?? '');
    if (!match) return { problem: `variable ${variable.name}: unsupported definition ${variable.definition}` };
    const found = await labelValues(h.prometheus!.url, match[2]!, match[1]!);
    if (found.length === 0) return { problem: `variable $${variable.name} lists no values (${variable.definition})` };
    values[variable.name] = (variable as { multi?: boolean }).multi
      ? ((variable as { allValue?: string }).allValue ?? '.*')
      : found.includes(preferred[variable.name] ?? '') ? preferred[variable.name]! : found[0]!;
  }
  return values;
}

async function runCheck(check: QueryCheck): Promise<void> {
  const url = h.prometheus!.url;
  const now = Date.now() / 1000;
  try {
    check.outcome = check.instant ? await queryInstant(url, check.expr, now) : await queryRange(url, check.expr, now - 120, now, 2);
    if (!check.outcome.ok) check.problem = `query error: ${check.outcome.error}`;
    else if (check.outcome.series.length === 0) check.problem = 'no data';
    else if (!hasFiniteSample(check.outcome)) check.problem = 'only NaN/Inf values';
    else check.problem = undefined;
  } catch (error) {
    check.problem = `request failed: ${(error as Error).message}`;
  }
}

/**
 * Runs every panel query of the given dashboards until all return data or the deadline passes,
 * prints what returned data and what did not, and fails naming each query without data.
 */
async function expectEveryPanelQueryReturnsData(files: { file: string; dashboard: Dashboard }[], label: string): Promise<void> {
  const checks: QueryCheck[] = [];
  const unresolved: string[] = [];
  // Variables may list nothing until the first SLA evaluation, incident or forecast: retry them with the queries.
  const pending = new Set(files.map((f) => f.file));
  for (;;) {
    unresolved.length = 0;
    for (const { file, dashboard } of files.filter((f) => pending.has(f.file))) {
      const values = await variableValues(dashboard);
      if ('problem' in values) {
        unresolved.push(`${file}: ${values.problem}`);
        continue;
      }
      pending.delete(file);
      for (const panel of panelsOf(dashboard)) {
        for (const target of targetsOf(panel)) {
          checks.push({ where: `${file} / ${panel.title} / ${target.refId}`, expr: substituteVariables(target.expr, values), instant: target.instant === true });
        }
      }
    }
    await Promise.all(checks.filter((c) => c.outcome === undefined || c.problem).map(runCheck));
    if (checks.filter((c) => c.problem).length + pending.size === 0 || Date.now() > h.dataDeadline) break;
    await sleep(1_000);
  }
  const withData = checks.filter((c) => !c.problem);
  const without = checks.filter((c) => c.problem);
  console.log(
    [
      `prometheus-dashboards (${label}): ${withData.length} of ${checks.length} panel queries returned data` + (unresolved.length ? `; ${unresolved.length} dashboards not run` : ''),
      ...h.notes.map((n) => `  note: ${n}`),
      ...unresolved.map((u) => `  NOT RUN ${u}`),
      ...without.map((c) => `  NO DATA ${c.where}: ${c.problem}\n          ${c.expr}`),
      ...withData.map((c) => `  ok      ${c.where}`),
    ].join('\n'),
  );
  expect(unresolved).toEqual([]);
  expect(without.map((c) => `${c.where}: ${c.problem} -- ${c.expr}`)).toEqual([]);
}

async function fetchMetrics(accept: string): Promise<{ contentType: string; body: string }> {
  const response = await fetch(`http://${h.collectorHttp}/metrics`, { headers: { accept }, signal: AbortSignal.timeout(10_000) });
  expect(response.status).toBe(200);
  return { contentType: response.headers.get('content-type') ?? '', body: await response.text() };
}

describe('collector /metrics exposition', () => {
  it('passes promtool check metrics (names, units, HELP and TYPE)', async ({ skip }) => {
    if (!tools.available) return skip(tools.reason);
    const { contentType, body } = await fetchMetrics('text/plain');
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    const result = promtool(['check', 'metrics'], REPO_ROOT, body);
    // promtool prints one line per problem: "<metric> <what is wrong>".
    expect(result.output.split('\n').filter(Boolean)).toEqual([]);
    expect(result.status).toBe(0);
  });

  it('answers OpenMetrics when asked by Accept, and Prometheus scrapes it', async ({ skip }) => {
    if (!tools.available) return skip(tools.reason);
    const { contentType, body } = await fetchMetrics(PROMETHEUS_ACCEPT);
    expect(contentType).toMatch(/^application\/openmetrics-text; version=1\.0\.0/);
    expect(body.endsWith('# EOF\n')).toBe(true);
    // OpenMetrics names counter families without _total; their samples keep it.
    expect(body).toMatch(/^# TYPE vigil_ingest_samples counter$/m);
    expect(body).toMatch(/^vigil_ingest_samples_total \d/m);
    expect(await scalar('up{job="vigil-collector"}')).toBe(1);
    expect(await scalar('scrape_samples_scraped{job="vigil-collector"}')).toBeGreaterThan(100);
  });

  it('exposes only documented metric families, each with documented labels (bounded label sets)', async ({ skip }) => {
    if (!tools.available) return skip(tools.reason);
    const families = exposedFamilies((await fetchMetrics('text/plain')).body);
    const documented = new Map(METRICS.map((m) => [m.name, m]));
    const problems: string[] = [];
    for (const family of families.values()) {
      // prom-client's default process metrics: documented as a prefix, the dashboards' subset by name.
      if (family.name.startsWith('vigil_collector_') && !documented.has(family.name)) continue;
      const doc = documented.get(family.name);
      if (!doc) {
        problems.push(`${family.name} (${family.type}, labels ${[...family.labels].join(',') || '-'}) is not in dashboards/lib/catalog.mjs`);
        continue;
      }
      if (doc.type !== family.type) problems.push(`${family.name}: exposed as ${family.type}, documented as ${doc.type}`);
      const extra = [...family.labels].filter((l) => !doc.labels.includes(l));
      if (extra.length) problems.push(`${family.name}: undocumented labels ${extra.join(', ')}`);
    }
    expect(problems).toEqual([]);
  });
});

describe('Grafana dashboards against a real Prometheus', () => {
  it('returns data for every panel query of the fleet, host, SLA and incident dashboards', async ({ skip }) => {
    if (!tools.available) return skip(tools.reason);
    await expectEveryPanelQueryReturnsData(dashboardFiles().filter((f) => f.file !== CAPACITY_DASHBOARD), 'fleet, host, SLA, incidents');
  }, FIRST_SLA_MINUTE_MS + 30_000);

  it('returns data for every panel query of the capacity dashboard (forecast from four days of history)', async ({ skip }) => {
    if (!tools.available) return skip(tools.reason);
    await expectEveryPanelQueryReturnsData(dashboardFiles().filter((f) => f.file === CAPACITY_DASHBOARD), 'capacity');
  }, FIRST_SLA_MINUTE_MS + 30_000);

  it('counts the one incident and the one change the test caused in the KPI panels', async ({ skip }) => {
    if (!tools.available) return skip(tools.reason);
    // A counter or histogram series born at its first event makes increase() count nothing for that
    // event; the collector must expose them at 0 beforehand. Increases are extrapolated, hence >= 0.9.
    const counted = {
      'incidents opened': 'sum(increase(vigil_incidents_opened_total{service="api"}[10m]))',
      'incidents acknowledged (MTTA count)': 'sum(increase(vigil_incident_time_to_acknowledge_seconds_count{service="api"}[10m]))',
      'incidents resolved (MTTR count)': 'sum(increase(vigil_incident_time_to_resolve_seconds_count{service="api"}[10m]))',
      'successful changes': 'sum(increase(vigil_changes_total{outcome="success"}[10m]))',
    };
    const low = async () => {
      const out: Record<string, number | undefined> = {};
      for (const [what, expr] of Object.entries(counted)) {
        const value = await scalar(expr);
        if (value === undefined || !(value >= 0.9)) out[what] = value;
      }
      return out;
    };
    const settled = await poll(async () => (Object.keys(await low()).length === 0 ? true : undefined), 10_000);
    expect(settled ? {} : await low(), 'KPIs that did not count the one event').toEqual({});
  }, 20_000);

  it('finds every metric the dashboards reference in Prometheus (no panel is kept alive by "or vector(0)" alone)', async ({ skip }) => {
    if (!tools.available) return skip(tools.reason);
    const names = new Set(dashboardFiles().flatMap(({ dashboard }) => panelsOf(dashboard).flatMap((p) => targetsOf(p).flatMap((t) => metricNamesIn(t.expr)))));
    const missing: string[] = [];
    for (const name of [...names].sort()) {
      const outcome = await queryInstant(h.prometheus!.url, `count(last_over_time({__name__="${name}"}[10m]))`);
      if (!outcome.ok || outcome.series.length === 0) missing.push(name);
    }
    console.log(`prometheus-dashboards: ${names.size - missing.length} of ${names.size} referenced metrics present${missing.length ? `; missing: ${missing.join(', ')}` : ''}`);
    expect(missing).toEqual([]);
  }, 30_000);

  it('publishes every burn-rate window the shipped alert rules select', async ({ skip }) => {
    if (!tools.available) return skip(tools.reason);
    const rulesDir = join(REPO_ROOT, 'dashboards/prometheus/rules');
    const rules = readdirSync(rulesDir).map((f) => readFileSync(join(rulesDir, f), 'utf8')).join('\n');
    const windows = [...new Set([...rules.matchAll(/vigil_sla_burn_rate\{window="(\w+)"\}/g)].map((m) => m[1]!))];
    expect(windows.length).toBeGreaterThanOrEqual(4);
    const missing: string[] = [];
    for (const window of windows) if (!(await hasData(`vigil_sla_burn_rate{window="${window}"}`))) missing.push(window);
    expect(missing).toEqual([]);
  });

  it('evaluates every shipped recording and alert rule on the live data without an error', async ({ skip }) => {
    if (!tools.available) return skip(tools.reason);
    type Rule = { name: string; health: string; lastError?: string };
    const rules = async () => {
      const response = await fetch(`${h.prometheus!.url}/api/v1/rules`, { signal: AbortSignal.timeout(10_000) });
      const body = (await response.json()) as { data: { groups: { rules: Rule[] }[] } };
      return body.data.groups.flatMap((g) => g.rules);
    };
    // Health is "unknown" until a rule's first evaluation (every second here).
    const evaluated = (await poll(async () => {
      const all = await rules();
      return all.some((r) => r.health === 'unknown') ? undefined : all;
    }, 10_000)) ?? (await rules());
    expect(evaluated.length).toBeGreaterThan(20);
    expect(evaluated.filter((r) => r.health !== 'ok').map((r) => `${r.name}: ${r.health} ${r.lastError ?? ''}`)).toEqual([]);
  }, 20_000);

  it('got the webhook notification for the incident', ({ skip }) => {
    if (!tools.available) return skip(tools.reason);
    expect(h.webhookCalls, h.notes.join('\n')).toBeGreaterThan(0);
  });
});
