// Renders a chart of this repository the way `helm template` would lay it out (values.yaml merged
// with overrides, .Release and .Chart filled in), with the small renderer in go-template.ts.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments } from 'yaml';
import { Renderer } from './go-template.js';

export const CHARTS_DIR = fileURLToPath(new URL('../', import.meta.url));

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: any;
}

export interface RenderedChart {
  manifests: Manifest[];
  /** Rendered NOTES.txt. */
  notes: string;
}

type Values = Record<string, unknown>;

/** Helm's merge of -f/--set values: maps merge key by key, anything else replaces. */
function merge(base: Values, override: Values): Values {
  const out: Values = structuredClone(base);
  for (const [key, value] of Object.entries(override)) {
    const current = out[key];
    out[key] = current && typeof current === 'object' && !Array.isArray(current) && value && typeof value === 'object' && !Array.isArray(value)
      ? merge(current as Values, value as Values)
      : value;
  }
  return out;
}

export function renderChart(name: string, overrides: Values = {}, release = { Name: 'vigil', Namespace: 'monitoring' }): RenderedChart {
  const dir = join(CHARTS_DIR, name);
  const templates = new Map<string, string>();
  for (const file of readdirSync(join(dir, 'templates')).sort()) templates.set(file, readFileSync(join(dir, 'templates', file), 'utf8'));
  const meta = parse(readFileSync(join(dir, 'Chart.yaml'), 'utf8')) as Record<string, string>;
  const data = {
    Values: merge(parse(readFileSync(join(dir, 'values.yaml'), 'utf8')) as Values, overrides),
    Release: { ...release, Service: 'Helm' },
    Chart: { Name: meta.name, Version: meta.version, AppVersion: meta.appVersion },
  };
  const renderer = new Renderer(templates);
  const manifests: Manifest[] = [];
  for (const file of templates.keys()) {
    if (!file.endsWith('.yaml')) continue;
    for (const doc of parseAllDocuments(renderer.render(file, data))) {
      if (doc.errors.length) throw new Error(`${name}/${file}: rendered YAML does not parse: ${doc.errors.map((e) => e.message).join('; ')}`);
      const json = doc.toJS() as Manifest | null;
      if (json) manifests.push(json);
    }
  }
  return { manifests, notes: renderer.render('NOTES.txt', data) };
}

export function only(manifests: Manifest[], kind: string): Manifest {
  const found = manifests.filter((m) => m.kind === kind);
  if (found.length !== 1) throw new Error(`expected one ${kind}, found ${found.length}`);
  return found[0]!;
}
