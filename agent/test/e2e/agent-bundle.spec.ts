// The launcher runs the agent bundled into one ES module (agent/scripts/bundle.mjs): no CommonJS package is loaded,
// protobufjs and systeminformation (on Linux) not at all.
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AGENT_BIN, useAgentProcessSetup } from '../support/agent-process.js';

const DIST = path.join(path.dirname(AGENT_BIN), '../dist');
const BUNDLE = path.join(DIST, 'vigil-agent.bundle.js');
/** Prints, at exit, the CommonJS modules the process loaded and whether the agent's bundle was among its modules. */
const REPORT = `data:text/javascript,${encodeURIComponent(
  "import { createRequire } from 'node:module'; process.on('exit', () => process.stderr.write('[cjs] ' + JSON.stringify(Object.keys(createRequire('/').cache)) + '\\n'));",
)}`;

describe.runIf(process.platform === 'linux')('the bundled agent', () => {
  const context = useAgentProcessSetup('bundle-token', 'vigil-bundle-');

  it('imports nothing but Node built-ins, and systeminformation (used off Linux only)', () => {
    const text = readFileSync(BUNDLE, 'utf8');
    const specifiers = [...text.matchAll(/(?:^|\n)\s*import\s[^;]*?from\s*"([^"]+)"|\bimport\("([^"]+)"\)/g)].map((m) => m[1] ?? m[2]);
    expect(specifiers.length).toBeGreaterThan(5);
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
});
