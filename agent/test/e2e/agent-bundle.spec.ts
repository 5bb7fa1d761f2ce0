// The launcher runs the agent bundled into one ES module (agent/scripts/bundle.mjs): no CommonJS package is loaded,
// protobufjs and systeminformation (on Linux) not at all; nor, without TLS, HTTPS, scrape targets or host names,
// Node's http, http2, tls, https, crypto and dns modules; nor v8 when node is given the launcher's V8 flags.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AGENT_BIN, useAgentProcessSetup } from '../support/agent-process.js';

const DIST = path.join(path.dirname(AGENT_BIN), '../dist');
const BUNDLE = path.join(DIST, 'vigil-agent.bundle.js');
/** Prints, at exit, Node's built-in modules the process loaded. */
const BUILTINS_REPORT = `data:text/javascript,${encodeURIComponent(
  "process.on('exit', () => process.stderr.write('[builtins] ' + JSON.stringify(process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice(13))) + '\\n'));",
)}`;
/** Prints, at exit, the CommonJS modules the process loaded and whether the agent's bundle was among its modules. */
const REPORT = `data:text/javascript,${encodeURIComponent(
  "import { createRequire } from 'node:module'; process.on('exit', () => process.stderr.write('[cjs] ' + JSON.stringify(Object.keys(createRequire('/').cache)) + '\\n'));",
)}`;

describe.runIf(process.platform === 'linux')('the bundled agent', () => {
  const context = useAgentProcessSetup('bundle-token', 'vigil-bundle-');

  it('imports nothing but Node built-ins, and systeminformation (used off Linux only)', () => {
    const text = readFileSync(BUNDLE, 'utf8');
    // The bundle is minified (whitespace and syntax): a static import may follow a `;` or a `}` on the same line.
    const specifiers = [...text.matchAll(/(?:^|[;\n}])\s*import\s*[^;()]*?from\s*"([^"]+)"|\bimport\("([^"]+)"\)/g)].map((m) => m[1] ?? m[2]);
    expect(specifiers.length).toBeGreaterThan(20);
    for (const specifier of specifiers) expect(specifier).toMatch(/^(node:[a-z0-9_/]+|systeminformation(\/lib\/[a-z]+\.js)?)$/);
    expect(text).not.toContain('protobufjs');
  });

  it('is what the launcher runs: a YAML configuration is read without loading any CommonJS module', () => {
    expect(statSync(BUNDLE).mtimeMs).toBeGreaterThanOrEqual(statSync(path.join(DIST, '.tsbuildinfo')).mtimeMs);
    const file = path.join(context.dir, 'agent.yaml');
    writeFileSync(file, `collector: ${context.collector.address}\ntoken: bundle-token\ninterval: 5s\nspool_dir: ${path.join(context.dir, 'spool')}\n`);
    const run = spawnSync(process.execPath, ['--import', REPORT, AGENT_BIN, 'check-config', '--config', file], { encoding: 'utf8', timeout: 30_000 });
    expect(run.stdout).toBe(`${file}: configuration is valid (collector=${context.collector.address} id=(host name) interval=5s tls=off spool_dir=${path.join(context.dir, 'spool')} spool.max_bytes=256MiB probes=0)\n`);
    expect(run.stderr).toBe('[cjs] []\n');
    expect(run.status).toBe(0);
  });

  it('delivers over h2c with HTTP and TCP probes running, without loading http, http2, tls, https, crypto, dns or v8', async () => {
    const web = createServer((_request, response) => response.end('ok'));
    web.listen(0, '127.0.0.1');
    await once(web, 'listening');
    const file = path.join(context.dir, 'probes.yaml');
    const probes = [
      { name: 'web', type: 'http', url: `http://127.0.0.1:${(web.address() as AddressInfo).port}/`, interval: '1s' },
      { name: 'collector', type: 'tcp', target: context.collector.address, interval: '1s' },
    ];
    writeFileSync(file, JSON.stringify({ collector: context.collector.address, token: 'bundle-token', interval: '1s', spool_dir: path.join(context.dir, 'spool-probes'), probes }));
    const before = context.collector.batches.length;
    // Started as its first line starts it: its V8 flags on node's command line, so the launcher needs no node:v8.
    const flags = readFileSync(AGENT_BIN, 'utf8').split('\n', 1)[0]!.split(/\s+/).filter((word) => word.startsWith('--'));
    const child = spawn(process.execPath, [...flags, '--import', BUILTINS_REPORT, AGENT_BIN, '--config', file], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = once(child, 'exit');
    try {
      const probed = () => context.collector.batches.slice(before).some((b) => b.series.some((s) => s.metric === 'vigil_probe_success' && s.values[0] === 1));
      await context.collector.waitFor(probed, 15_000, 'a successful probe delivered');
    } finally {
      child.kill('SIGTERM');
      web.close();
    }
    expect(await exited).toEqual([0, null]);
    const builtins = JSON.parse(/\[builtins\] (.*)\n/.exec(stderr)?.[1] ?? 'null') as string[];
    expect(builtins).toContain('net');
    expect(builtins.filter((m) => /^(http|http2|tls|https|crypto|dns|dns\/promises|perf_hooks|v8)$/.test(m))).toEqual([]);
    // node:util's module facade and argument parser (the command line is parsed by cli.ts; thirteenth pass).
    expect(builtins.filter((m) => /^internal\/(util\/parse_args\/|mime$)/.test(m))).toEqual([]);
  });
});
