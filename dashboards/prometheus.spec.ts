// The example Prometheus configuration and rules, checked and unit-tested by the real promtool
// (Debian package `prometheus`, installed on demand), and every dashboard query parsed by it.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { DOCUMENTED_SERIES } from './lib/catalog.mjs';
import { metricNamesIn, substituteVariables } from './lib/promql.mjs';
import { dashboardFiles, panelsOf, targetsOf } from './testing/dashboards.js';
import { INSTALL_TIMEOUT_MS, promtool, REPO_ROOT, requireDebianPackage, requirePrometheusTools, type ToolStatus } from './testing/prometheus.js';

const PROM_DIR = join(REPO_ROOT, 'dashboards/prometheus');
const ruleFiles = readdirSync(join(PROM_DIR, 'rules')).filter((f) => f.endsWith('.yml')).sort().map((f) => join(PROM_DIR, 'rules', f));
const testFiles = readdirSync(join(PROM_DIR, 'tests')).filter((f) => f.endsWith('.test.yml')).sort().map((f) => join(PROM_DIR, 'tests', f));

interface Rule { record?: string; alert?: string; expr: string; labels?: Record<string, string>; annotations?: Record<string, string> }
const rules: Rule[] = ruleFiles.flatMap((file) => (parse(readFileSync(file, 'utf8')) as { groups: { rules: Rule[] }[] }).groups.flatMap((g) => g.rules));

let tools: ToolStatus = { available: false, reason: 'not checked yet' };
let tmp = '';

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'vigil-promtool-'));
  tools = requirePrometheusTools('promtool checks (dashboards/prometheus.spec.ts)');
}, INSTALL_TIMEOUT_MS + 20_000);

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('rules (static)', () => {
  it('reference only documented metrics or series recorded by the rules themselves', () => {
    const recorded = new Set(rules.flatMap((r) => (r.record ? [r.record] : [])));
    const unknown = rules.flatMap((r) => metricNamesIn(r.expr).filter((n) => !DOCUMENTED_SERIES.has(n) && !recorded.has(n)).map((n) => `${r.record ?? r.alert}: ${n}`));
    expect(unknown).toEqual([]);
  });

  it('give every alert a known severity and a summary, and test every alert', () => {
    const tests = testFiles.map((f) => readFileSync(f, 'utf8')).join('\n');
    for (const rule of rules.filter((r) => r.alert)) {
      expect(['page', 'ticket', 'info'], rule.alert).toContain(rule.labels?.severity);
      expect(rule.annotations?.summary, rule.alert).toBeTruthy();
      expect(tests, `no promtool test for ${rule.alert}`).toContain(`alertname: ${rule.alert}\n`);
    }
  });

  it('name recorded series level:metric:operations', () => {
    for (const rule of rules.filter((r) => r.record)) expect(rule.record).toMatch(/^[a-z_]+:[a-z0-9_]+:[a-z0-9_]+$/);
  });
});

describe('a tool that cannot be had', () => {
  // The package is installed (beforeAll made sure) but the command is not there: what a failed install looks like.
  const missing = ['vigil-no-such-command'];

  it('fails the spec under CI=true, naming the package', ({ skip }) => {
    if (!tools.available) return skip(tools.reason);
    vi.stubEnv('CI', 'true');
    try {
      expect(() => requireDebianPackage('this spec', 'prometheus', missing)).toThrow('this spec: CI=true and the Debian package "prometheus" (vigil-no-such-command) could not be installed');
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('skips with a printed reason on a developer machine', ({ skip }) => {
    if (!tools.available) return skip(tools.reason);
    vi.stubEnv('CI', '');
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      expect(requireDebianPackage('this spec', 'prometheus', missing)).toMatchObject({ available: false });
      expect(warn).toHaveBeenCalledWith(expect.stringMatching(/^SKIPPED this spec: the Debian package "prometheus"/));
    } finally {
      warn.mockRestore();
      vi.unstubAllEnvs();
    }
  });
});

describe('promtool', () => {
  it('accepts prometheus.yml and finds the rule files', ({ skip }) => {
    if (!tools.available) return skip(tools.reason);
    const result = promtool(['check', 'config', 'prometheus.yml'], PROM_DIR);
    expect(result.output).toContain(`SUCCESS: ${ruleFiles.length} rule files found`);
    expect(result.status, result.output).toBe(0);
  });

  it('accepts the rule files', ({ skip }) => {
    if (!tools.available) return skip(tools.reason);
    const result = promtool(['check', 'rules', ...ruleFiles]);
    expect(result.status, result.output).toBe(0);
    expect(result.output.match(/SUCCESS: (\d+) rules found/g)?.length).toBe(ruleFiles.length);
  });

  it('passes the rule unit tests', ({ skip }) => {
    if (!tools.available) return skip(tools.reason);
    const result = promtool(['test', 'rules', ...testFiles], PROM_DIR);
    expect(result.status, result.output).toBe(0);
    expect(result.output.match(/SUCCESS/g)?.length, result.output).toBe(testFiles.length);
  });

  it('reports a failing rule unit test (the check can fail)', ({ skip }) => {
    if (!tools.available) return skip(tools.reason);
    const broken = join(tmp, 'broken.test.yml');
    writeFileSync(broken, stringify({
      rule_files: [join(PROM_DIR, 'rules/vigil-alerts.yml')],
      evaluation_interval: '1m',
      tests: [{ interval: '1m', input_series: [{ series: 'vigil_agent_up{agent="a",host="h"}', values: '1x10' }], alert_rule_test: [{ eval_time: '10m', alertname: 'VigilAgentDisconnected', exp_alerts: [{ exp_labels: { severity: 'ticket', agent: 'a', host: 'h' } }] }] }],
    }));
    const result = promtool(['test', 'rules', broken]);
    expect(result.status).toBe(1);
    expect(result.output).toContain('FAILED');
  });

  it('parses every dashboard query (variables substituted) as PromQL', ({ skip }) => {
    if (!tools.available) return skip(tools.reason);
    // Each query becomes a recording rule: promtool check rules parses it with Prometheus' own parser.
    const values = { __rate_interval: '1m', __interval: '15s', __range: '1h', host: 'h', service: 's', window: '30d', resource: 'filesystem', severity: 'critical', datasource: 'x' };
    const queries = dashboardFiles().flatMap(({ file, dashboard }) =>
      panelsOf(dashboard).flatMap((panel) => targetsOf(panel).map((t) => ({ where: `${file} / ${panel.title} / ${t.refId}`, expr: substituteVariables(t.expr, values) }))));
    expect(queries.length).toBeGreaterThan(50);
    const file = join(tmp, 'dashboard-queries.yml');
    writeFileSync(file, stringify({ groups: [{ name: 'dashboard-queries', rules: queries.map((q, i) => ({ record: `dashboard:query:q${i}`, expr: q.expr })) }] }));
    const result = promtool(['check', 'rules', file]);
    expect(result.status, result.output).toBe(0);
    expect(result.output).toContain(`SUCCESS: ${queries.length} rules found`);
  });
});
