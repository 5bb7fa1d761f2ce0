// The charts rendered with values, as `helm template` would (by the subset renderer in
// testing/go-template.ts: no helm binary is installable here), and the rendered manifests checked:
// kinds, names, the wiring between them, the switches in values.yaml, the chart's own error messages,
// and the rendered collector.yaml and agent.yaml accepted by the real config validation of each program.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { loadConfig } from '../agent/src/config/config.loader.js';
import { COLLECTOR_BIN, REPO_ROOT } from '../e2e/support/vigil-processes.js';
import { only, renderChart, type Manifest } from './testing/render-chart.js';
import { Renderer, TemplateError } from './testing/go-template.js';

const TOKENS = { auth: { agentToken: 'agent-token-0123456789', apiToken: 'api-token-0123456789' } };
const AGENT = { collector: { address: 'vigil-vigil-collector-grpc.monitoring.svc:7070' }, token: { value: 'agent-token-0123456789' } };

const kinds = (manifests: Manifest[]) => manifests.map((m) => m.kind).sort();
const podOf = (workload: Manifest) => workload.spec.template.spec;
const configOf = (manifests: Manifest[], key: string) => parse(only(manifests, 'ConfigMap').data[key]) as Record<string, any>;

/** Runs the real `vigil-collector check-config` on a rendered collector.yaml. */
function collectorCheckConfig(yaml: string, env: NodeJS.ProcessEnv = {}): { status: number | null; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-chart-'));
  try {
    writeFileSync(join(dir, 'collector.yaml'), yaml);
    const result = spawnSync(process.execPath, [COLLECTOR_BIN, 'check-config', '--config', join(dir, 'collector.yaml')], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 30_000, env: { ...process.env, ...env } });
    return { status: result.status, output: `${result.stdout}${result.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('the template renderer', () => {
  const render = (source: string, data: unknown = {}) => new Renderer(new Map([['t', source]])).render('t', data);

  it('trims, branches, scopes and pipes like Go templates', () => {
    expect(render('a  {{- "b" -}}  \n c')).toBe('abc');
    expect(render('{{ if .x }}yes{{ else if .y }}y{{ else }}no{{ end }}', { x: 0, y: [1] })).toBe('y');
    expect(render('{{ with .m }}{{ .k }}{{ else }}none{{ end }}|{{ with .e }}x{{ else }}none{{ end }}', { m: { k: 'v' }, e: {} })).toBe('v|none');
    expect(render('{{ define "h" }}[{{ . }}]{{ end }}{{ include "h" "x" | nindent 2 }}')).toBe('\n  [x]');
    expect(render('{{- $a := dict "z" 1 }}{{ $_ := set $a "y" "2" }}{{ $a.z }}{{ $a.y }}{{ $.top }}', { top: 't' })).toBe('12t');
  });

  it('implements the Sprig functions the charts use', () => {
    expect(render('{{ default "d" .v }} {{ default "d" .w }}', { v: '', w: 'w' })).toBe('d w');
    expect(render('{{ printf "%s-%d" "a" 7 | trunc 3 | trimSuffix "-" }} {{ "x+y" | replace "+" "_" | quote }}')).toBe('a-7 "x_y"');
    expect(render('{{ toYaml .m }}', { m: { b: [1], a: 'x' } })).toBe('a: x\nb:\n  - 1');
    expect(render('{{ ternary "on" "off" .f }} {{ and 1 0 }} {{ or 0 "" "z" }} {{ not 0 }} {{ lt (len "abc") 4 }}', { f: false })).toBe('off 0 z true true');
    expect(render('{{ join ", " .l }}|{{ join ", " .s }}', { l: ['a:1', 'b:2'], s: 'c:3' })).toBe('a:1, b:2|c:3');
    expect(() => render('{{ required "need v" .v }}')).toThrow(new TemplateError('need v'));
    expect(() => render('{{ if lt 1 (int .n) }}{{ fail (printf "n %d" (int .n)) }}{{ end }}', { n: 2 })).toThrow(new TemplateError('n 2'));
    expect(() => render('{{ range .x }}{{ end }}')).toThrow(/unsupported/);
  });
});

describe('chart vigil-collector rendered', () => {
  const { manifests, notes } = renderChart('vigil-collector', TOKENS);
  const sts = only(manifests, 'StatefulSet');
  const container = podOf(sts).containers[0];

  it('renders a StatefulSet, three Services, ConfigMap, Secret and ServiceAccount, all named after the release', () => {
    expect(kinds(manifests)).toEqual(['ConfigMap', 'Secret', 'Service', 'Service', 'Service', 'ServiceAccount', 'StatefulSet']);
    for (const m of manifests) {
      expect(m.metadata.name).toMatch(/^vigil-vigil-collector(-grpc|-http|-headless|-auth)?$/);
      expect(m.metadata.labels).toMatchObject({ 'app.kubernetes.io/instance': 'vigil', 'app.kubernetes.io/name': 'vigil-collector', 'app.kubernetes.io/part-of': 'vigil' });
    }
    expect(notes).toContain('vigil-vigil-collector-grpc.monitoring.svc:7070');
  });

  it('keeps SQLite on one PersistentVolumeClaim with exactly one replica', () => {
    expect(sts.spec.replicas).toBe(1);
    expect(sts.spec.volumeClaimTemplates[0]).toMatchObject({ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10Gi' } } } });
    expect(container.volumeMounts).toContainEqual({ name: 'data', mountPath: '/var/lib/vigil' });
    expect(sts.spec.serviceName).toBe('vigil-vigil-collector-headless');
  });

  it('wires Services to the container ports and the selector to the pod labels', () => {
    const podLabels = sts.spec.template.metadata.labels;
    for (const svc of manifests.filter((m) => m.kind === 'Service')) {
      for (const [k, v] of Object.entries(svc.spec.selector)) expect(podLabels[k]).toBe(v);
      for (const port of svc.spec.ports) expect(container.ports.map((p: any) => p.name)).toContain(port.targetPort);
    }
    expect(container.ports).toEqual([{ name: 'grpc', containerPort: 7070, protocol: 'TCP' }, { name: 'http', containerPort: 8080, protocol: 'TCP' }]);
  });

  it('takes both tokens from the Secret it renders, through the environment', () => {
    const secret = only(manifests, 'Secret');
    expect(secret.stringData).toEqual({ 'agent-token': TOKENS.auth.agentToken, 'api-token': TOKENS.auth.apiToken });
    const env = Object.fromEntries(container.env.map((e: any) => [e.name, e.valueFrom.secretKeyRef]));
    expect(env).toEqual({ VIGIL_AGENT_TOKEN: { name: secret.metadata.name, key: 'agent-token' }, VIGIL_API_TOKEN: { name: secret.metadata.name, key: 'api-token' } });
    expect(container.args).toEqual(['--config=/etc/vigil/collector.yaml', '--agent-token=$(VIGIL_AGENT_TOKEN)', '--api-token=$(VIGIL_API_TOKEN)']);
  });

  it('renders a collector.yaml the real collector accepts, with storage and listen set by the chart', () => {
    const config = configOf(manifests, 'collector.yaml');
    expect(config).toMatchObject({ storage: { path: '/var/lib/vigil/vigil.db' }, listen: { grpc: '0.0.0.0:7070', http: '0.0.0.0:8080' } });
    if (!existsSync(join(REPO_ROOT, 'collector/dist/main.js'))) throw new Error('collector/dist is missing: run `npm run build` first');
    const check = collectorCheckConfig(only(manifests, 'ConfigMap').data['collector.yaml']);
    expect(check.output).not.toMatch(/error|invalid/i);
    expect(check.status).toBe(0);
  });

  it('passes config from values through, and the collector still rejects a bad key (the check can fail)', () => {
    const services = [{ id: 'shop', name: 'Shop', probes: ['shop-http'], sla: { availability: 99.9 } }];
    const good = renderChart('vigil-collector', { ...TOKENS, config: { services } }).manifests;
    expect(configOf(good, 'collector.yaml').services).toEqual(services);
    expect(collectorCheckConfig(only(good, 'ConfigMap').data['collector.yaml']).status).toBe(0);
    const bad = renderChart('vigil-collector', { ...TOKENS, config: { servics: services } }).manifests;
    const check = collectorCheckConfig(only(bad, 'ConfigMap').data['collector.yaml']);
    expect(check.status).toBe(2);
    expect(check.output).toContain('servics');
  });

  it('restarts the pod on a config change through the checksum annotation', () => {
    const other = only(renderChart('vigil-collector', { ...TOKENS, config: { services: [{ id: 'x', name: 'X' }] } }).manifests, 'StatefulSet');
    const checksum = (s: Manifest) => s.spec.template.metadata.annotations['checksum/config'];
    expect(checksum(sts)).toMatch(/^[0-9a-f]{64}$/);
    expect(checksum(other)).not.toBe(checksum(sts));
  });

  it('refuses to render without tokens or an existing Secret, and uses an existing Secret without rendering one', () => {
    expect(() => renderChart('vigil-collector')).toThrow('auth.agentToken and auth.apiToken must be at least 8 characters (or set auth.existingSecret)');
    const existing = renderChart('vigil-collector', { auth: { existingSecret: 'vigil-auth' } }).manifests;
    expect(kinds(existing)).not.toContain('Secret');
    expect(podOf(only(existing, 'StatefulSet')).containers[0].env[0].valueFrom.secretKeyRef.name).toBe('vigil-auth');
  });

  it('mounts the TLS Secret and points tls.* at it when enabled; requires its name', () => {
    expect(() => renderChart('vigil-collector', { ...TOKENS, tls: { enabled: true } })).toThrow('tls.secretName is required when tls.enabled is true');
    const tls = renderChart('vigil-collector', { ...TOKENS, tls: { enabled: true, secretName: 'vigil-tls', clientAuth: true } }).manifests;
    const pod = podOf(only(tls, 'StatefulSet'));
    expect(pod.volumes).toContainEqual({ name: 'tls', secret: { secretName: 'vigil-tls' } });
    expect(pod.containers[0].volumeMounts).toContainEqual({ name: 'tls', mountPath: '/etc/vigil/tls', readOnly: true });
    expect(configOf(tls, 'collector.yaml').tls).toEqual({ cert: '/etc/vigil/tls/tls.crt', key: '/etc/vigil/tls/tls.key', client_ca: '/etc/vigil/tls/ca.crt' });
  });

  it('renders the ServiceMonitor only when enabled, scraping /metrics on the http port with honorLabels', () => {
    const monitor = only(renderChart('vigil-collector', { ...TOKENS, serviceMonitor: { enabled: true } }).manifests, 'ServiceMonitor');
    expect(monitor.spec.endpoints).toEqual([{ port: 'http', path: '/metrics', interval: '15s', scrapeTimeout: '10s', honorLabels: true }]);
    expect(monitor.spec.selector.matchLabels).toEqual(only(manifests, 'StatefulSet').spec.selector.matchLabels);
  });

  it('scrapes with the metrics token from the Secret when serviceMonitor.authorization is on, and gives the collector that token', () => {
    const values = { auth: { ...TOKENS.auth, metricsToken: 'metrics-token-0123456789' }, serviceMonitor: { enabled: true, authorization: true } };
    expect(() => renderChart('vigil-collector', { ...TOKENS, serviceMonitor: { enabled: true, authorization: true } })).toThrow(
      'auth.metricsToken must be at least 8 characters when serviceMonitor.authorization is true (or set auth.existingSecret)',
    );
    const rendered = renderChart('vigil-collector', values).manifests;
    const secret = only(rendered, 'Secret');
    expect(secret.stringData['metrics-token']).toBe('metrics-token-0123456789');
    const monitor = only(rendered, 'ServiceMonitor');
    expect(monitor.spec.endpoints[0].authorization).toEqual({ type: 'Bearer', credentials: { name: secret.metadata.name, key: 'metrics-token' } });
    const pod = podOf(only(rendered, 'StatefulSet')).containers[0];
    expect(pod.args).toContain('--metrics-token=$(VIGIL_METRICS_TOKEN)');
    expect(pod.env).toContainEqual({ name: 'VIGIL_METRICS_TOKEN', valueFrom: { secretKeyRef: { name: secret.metadata.name, key: 'metrics-token' } } });
    // Off by default: no third token anywhere.
    expect(only(manifests, 'Secret').stringData).not.toHaveProperty('metrics-token');
  });
});

describe('chart vigil-collector rendered with several replicas on PostgreSQL', () => {
  const URL = 'postgres://vigil:secret-password@db.example.net:5432/vigil';
  const { manifests, notes } = renderChart('vigil-collector', { ...TOKENS, replicaCount: 3, postgres: { url: URL } });
  const sts = only(manifests, 'StatefulSet');
  const container = podOf(sts).containers[0];

  it('runs replicaCount replicas with the URL from a Secret of its own as VIGIL_STORAGE_URL, never in the ConfigMap', () => {
    expect(sts.spec.replicas).toBe(3);
    const secret = manifests.find((m) => m.kind === 'Secret' && m.metadata.name === 'vigil-vigil-collector-postgres')!;
    expect(secret.stringData).toEqual({ url: URL });
    expect(container.env).toContainEqual({ name: 'VIGIL_STORAGE_URL', valueFrom: { secretKeyRef: { name: 'vigil-vigil-collector-postgres', key: 'url' } } });
    expect(configOf(manifests, 'collector.yaml').storage).toEqual({ driver: 'postgres' });
    expect(only(manifests, 'ConfigMap').data['collector.yaml']).not.toContain('secret-password');
  });

  it('renders a collector.yaml that the real collector accepts with the URL from the environment, and refuses without it', () => {
    const yaml = only(manifests, 'ConfigMap').data['collector.yaml'];
    const withUrl = collectorCheckConfig(yaml, { VIGIL_STORAGE_URL: URL });
    expect(withUrl.status, withUrl.output).toBe(0);
    expect(withUrl.output).not.toContain('secret-password');
    const withoutUrl = collectorCheckConfig(yaml, { VIGIL_STORAGE_URL: '' });
    expect(withoutUrl.status).not.toBe(0);
    expect(withoutUrl.output).toContain('storage.url: is required when storage.driver is postgres');
  });

  it('keeps no PersistentVolumeClaim (the state is in PostgreSQL) and mounts an emptyDir where the database was', () => {
    expect(sts.spec.volumeClaimTemplates).toBeUndefined();
    expect(podOf(sts).volumes).toContainEqual({ name: 'data', emptyDir: { sizeLimit: '64Mi' } });
    expect(container.volumeMounts).toContainEqual({ name: 'data', mountPath: '/var/lib/vigil' });
  });

  it('has a headless gRPC Service resolving to every ready replica, and tells agents to use it', () => {
    const headless = manifests.find((m) => m.kind === 'Service' && m.metadata.name === 'vigil-vigil-collector-headless')!;
    expect(headless.spec).toMatchObject({ clusterIP: 'None', publishNotReadyAddresses: false, ports: [{ name: 'grpc', port: 7070, targetPort: 'grpc' }] });
    expect(sts.spec.serviceName).toBe('vigil-vigil-collector-headless');
    expect(notes).toContain('Agents connect to:  vigil-vigil-collector-headless.monitoring.svc:7070');
    expect(notes).toContain('--set collector.address=vigil-vigil-collector-headless.monitoring.svc:7070');
    // With SQLite the headless Service stays as it was and agents use the gRPC Service.
    const sqlite = renderChart('vigil-collector', TOKENS).manifests.find((m) => m.metadata.name === 'vigil-vigil-collector-headless')!;
    expect(sqlite.spec.publishNotReadyAddresses).toBe(true);
  });

  it('takes the URL from an existing Secret under the given key, rendering no Secret for it', () => {
    const rendered = renderChart('vigil-collector', { ...TOKENS, replicaCount: 2, postgres: { existingSecret: 'vigil-db', key: 'dsn' } }).manifests;
    expect(rendered.filter((m) => m.kind === 'Secret').map((m) => m.metadata.name)).toEqual(['vigil-vigil-collector-auth']);
    expect(podOf(only(rendered, 'StatefulSet')).containers[0].env).toContainEqual({ name: 'VIGIL_STORAGE_URL', valueFrom: { secretKeyRef: { name: 'vigil-db', key: 'dsn' } } });
    expect(only(rendered, 'StatefulSet').spec.replicas).toBe(2);
    // One replica on PostgreSQL is fine too.
    expect(only(renderChart('vigil-collector', { ...TOKENS, postgres: { existingSecret: 'vigil-db' } }).manifests, 'StatefulSet').spec.replicas).toBe(1);
  });

  it('refuses several replicas on SQLite, and a URL given both ways', () => {
    expect(() => renderChart('vigil-collector', { ...TOKENS, replicaCount: 2 })).toThrow(
      new TemplateError('replicaCount 2 needs an external PostgreSQL (set postgres.url or postgres.existingSecret): with SQLite the collector runs as one replica'),
    );
    expect(() => renderChart('vigil-collector', { ...TOKENS, replicaCount: 2, postgres: { url: URL, existingSecret: 'vigil-db' } })).toThrow(
      'postgres.url and postgres.existingSecret are both set: set one (existingSecret keeps the password out of values)',
    );
  });
});

describe('chart vigil-agent rendered', () => {
  const { manifests, notes } = renderChart('vigil-agent', AGENT, { Name: 'vigil-agent', Namespace: 'monitoring' });
  const ds = only(manifests, 'DaemonSet');
  const pod = podOf(ds);
  const container = pod.containers[0];

  it('renders a DaemonSet, ConfigMap, token Secret and ServiceAccount', () => {
    expect(kinds(manifests)).toEqual(['ConfigMap', 'DaemonSet', 'Secret', 'ServiceAccount']);
    expect(ds.metadata.name).toBe('vigil-agent');
    expect(notes.length).toBeGreaterThan(0);
  });

  it('mounts the node /, /proc and /sys read-only under /host/root and tells the agent so', () => {
    const hostPaths = Object.fromEntries(pod.volumes.filter((v: any) => v.hostPath).map((v: any) => [v.name, v.hostPath.path]));
    expect(hostPaths).toEqual({ 'host-root': '/', 'host-proc': '/proc', 'host-sys': '/sys' });
    const mounts = container.volumeMounts.filter((m: any) => m.name.startsWith('host-'));
    expect(mounts).toEqual([
      { name: 'host-root', mountPath: '/host/root', readOnly: true, mountPropagation: 'HostToContainer' },
      { name: 'host-proc', mountPath: '/host/root/proc', readOnly: true },
      { name: 'host-sys', mountPath: '/host/root/sys', readOnly: true },
    ]);
    expect(configOf(manifests, 'agent.yaml').host_root).toBe('/host/root');
  });

  it('renders an agent.yaml the real agent config loader accepts, with token and id from the environment', () => {
    const text = only(manifests, 'ConfigMap').data['agent.yaml'];
    expect(text).not.toContain(AGENT.token.value);
    const env = Object.fromEntries(container.env.map((e: any) => [e.name, e.valueFrom]));
    expect(env.VIGIL_TOKEN.secretKeyRef).toEqual({ name: only(manifests, 'Secret').metadata.name, key: 'agent-token' });
    expect(env.VIGIL_AGENT_ID).toEqual({ fieldRef: { fieldPath: 'spec.nodeName' } });
    const loaded = loadConfig({
      argv: container.args,
      env: { VIGIL_TOKEN: AGENT.token.value, VIGIL_AGENT_ID: 'node-1' },
      cwd: '/',
      readFile: (file) => {
        if (file !== '/etc/vigil/agent.yaml') throw new Error(`unexpected read of ${file}`);
        return text;
      },
    });
    expect(loaded.status === 'error' ? loaded.errors : []).toEqual([]);
    expect(loaded).toMatchObject({ status: 'ok', config: { hostRoot: '/host/root', id: 'node-1', collector: AGENT.collector.address } });
  });

  it('runs on every Linux node, tolerating all taints, without host PID or network by default', () => {
    expect(pod.tolerations).toEqual([{ operator: 'Exists' }]);
    expect(pod.nodeSelector).toEqual({ 'kubernetes.io/os': 'linux' });
    expect(pod).toMatchObject({ hostPID: false, hostNetwork: false, automountServiceAccountToken: false });
    expect(container.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(container.resources).toMatchObject({ requests: { cpu: '20m', memory: '64Mi' }, limits: { memory: '256Mi' } });
  });

  it('takes a list of collector addresses, which the real agent config loader accepts', () => {
    const addresses = ['vigil-a-grpc.monitoring.svc:7070', 'vigil-b-grpc.monitoring.svc:7070'];
    const rendered = renderChart('vigil-agent', { ...AGENT, collector: { address: addresses } });
    const text = only(rendered.manifests, 'ConfigMap').data['agent.yaml'];
    expect(parse(text).collector).toEqual(addresses);
    expect(rendered.notes).toContain('sending to vigil-a-grpc.monitoring.svc:7070, vigil-b-grpc.monitoring.svc:7070');
    const loaded = loadConfig({ argv: ['--config', '/etc/vigil/agent.yaml'], env: { VIGIL_TOKEN: AGENT.token.value }, cwd: '/', readFile: () => text });
    expect(loaded).toMatchObject({ status: 'ok', config: { collectors: addresses } });
  });

  it('needs a collector address and a token, and follows hostMounts, spool.hostPath and tls switches', () => {
    expect(() => renderChart('vigil-agent', { token: AGENT.token })).toThrow('collector.address is required');
    expect(() => renderChart('vigil-agent', { collector: AGENT.collector })).toThrow('token.value must be at least 8 characters (or set token.existingSecret)');
    const plain = renderChart('vigil-agent', { ...AGENT, hostMounts: { enabled: false } }).manifests;
    expect(podOf(only(plain, 'DaemonSet')).volumes.filter((v: any) => v.hostPath)).toEqual([]);
    expect(configOf(plain, 'agent.yaml').host_root).toBe('/');
    const spool = podOf(only(renderChart('vigil-agent', { ...AGENT, spool: { hostPath: '/var/lib/vigil-agent' } }).manifests, 'DaemonSet'));
    expect(spool.initContainers[0].securityContext.capabilities).toEqual({ drop: ['ALL'], add: ['CHOWN'] });
    expect(spool.volumes).toContainEqual({ name: 'spool', hostPath: { path: '/var/lib/vigil-agent', type: 'DirectoryOrCreate' } });
    const tls = configOf(renderChart('vigil-agent', { ...AGENT, tls: { enabled: true, secretName: 's', clientCertificate: true } }).manifests, 'agent.yaml');
    expect(tls.tls).toEqual({ enabled: true, ca: '/etc/vigil/tls/ca.crt', cert: '/etc/vigil/tls/tls.crt', key: '/etc/vigil/tls/tls.key' });
  });
});
