// Checks of deploy/systemd and deploy/docker (kept beside the chart specs, which the root vitest
// config includes). The units are verified by systemd-analyze (Debian package systemd, installed when
// missing); the Dockerfiles cannot be built here (no Docker daemon), so their structure is checked
// against the repository.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { requireDebianPackage } from '../dashboards/testing/prometheus.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const SYSTEMD = join(ROOT, 'deploy/systemd');
const DOCKER = join(ROOT, 'deploy/docker');
// systemd-analyze comes with Debian's systemd package (in the base image; installed when missing).
const systemdAnalyze = requireDebianPackage('systemd unit verification (charts/deploy-files.spec.ts)', 'systemd', ['systemd-analyze']);

/** [Service] directives as key -> all values (a key may repeat). */
function serviceDirectives(unit: string): Map<string, string[]> {
  const directives = new Map<string, string[]>();
  let section = '';
  for (const raw of unit.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const header = /^\[(\w+)\]$/.exec(line);
    if (header) {
      section = header[1]!;
      continue;
    }
    if (section !== 'Service') continue;
    const eq = line.indexOf('=');
    const key = line.slice(0, eq);
    directives.set(key, [...(directives.get(key) ?? []), line.slice(eq + 1)]);
  }
  return directives;
}

/** What a launcher's first line (`#!/usr/bin/env -S NAME=value node --flag`) sets: `NAME=value` words and node flags. */
function launcherFirstLine(bin: string): { environment: string[]; flags: string[] } {
  const words = readFileSync(join(ROOT, bin), 'utf8').split('\n', 1)[0]!.split(/\s+/);
  return { environment: words.filter((w) => /^[A-Z_]+=/.test(w)), flags: words.filter((w) => w.startsWith('--')) };
}

/**
 * Checks that a deployment which runs `node [flags] bin` (so the launcher's first line is not read) sets the same
 * environment and node flags: each flag in NODE_OPTIONS, which accepts only some (not V8's --no-opt, for one), or on
 * node's command line before the launcher.
 */
function expectLauncherSettings(bin: string, environment: string[], command: string[]) {
  const launcher = launcherFirstLine(bin);
  expect(launcher.environment.length + launcher.flags.length).toBeGreaterThan(0);
  for (const setting of launcher.environment) expect(environment).toContain(setting);
  const nodeOptions = environment.filter((e) => e.startsWith('NODE_OPTIONS=')).flatMap((e) => e.slice('NODE_OPTIONS='.length).split(/\s+/));
  for (const flag of nodeOptions) expect(process.allowedNodeEnvironmentFlags.has(flag.split('=')[0]!), `${flag} in NODE_OPTIONS`).toBe(true);
  const binAt = command.findIndex((word) => word.endsWith(bin));
  expect(binAt, command.join(' ')).toBeGreaterThan(0);
  const commandLine = command.slice(1, binAt);
  for (const flag of commandLine) expect(flag).toMatch(/^--/);
  for (const flag of launcher.flags) expect([...nodeOptions, ...commandLine], flag).toContain(flag);
}

const UNITS = [
  { file: 'vigil-collector.service', bin: 'collector/bin/vigil-collector.js', state: '/var/lib/vigil-collector', user: 'vigil-collector' },
  { file: 'vigil-agent.service', bin: 'agent/bin/vigil-agent.js', state: '/var/lib/vigil-agent', user: 'vigil-agent' },
];

describe.each(UNITS)('systemd $file', ({ file, bin, state, user }) => {
  const text = readFileSync(join(SYSTEMD, file), 'utf8');
  const d = serviceDirectives(text);
  const one = (key: string) => d.get(key)?.at(-1);

  it('runs as a dedicated user created by vigil.sysusers', () => {
    expect(one('User')).toBe(user);
    expect(one('Group')).toBe(user);
    expect(readFileSync(join(SYSTEMD, 'vigil.sysusers'), 'utf8')).toMatch(new RegExp(`^u ${user} `, 'm'));
  });

  it('has the required hardening directives', () => {
    expect(one('NoNewPrivileges')).toBe('yes');
    expect(one('ProtectSystem')).toBe('strict');
    expect(['yes', 'read-only']).toContain(one('ProtectHome'));
    expect(one('PrivateTmp')).toBe('yes');
    expect(one('CapabilityBoundingSet')).toBe('');
    expect(one('RestrictAddressFamilies')).toMatch(/^AF_INET AF_INET6 AF_UNIX/);
    expect(d.get('SystemCallFilter')).toContain('@system-service');
    expect(d.has('MemoryDenyWriteExecute')).toBe(false); // V8 needs W+X pages
  });

  it('can write only its state directory, which is where its data goes', () => {
    expect(one('ReadWritePaths')).toBe(state);
    expect(`/var/lib/${one('StateDirectory')}`).toBe(state);
    expect(one('ExecStart')).toContain(` ${state}/`);
  });

  it("sets the launcher's environment and node flags, which `node bin` does not read from its first line", () => {
    const environment = (d.get('Environment') ?? []).flatMap((line) => line.split(/\s+(?=[A-Z_]+=)/));
    expectLauncherSettings(bin, environment, one('ExecStart')!.split(/\s+/));
  });

  it('starts the launcher the repository ships, with flags its CLI knows', () => {
    const exec = one('ExecStart')!;
    expect(exec).toMatch(new RegExp(`^/usr/bin/node (--\\S+ )*/opt/vigil/${bin.replace(/[.]/g, '\\.')} `));
    expect(existsSync(join(ROOT, bin)), bin).toBe(true);
    for (const flag of exec.slice(exec.indexOf(bin)).match(/--[a-z-]+/g) ?? []) expect(['--config', '--db', '--spool-dir']).toContain(flag);
    expect(one('RestartPreventExitStatus')).toBe('2');
  });

  it('passes systemd-analyze verify without a warning and scores as well sandboxed', ({ skip }) => {
    if (!systemdAnalyze.available) return skip(systemdAnalyze.reason);
    // verify checks that the binary exists; point it at this machine's node when /usr/bin/node is absent.
    const tmp = mkdtempSync(join(tmpdir(), 'vigil-units-'));
    try {
      const unitFile = join(tmp, file);
      writeFileSync(unitFile, existsSync('/usr/bin/node') ? text : text.replace('/usr/bin/node', process.execPath));
      const verify = spawnSync('systemd-analyze', ['verify', unitFile], { encoding: 'utf8', timeout: 30_000 });
      expect(`${verify.stdout}${verify.stderr}`.trim()).toBe('');
      expect(verify.status).toBe(0);
      const security = spawnSync('systemd-analyze', ['security', '--offline=yes', '--no-pager', unitFile], { encoding: 'utf8', timeout: 30_000 });
      const exposure = /Overall exposure level for \S+: ([\d.]+)/.exec(security.stdout)?.[1];
      expect(exposure, security.stdout + security.stderr).toBeDefined();
      // 0 = fully sandboxed, 10 = not at all; "OK" ends at 2.9 on systemd's scale.
      expect(Number(exposure)).toBeLessThanOrEqual(2.5);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});

describe.each([
  { file: 'collector.Dockerfile', workspace: 'collector', bin: '/opt/vigil/collector/bin/vigil-collector.js' },
  { file: 'agent.Dockerfile', workspace: 'agent', bin: '/opt/vigil/agent/bin/vigil-agent.js' },
])('docker $file', ({ file, workspace, bin }) => {
  const text = readFileSync(join(DOCKER, file), 'utf8');
  const lines = text.split('\n').filter((l) => l.trim() && !l.trimStart().startsWith('#'));
  const stages = lines.filter((l) => /^FROM /.test(l));
  const finalStage = text.slice(text.lastIndexOf('\nFROM '));
  /** The final stage's ENTRYPOINT, in its exec form (a JSON array). */
  const entrypoint = (): string[] => JSON.parse(/^ENTRYPOINT (\[.*\])$/m.exec(finalStage)?.[1] ?? 'null') as string[];

  it('is multi-stage on node:20-slim', () => {
    expect(text).toMatch(/^ARG NODE_IMAGE=node:20-slim$/m);
    expect(stages).toEqual(['FROM ${NODE_IMAGE} AS build', 'FROM ${NODE_IMAGE} AS runtime']);
  });

  it('installs with npm ci from the lockfile, builds, and drops dev dependencies', () => {
    expect(text).toContain('npm ci ');
    expect(text).not.toMatch(/npm install/);
    expect(text).toMatch(/npm run build|tsc --build/);
    expect(text).toContain('npm prune --omit=dev');
  });

  it("sets the launcher's environment and node flags, which `node bin` does not read from its first line", () => {
    const launcher = join(workspace, 'bin', bin.split('/').at(-1)!);
    const environment = finalStage.split('\n').filter((l) => l.startsWith('ENV ')).flatMap((l) => l.slice(4).split(/\s+(?=[A-Z_]+=)/));
    expectLauncherSettings(launcher, environment, entrypoint());
  });

  it('runs as the unprivileged node user, starting the workspace launcher', () => {
    expect(finalStage).toMatch(/^USER node$/m);
    expect(finalStage.indexOf('USER node')).toBeLessThan(finalStage.indexOf('ENTRYPOINT'));
    const command = entrypoint();
    expect(command[0]).toBe('node');
    expect(command.at(-1)).toBe(bin);
    expect(finalStage).not.toMatch(/apt-get|npm ci|g\+\+/);
  });

  it('copies only paths that exist in the repository (build context = repo root)', () => {
    for (const line of lines.filter((l) => l.startsWith('COPY ') && !l.includes('--from='))) {
      const sources = line.slice(5).trim().split(/\s+/).slice(0, -1);
      for (const source of sources) expect(existsSync(join(ROOT, source)), `${file}: ${line}`).toBe(true);
    }
    expect(text).toContain(`COPY --from=build /src/${workspace}/dist ${workspace}/dist`);
    expect(existsSync(join(DOCKER, `${file}.dockerignore`))).toBe(true);
    expect(readFileSync(join(DOCKER, `${file}.dockerignore`), 'utf8')).toMatch(/^\*\*\/node_modules$/m);
  });
});
