import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig, type ConfigResult } from './config.loader.js';
import { DEFAULT_EXCLUDED_FS_TYPES } from './config.schema.js';

const EXAMPLE = `collector: 127.0.0.1:7070
token: demo-token
interval: 10s
spool_dir: ./data/spool
probes:
  - name: shop-http
    type: http
    url: http://127.0.0.1:8000/health
    interval: 5s
    timeout: 2s
    expect_status: [200]
`;

describe('loadConfig', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-config-'));
    file = path.join(dir, 'agent.yaml');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const load = (yaml: string | undefined, argv: string[] = [], env: Record<string, string> = {}): ConfigResult => {
    if (yaml !== undefined) writeFileSync(file, yaml);
    return loadConfig({ argv: yaml !== undefined ? ['--config', file, ...argv] : argv, env, cwd: dir });
  };
  const ok = (result: ConfigResult) => {
    if (result.status !== 'ok') throw new Error(`expected ok, got ${JSON.stringify(result)}`);
    return result.config;
  };
  const errors = (result: ConfigResult) => {
    if (result.status !== 'error') throw new Error(`expected errors, got ${result.status}`);
    return result.errors;
  };

  it('accepts the documented example and fills every default', () => {
    const config = ok(load(EXAMPLE));
    expect(config).toMatchObject({
      collector: '127.0.0.1:7070',
      token: 'demo-token',
      intervalMs: 10_000,
      spoolDir: path.join(dir, 'data/spool'),
      labels: {},
      hostRoot: '/',
      tls: { enabled: false },
      spool: { maxBytes: 256 * 1024 * 1024, maxAgeMs: 7 * 86_400_000 },
      batch: { maxSamples: 10_000, maxAgeMs: 10_000 },
      shutdownGraceMs: 5000,
      logLevel: 'info',
      network: { excludeInterfaces: ['lo'] },
    });
    expect(config.filesystems.excludeTypes).toEqual(DEFAULT_EXCLUDED_FS_TYPES);
    expect(config.probes).toHaveLength(1);
    expect(config.probes[0]).toMatchObject({ name: 'shop-http', type: 'http' });
  });

  it('applies precedence: defaults < file < environment < flags', () => {
    const yaml = 'collector: file:1\ntoken: file-token\ninterval: 30s\nid: from-file\n';
    const env = { VIGIL_COLLECTOR: 'env:2', VIGIL_INTERVAL: '20s', VIGIL_TOKEN: 'env-token', VIGIL_SPOOL_DIR: '/var/spool/vigil' };
    const flags = ['--collector', 'flag:3', '--interval', '15s'];
    expect(ok(load(yaml))).toMatchObject({ collector: 'file:1', token: 'file-token', intervalMs: 30_000, id: 'from-file', spoolDir: path.join(dir, 'data/spool') });
    expect(ok(load(yaml, [], env))).toMatchObject({ collector: 'env:2', token: 'env-token', intervalMs: 20_000, id: 'from-file', spoolDir: '/var/spool/vigil' });
    expect(ok(load(yaml, flags, env))).toMatchObject({ collector: 'flag:3', token: 'env-token', intervalMs: 15_000, spoolDir: '/var/spool/vigil' });
    expect(ok(load(yaml, ['--id', 'flag-id', '--spool-dir', 'spool'], { VIGIL_AGENT_ID: 'env-id' }))).toMatchObject({ id: 'flag-id', spoolDir: path.join(dir, 'spool') });
    // No file at all: env and flags alone are enough; VIGIL_CONFIG names the file.
    expect(ok(load(undefined, ['--token', 't'], { VIGIL_COLLECTOR: 'c:1' }))).toMatchObject({ collector: 'c:1', token: 't', intervalMs: 10_000 });
    writeFileSync(file, yaml);
    expect(ok(loadConfig({ argv: [], env: { VIGIL_CONFIG: file }, cwd: dir })).collector).toBe('file:1');
  });

  it('rejects an interval below 1s, naming the key, the value and its source', () => {
    expect(errors(load(EXAMPLE.replace('interval: 10s', 'interval: 0.5s')))).toEqual(['interval: "0.5s" is below the minimum 1s']);
    expect(errors(load(EXAMPLE, ['--interval', '500ms']))).toEqual(['interval: "500ms" is below the minimum 1s (from --interval)']);
    expect(errors(load(EXAMPLE, [], { VIGIL_INTERVAL: 'often' }))).toEqual([
      'interval: "often" is not a duration (use a number with a unit: 500ms, 10s, 5m, 2h, 7d) (from VIGIL_INTERVAL)',
    ]);
    expect(errors(load(EXAMPLE.replace('interval: 10s', 'interval: 10')))).toEqual(['interval: 10 is not a duration (use a number with a unit: 500ms, 10s, 5m, 2h, 7d)']);
  });

  it('takes several collectors as a YAML list or a comma-separated VIGIL_COLLECTOR / --collector', () => {
    const listed = ok(load('collector: [a.example.net:7070, "[::1]:7071"]\ntoken: t\n'));
    expect(listed).toMatchObject({ collector: 'a.example.net:7070,[::1]:7071', collectors: ['a.example.net:7070', '[::1]:7071'] });
    expect(ok(load(undefined, ['--token', 't'], { VIGIL_COLLECTOR: 'a:1, b:2' })).collectors).toEqual(['a:1', 'b:2']);
    expect(ok(load(undefined, ['--token', 't', '--collector', 'c:3,d:4'], { VIGIL_COLLECTOR: 'a:1' })).collectors).toEqual(['c:3', 'd:4']);
    // One address stays one address, as before.
    expect(ok(load(undefined, ['--token', 't', '--collector', 'c:3'])).collectors).toEqual(['c:3']);
  });

  it('names the bad item of a collector list, and refuses an empty list or a repeat', () => {
    expect(errors(load('collector: [a:1, localhost, 7]\ntoken: t\n'))).toEqual([
      'collector.1: "localhost" is not a HOST:PORT address (examples: 127.0.0.1:7070, collector.example.com:7070, [::1]:7070)',
      'collector.2: 7 is not a HOST:PORT address (examples: 127.0.0.1:7070, collector.example.com:7070, [::1]:7070)',
    ]);
    expect(errors(load(undefined, ['--token', 't'], { VIGIL_COLLECTOR: 'a:1,b:99999,' }))).toEqual([
      'collector.1: "b:99999" is not a HOST:PORT address (examples: 127.0.0.1:7070, collector.example.com:7070, [::1]:7070) (from VIGIL_COLLECTOR)',
      'collector.2: "" is not a HOST:PORT address (examples: 127.0.0.1:7070, collector.example.com:7070, [::1]:7070) (from VIGIL_COLLECTOR)',
    ]);
    expect(errors(load('collector: []\ntoken: t\n'))).toEqual(['collector: [] must list at least one HOST:PORT address']);
    expect(errors(load('collector: { host: a }\ntoken: t\n'))).toEqual(['collector: {"host":"a"} is not a HOST:PORT address or a list of them']);
    expect(errors(load('collector: [a:1, b:2, a:1]\ntoken: t\n'))).toEqual(['collector.2: "a:1" is listed twice']);
  });

  it('lists every problem at once, each starting with its key path', () => {
    const yaml = `collector: localhost
token: ""
intervl: 10s
labels: { "bad-name": x }
tls: { enabeld: true }
spool: { max_bytes: lots, max_age: 1s }
batch: { max_samples: 5 }
log_level: chatty
shutdown_grace: 1h
filesystems: { exclude_types: [tmpfs, ""] }
`;
    expect(errors(load(yaml))).toEqual([
      'collector: "localhost" is not a HOST:PORT address (examples: 127.0.0.1:7070, collector.example.com:7070, [::1]:7070)',
      'token: "" must not be empty',
      'labels: {"bad-name":"x"} invalid label name "bad-name"',
      'tls.enabeld: unknown key (did you mean enabled?)',
      'spool.max_bytes: "lots" is not a byte size (examples: 64MiB, 1GiB, 500MB)',
      'spool.max_age: "1s" is below the minimum 1m',
      'batch.max_samples: 5 is below the minimum 100',
      'shutdown_grace: "1h" is above the maximum 10m',
      'log_level: "chatty" is not one of "debug", "info", "warn", "error"',
      'filesystems.exclude_types.1: "" must not be empty',
      'intervl: unknown key (did you mean interval?)',
    ]);
  });

  it('validates the new keys spool.memory_max_bytes and log.format, with their defaults', () => {
    expect(ok(load('collector: c:1\ntoken: t\n'))).toMatchObject({ spool: { memoryMaxBytes: 8 << 20 }, logFormat: 'text' });
    expect(ok(load('collector: c:1\ntoken: t\nspool: { memory_max_bytes: 1MiB }\nlog: { format: json }\n'))).toMatchObject({ spool: { memoryMaxBytes: 1 << 20 }, logFormat: 'json' });
    expect(errors(load('collector: c:1\ntoken: t\nspool: { memory_max_bytes: 1KiB }\nlog: { format: xml, colour: true }\n'))).toEqual([
      'spool.memory_max_bytes: "1KiB" is below the minimum 64KiB',
      'log.format: "xml" is not one of "text", "json"',
      'log.colour: unknown key',
    ]);
  });

  it('recognises the check-config command and refuses unknown ones', () => {
    const result = loadConfig({ argv: ['check-config', '--config', file], env: {}, cwd: dir });
    expect(result.status === 'error' || result.status === 'ok' ? result.command : undefined).toBe('check-config');
    expect(errors(loadConfig({ argv: ['chek-config'], env: {}, cwd: dir }))).toEqual(['command line: unknown command "chek-config" (commands: check-config)']);
    expect(errors(loadConfig({ argv: ['check-config', 'extra'], env: {}, cwd: dir }))).toEqual(['command line: unexpected argument "extra"']);
  });

  it('requires a collector and a token', () => {
    expect(errors(load('interval: 10s\n'))).toEqual([
      'collector: is required (set collector in the config file, VIGIL_COLLECTOR or --collector)',
      'token: is required (set token in the config file, VIGIL_TOKEN or --token)',
    ]);
  });

  it('reports unreadable files, YAML syntax errors and unknown flags', () => {
    expect(errors(loadConfig({ argv: ['--config', 'missing.yaml'], env: {}, cwd: dir }))).toEqual([`config file ${path.join(dir, 'missing.yaml')}: cannot be read (ENOENT)`]);
    expect(errors(load('collector: a:1\n  token: [\n'))[0]).toMatch(new RegExp(`^config file ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+: invalid YAML: `));
    expect(errors(load('- just\n- a list\n'))).toEqual([`config file ${file}: the top level must be a mapping of keys`]);
    expect(errors(loadConfig({ argv: ['--colector', 'x:1'], env: {}, cwd: dir }))[0]).toMatch(/^command line: Unknown option '--colector'/);
    expect(loadConfig({ argv: ['--help'], env: {}, cwd: dir }).status).toBe('help');
  });

  it('validates TLS settings and file paths', () => {
    const base = 'collector: c.example.com:443\ntoken: t\n';
    writeFileSync(path.join(dir, 'ca.pem'), 'x');
    expect(ok(load(base + 'tls: { enabled: true, ca: ca.pem, server_name: collector.internal }\n')).tls).toEqual({
      enabled: true, ca: path.join(dir, 'ca.pem'), cert: undefined, key: undefined, serverName: 'collector.internal',
    });
    expect(errors(load(base + 'tls: { ca: ca.pem }\n'))).toEqual(['tls.enabled: false but tls.ca is set (set tls.enabled: true or remove them)']);
    expect(errors(load(base + 'tls: { enabled: true, cert: ca.pem, ca: nope.pem }\n'))).toEqual([
      'tls.key: is required when tls.cert is set (mutual TLS needs both)',
      `tls.ca: ${JSON.stringify(path.join(dir, 'nope.pem'))} cannot be read (ENOENT)`,
    ]);
    expect(errors(load(base + 'tls: { enabled: "yes" }\n'))).toEqual(['tls.enabled: "yes" is not a boolean']);
  });

  it('accepts the remaining keys', () => {
    const config = ok(
      load(`collector: "[::1]:7070"
token: t
id: web-01
hostname: web-01.example.com
labels: { site: par1, role: web }
host_root: /host
spool: { max_bytes: 1GiB, max_age: 2d }
batch: { max_samples: 500, max_age: 2s }
shutdown_grace: 10s
log_level: debug
filesystems: { exclude_types: [proc], exclude_mountpoints: ["/boot/*"] }
disks: { exclude_devices: ["dm-*"] }
network: { exclude_interfaces: [lo, "veth*"] }
`),
    );
    expect(config).toMatchObject({
      collector: '[::1]:7070',
      id: 'web-01',
      hostname: 'web-01.example.com',
      labels: { site: 'par1', role: 'web' },
      hostRoot: '/host',
      spool: { maxBytes: 2 ** 30, maxAgeMs: 2 * 86_400_000 },
      batch: { maxSamples: 500, maxAgeMs: 2000 },
      shutdownGraceMs: 10_000,
      logLevel: 'debug',
      filesystems: { excludeTypes: ['proc'], excludeMountpoints: ['/boot/*'] },
      disks: { excludeDevices: ['dm-*'] },
      network: { excludeInterfaces: ['lo', 'veth*'] },
      probes: [],
    });
  });
});
