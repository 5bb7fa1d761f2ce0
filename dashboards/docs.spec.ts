// docs/operations.md stays in step with the catalog, the rules and the dashboards it describes.
import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { OPERATIONS_DOC, renderedOperationsDoc } from './generate.mjs';
import { DOCUMENTED_SERIES, METRICS } from './lib/catalog.mjs';
import { dashboardFiles } from './testing/dashboards.js';
import { REPO_ROOT } from './testing/prometheus.js';

const doc = readFileSync(OPERATIONS_DOC, 'utf8');

describe('docs/operations.md', () => {
  it('carries the metric reference exactly as the catalog renders it (run node dashboards/generate.mjs)', () => {
    expect(renderedOperationsDoc(doc)).toBe(doc);
    for (const metric of METRICS) expect(doc).toContain(`| \`${metric.name}\` |`);
  });

  it('mentions no vigil_ metric the catalog does not know', () => {
    // Recording-rule names (level:metric:ops) and the vigil_collector_ prefix itself are not metrics.
    const names = [...doc.matchAll(/(?<![\w:])vigil_[a-z0-9_]+\b(?!:)/g)].map((m) => m[0]).filter((n) => n !== 'vigil_collector_');
    expect(names.length).toBeGreaterThan(METRICS.length);
    const known = new Set([...DOCUMENTED_SERIES, ...METRICS.map((m) => m.name)]);
    expect([...new Set(names)].filter((n) => !known.has(n))).toEqual([]);
  });

  it('names every alert rule and every dashboard', () => {
    const rulesDir = join(REPO_ROOT, 'dashboards/prometheus/rules');
    const alerts = readdirSync(rulesDir).flatMap((f) =>
      (parse(readFileSync(join(rulesDir, f), 'utf8')) as { groups: { rules: { alert?: string }[] }[] }).groups.flatMap((g) => g.rules.flatMap((r) => (r.alert ? [r.alert] : []))));
    expect(alerts.length).toBeGreaterThan(10);
    for (const alert of alerts) expect(doc).toContain(`\`${alert}\``);
    for (const { dashboard } of dashboardFiles()) {
      expect(doc).toContain(`\`${dashboard.uid}\``);
      expect(doc).toContain(dashboard.title);
    }
  });

  it('states that Helm rendering and the Docker builds were not tested here', () => {
    expect(doc).toMatch(/\*\*Helm rendering\*\*: no helm binary is available here/);
    expect(doc).toMatch(/\*\*Docker images\*\*: no Docker daemon runs here/);
  });
});
