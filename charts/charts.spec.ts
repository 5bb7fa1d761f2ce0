// Static checks of the Helm charts (no helm binary is installable here): metadata and values parse,
// every .Values path a template reads exists, every value is documented, template actions are
// balanced, included helpers exist, and each manifest - with template actions stripped - is YAML of
// the required kind and shape. render.spec.ts renders them with values; see docs/operations.md.
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments } from 'yaml';

const CHARTS_DIR = fileURLToPath(new URL('./', import.meta.url));

interface Chart {
  name: string;
  dir: string;
  meta: Record<string, unknown>;
  valuesText: string;
  values: Record<string, unknown>;
  templates: Map<string, string>;
}

function loadChart(name: string): Chart {
  const dir = join(CHARTS_DIR, name);
  const templates = new Map<string, string>();
  for (const file of readdirSync(join(dir, 'templates')).sort()) templates.set(file, readFileSync(join(dir, 'templates', file), 'utf8'));
  const valuesText = readFileSync(join(dir, 'values.yaml'), 'utf8');
  return { name, dir, meta: parse(readFileSync(join(dir, 'Chart.yaml'), 'utf8')), valuesText, values: parse(valuesText), templates };
}

/** Template actions ({{ ... }}) of a file, trimmed of {{- -}} and spaces. */
function actions(text: string): string[] {
  return [...text.matchAll(/\{\{-?\s*([\s\S]*?)\s*-?\}\}/g)].map((m) => m[1]!);
}

/** The manifest with template actions removed: whole-line actions dropped, inline ones replaced by a scalar. */
function stripTemplate(text: string): string {
  return text
    .split('\n')
    .filter((line) => !/^\s*\{\{[\s\S]*\}\}\s*$/.test(line))
    .map((line) => line.replace(/\{\{-?[\s\S]*?-?\}\}/g, 'TEMPLATED'))
    .join('\n');
}

type Manifest = { apiVersion: string; kind: string; metadata: { name: string }; spec?: any; data?: any; stringData?: any };

function manifests(chart: Chart): { file: string; doc: Manifest }[] {
  const out: { file: string; doc: Manifest }[] = [];
  for (const [file, text] of chart.templates) {
    if (!file.endsWith('.yaml')) continue;
    for (const doc of parseAllDocuments(stripTemplate(text))) {
      expect(doc.errors.map((e) => `${file}: ${e.message}`)).toEqual([]);
      const json = doc.toJS() as Manifest | null;
      if (json) out.push({ file, doc: json });
    }
  }
  return out;
}

function valueAt(values: unknown, path: string[]): { found: boolean } {
  let node = values;
  for (const key of path) {
    if (node === null || typeof node !== 'object' || !(key in (node as object))) return { found: false };
    node = (node as Record<string, unknown>)[key];
  }
  return { found: true };
}

const agent = loadChart('vigil-agent');
const collector = loadChart('vigil-collector');

describe.each([agent, collector])('chart $name', (chart) => {
  it('has Chart.yaml apiVersion v2 with name, semver version and appVersion', () => {
    expect(chart.meta).toMatchObject({ apiVersion: 'v2', name: chart.name, type: 'application' });
    expect(chart.meta.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(String(chart.meta.appVersion)).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('reads only .Values paths that exist in values.yaml', () => {
    const missing: string[] = [];
    for (const [file, text] of chart.templates) {
      for (const m of text.matchAll(/\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)/g)) {
        const path = m[1]!.slice(1).split('.');
        if (!valueAt(chart.values, path).found) missing.push(`${file}: .Values.${path.join('.')}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('documents every top-level value with a comment', () => {
    const lines = chart.valuesText.split('\n');
    const undocumented: string[] = [];
    lines.forEach((line, i) => {
      const key = /^([A-Za-z][A-Za-z0-9]*):/.exec(line)?.[1];
      if (!key) return;
      // A comment on the line above, or on the first line inside the block.
      const above = lines[i - 1] ?? '';
      const block: string[] = [];
      for (let j = i + 1; j < lines.length && !/^\S/.test(lines[j]!); j++) block.push(lines[j]!);
      if (!above.trimStart().startsWith('#') && !block.some((l) => l.trimStart().startsWith('#'))) undocumented.push(key);
    });
    expect(undocumented).toEqual([]);
  });

  it('balances template blocks and includes only defined helpers', () => {
    const helpers = chart.templates.get('_helpers.tpl') ?? '';
    const defined = new Set([...helpers.matchAll(/define "([^"]+)"/g)].map((m) => m[1]!));
    for (const [file, text] of chart.templates) {
      expect((text.match(/\{\{/g) ?? []).length, file).toBe((text.match(/\}\}/g) ?? []).length);
      let depth = 0;
      for (const action of actions(text)) {
        if (action.startsWith('/*')) continue;
        if (/^(if|with|range|define|block)\b/.test(action)) depth++;
        else if (/^end\b/.test(action)) depth--;
        expect(depth, `${file}: unmatched end`).toBeGreaterThanOrEqual(0);
      }
      expect(depth, `${file}: unclosed block`).toBe(0);
      for (const m of text.matchAll(/include "([^"]+)"/g)) expect(defined.has(m[1]!), `${file}: include "${m[1]}"`).toBe(true);
      for (const name of defined) expect(name.startsWith(`${chart.name}.`), `helper ${name} is namespaced`).toBe(true);
    }
  });

  it('gives every manifest apiVersion, kind and a release-scoped name with the common labels', () => {
    for (const { file, doc } of manifests(chart)) {
      expect(doc.apiVersion, file).toBeTruthy();
      expect(doc.kind, file).toBeTruthy();
      expect(doc.metadata.name, file).toContain('TEMPLATED');
      expect(chart.templates.get(file), file).toContain(`include "${chart.name}.labels"`);
    }
  });

  it('runs as non-root with a read-only root filesystem, no privilege escalation and no capabilities', () => {
    expect(chart.values.podSecurityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(chart.values.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(chart.values.resources).toMatchObject({ requests: { cpu: expect.any(String), memory: expect.any(String) }, limits: { memory: expect.any(String) } });
  });
});

describe('vigil-agent', () => {
  const docs = manifests(agent);
  const kinds = docs.map((d) => d.doc.kind).sort();
  const daemonset = docs.find((d) => d.doc.kind === 'DaemonSet')!.doc;
  const pod = daemonset.spec.template.spec;
  const container = pod.containers[0];
  const template = agent.templates.get('daemonset.yaml')!;

  it('has a DaemonSet, its ConfigMap, a token Secret and a ServiceAccount', () => {
    expect(kinds).toEqual(['ConfigMap', 'DaemonSet', 'Secret', 'ServiceAccount']);
  });

  it('mounts the node /, /proc and /sys read-only where host_root points', () => {
    const volumes = Object.fromEntries(pod.volumes.filter((v: any) => v.hostPath).map((v: any) => [v.name, v.hostPath.path]));
    expect(volumes).toMatchObject({ 'host-root': '/', 'host-proc': '/proc', 'host-sys': '/sys' });
    const mounts = Object.fromEntries(container.volumeMounts.filter((m: any) => m.name.startsWith('host-')).map((m: any) => [m.name, m]));
    expect(mounts['host-root']).toMatchObject({ mountPath: '/host/root', readOnly: true, mountPropagation: 'HostToContainer' });
    expect(mounts['host-proc']).toMatchObject({ mountPath: '/host/root/proc', readOnly: true });
    expect(mounts['host-sys']).toMatchObject({ mountPath: '/host/root/sys', readOnly: true });
    expect(agent.templates.get('_helpers.tpl')).toContain('"host_root" (ternary "/host/root" "/" .Values.hostMounts.enabled)');
    expect(template).toMatch(/\{\{- if \.Values\.hostMounts\.enabled \}\}\n {12}# The node's \/ first/);
  });

  it('takes the token from a Secret and the agent id from the node name, never from the ConfigMap', () => {
    const env = Object.fromEntries(container.env.map((e: any) => [e.name, e.valueFrom]));
    expect(env.VIGIL_TOKEN.secretKeyRef).toBeDefined();
    expect(env.VIGIL_AGENT_ID).toEqual({ fieldRef: { fieldPath: 'spec.nodeName' } });
    expect(agent.templates.get('_helpers.tpl')).not.toMatch(/set \$config "token"/);
  });

  it('makes hostPID optional and off by default, tolerates all taints and selects Linux nodes', () => {
    expect(template).toContain('hostPID: {{ .Values.hostPID }}');
    expect(agent.values.hostPID).toBe(false);
    expect(agent.values.tolerations).toEqual([{ operator: 'Exists' }]);
    expect(agent.values.nodeSelector).toEqual({ 'kubernetes.io/os': 'linux' });
    for (const key of ['nodeSelector', 'tolerations', 'resources']) expect(template).toContain(`.Values.${key}`);
  });
});

describe('vigil-collector', () => {
  const docs = manifests(collector);
  const statefulset = docs.find((d) => d.doc.kind === 'StatefulSet')!.doc;
  const services = docs.filter((d) => d.doc.kind === 'Service').map((d) => d.doc);

  it('has a StatefulSet, three Services, ConfigMap, Secret, ServiceAccount, an optional ServiceMonitor and an optional PostgreSQL URL Secret', () => {
    expect(docs.map((d) => d.doc.kind).sort()).toEqual(['ConfigMap', 'Secret', 'Secret', 'Service', 'Service', 'Service', 'ServiceAccount', 'ServiceMonitor', 'StatefulSet']);
    expect(collector.templates.get('secret-postgres.yaml')).toMatch(/^\{\{- if and \.Values\.postgres\.url \(not \.Values\.postgres\.existingSecret\) \}\}/);
    expect(collector.templates.get('servicemonitor.yaml')).toMatch(/^\{\{- if \.Values\.serviceMonitor\.enabled \}\}/);
    expect(collector.values.serviceMonitor).toMatchObject({ enabled: false, honorLabels: true });
  });

  it('keeps SQLite on a PersistentVolumeClaim with exactly one replica', () => {
    // The count is templated since PostgreSQL allows more; render.spec.ts checks 1 on SQLite and the refusal of more.
    expect(collector.templates.get('statefulset.yaml')).toContain('replicas: {{ ternary (int .Values.replicaCount) 1 (not (empty $postgres)) }}');
    expect(collector.templates.get('statefulset.yaml')).toMatch(/\{\{- if not \$postgres \}\}\n {2}volumeClaimTemplates:/);
    expect(statefulset.spec.volumeClaimTemplates[0].metadata.name).toBe('data');
    const mount = statefulset.spec.template.spec.containers[0].volumeMounts.find((m: any) => m.name === 'data');
    expect(mount.mountPath).toBe('/var/lib/vigil');
    expect(collector.templates.get('_helpers.tpl')).toContain('"path" "/var/lib/vigil/vigil.db"');
  });

  it('exposes gRPC and HTTP through their own Services on named ports', () => {
    const ports = services.flatMap((s) => s.spec.ports.map((p: any) => `${p.name}->${p.targetPort}`)).sort();
    expect(ports).toEqual(['grpc->grpc', 'grpc->grpc', 'http->http']);
    const container = statefulset.spec.template.spec.containers[0];
    expect(container.ports.map((p: any) => p.name).sort()).toEqual(['grpc', 'http']);
    expect(container.readinessProbe.httpGet.path).toBe('/readyz');
    expect(container.livenessProbe.httpGet.path).toBe('/healthz');
  });

  it('renders config from values into a ConfigMap and mounts the TLS Secret only when enabled', () => {
    const configMap = collector.templates.get('configmap.yaml')!;
    expect(configMap).toContain('include "vigil-collector.config"');
    expect(collector.templates.get('_helpers.tpl')).toContain('deepCopy .Values.config');
    const sts = collector.templates.get('statefulset.yaml')!;
    expect(sts.match(/\{\{- if \.Values\.tls\.enabled \}\}/g)?.length).toBe(2);
    expect(sts).toContain('required "tls.secretName is required when tls.enabled is true"');
  });
});
