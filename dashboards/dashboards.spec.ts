// Static checks of the Grafana dashboards and provisioning files: structure Grafana needs, and every
// query only using documented metrics and declared variables. Queries are run for real in
// e2e/prometheus-dashboards.spec.ts; PromQL syntax is checked with promtool in prometheus.spec.ts.
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { GRAFANA_DIR, renderedDashboards } from './generate.mjs';
import { DOCUMENTED_SERIES } from './lib/catalog.mjs';
import { metricNamesIn, variablesIn } from './lib/promql.mjs';
import { dashboardFiles, GRAFANA_BUILTIN_VARIABLES, panelsOf, targetsOf, type Dashboard } from './testing/dashboards.js';

const files = dashboardFiles();

describe('generated dashboards', () => {
  it('are committed exactly as lib/dashboards.mjs renders them (run node dashboards/generate.mjs)', () => {
    const rendered = renderedDashboards();
    expect(readdirSync(GRAFANA_DIR).filter((f) => f.endsWith('.json')).sort()).toEqual(rendered.map((r) => r.file).sort());
    for (const { file, text } of rendered) expect(readFileSync(join(GRAFANA_DIR, file), 'utf8'), file).toBe(text);
  });

  it('cover the five views operations asked for', () => {
    expect(files.map((f) => f.dashboard.uid).sort()).toEqual([
      'vigil-capacity-forecast', 'vigil-fleet-overview', 'vigil-host-detail', 'vigil-incidents-kpis', 'vigil-sla-compliance',
    ]);
  });

  it('have unique uids of at most 40 characters', () => {
    const uids = files.map((f) => f.dashboard.uid);
    expect(new Set(uids).size).toBe(uids.length);
    for (const uid of uids) expect(uid).toMatch(/^[a-z0-9-]{1,40}$/);
  });
});

describe.each(files.map((f) => [f.file, f.dashboard] as [string, Dashboard]))('%s', (_file, dashboard) => {
  const panels = panelsOf(dashboard);
  const variables = dashboard.templating.list;

  it('uses a current schema and carries the vigil tag', () => {
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(39);
    expect(dashboard.title).toMatch(/^Vigil \/ /);
    expect(dashboard.tags).toContain('vigil');
  });

  it('declares the Prometheus datasource variable first and routes every panel and query through it', () => {
    expect(variables[0]).toMatchObject({ name: 'datasource', type: 'datasource', query: 'prometheus' });
    for (const panel of panels.filter((p) => p.type !== 'row')) {
      expect(panel.datasource, panel.title).toEqual({ type: 'prometheus', uid: '${datasource}' });
      for (const target of targetsOf(panel)) expect(target.datasource, panel.title).toEqual({ type: 'prometheus', uid: '${datasource}' });
    }
    for (const variable of variables.filter((v) => v.type === 'query')) expect(variable.datasource).toEqual({ type: 'prometheus', uid: '${datasource}' });
  });

  it('has unique panel ids and only timeseries, stat, table and bargauge panels (plus rows)', () => {
    const ids = panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const panel of panels) expect(['row', 'timeseries', 'stat', 'table', 'bargauge']).toContain(panel.type);
    expect(panels.filter((p) => p.type !== 'row').length).toBeGreaterThan(4);
  });

  it('lays panels out on the 24-column grid without overlaps', () => {
    const cells = new Set<string>();
    for (const { gridPos: g, title } of panels) {
      expect(g.x + g.w, title).toBeLessThanOrEqual(24);
      for (let x = g.x; x < g.x + g.w; x++) {
        for (let y = g.y; y < g.y + g.h; y++) {
          expect(cells.has(`${x},${y}`), `${title} overlaps at ${x},${y}`).toBe(false);
          cells.add(`${x},${y}`);
        }
      }
    }
  });

  it('has a non-empty expression in every target, with unique refIds per panel', () => {
    for (const panel of panels.filter((p) => p.type !== 'row')) {
      const targets = targetsOf(panel);
      expect(targets.length, panel.title).toBeGreaterThan(0);
      for (const target of targets) expect(target.expr.trim(), `${panel.title} ${target.refId}`).not.toBe('');
      expect(new Set(targets.map((t) => t.refId)).size, panel.title).toBe(targets.length);
    }
  });

  it('references only documented metric names', () => {
    const unknown: string[] = [];
    for (const panel of panels) {
      for (const target of targetsOf(panel)) {
        const names = metricNamesIn(target.expr);
        expect(names.length, `${panel.title}: ${target.expr}`).toBeGreaterThan(0);
        for (const name of names) if (!DOCUMENTED_SERIES.has(name)) unknown.push(`${panel.title}: ${name}`);
      }
    }
    expect(unknown).toEqual([]);
  });

  it('uses only declared or built-in template variables, and declares none it never uses', () => {
    const declared = new Set(variables.map((v) => v.name));
    const used = new Set<string>(['datasource']);
    const texts = panels.flatMap((p) => [p.title, ...targetsOf(p).map((t) => t.expr)]);
    for (const text of texts) {
      for (const name of variablesIn(text)) {
        used.add(name);
        expect(declared.has(name) || GRAFANA_BUILTIN_VARIABLES.has(name), `$${name} in "${text}"`).toBe(true);
      }
    }
    for (const name of declared) expect(used.has(name), `variable ${name} is never used`).toBe(true);
  });

  it('lists variable values from documented metrics', () => {
    for (const variable of variables.filter((v) => v.type === 'query')) {
      const match = /^label_values\((\w+), *(\w+)\)$/.exec(variable.definition ?? '');
      expect(match, variable.name).not.toBeNull();
      expect(DOCUMENTED_SERIES.has(match![1]!), variable.definition).toBe(true);
    }
  });
});

describe('provisioning', () => {
  const dir = join(GRAFANA_DIR, '..', 'provisioning');

  it('provisions a Prometheus data source', () => {
    const doc = parse(readFileSync(join(dir, 'datasources/vigil-prometheus.yml'), 'utf8'));
    expect(doc.apiVersion).toBe(1);
    expect(doc.datasources).toHaveLength(1);
    expect(doc.datasources[0]).toMatchObject({ type: 'prometheus', access: 'proxy', uid: 'vigil-prometheus' });
    expect(doc.datasources[0].url).toMatch(/^https?:\/\//);
  });

  it('provisions the dashboards from files into a Vigil folder', () => {
    const doc = parse(readFileSync(join(dir, 'dashboards/vigil.yml'), 'utf8'));
    expect(doc.apiVersion).toBe(1);
    expect(doc.providers[0]).toMatchObject({ type: 'file', folder: 'Vigil' });
    expect(doc.providers[0].options.path).toMatch(/^\//);
  });
});
