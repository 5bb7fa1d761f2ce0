// Shared set-up of the specs that run the compiled agent (`node agent/bin/vigil-agent.js`) against a fake collector.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll } from 'vitest';
import { FakeCollector } from './fake-collector.mjs';

const AGENT_DIR = fileURLToPath(new URL('../../', import.meta.url));
export const AGENT_BIN = path.join(AGENT_DIR, 'bin/vigil-agent.js');

export interface AgentProcessContext {
  dir: string;
  collector: FakeCollector;
}

/** Compiles and bundles the agent (the bin imports ../dist; incremental), makes a temp dir and starts a fake collector. */
export function useAgentProcessSetup(token: string, prefix: string): AgentProcessContext {
  const context = {} as AgentProcessContext;
  beforeAll(async () => {
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    execFileSync(process.execPath, [tsc, '--build', path.join(AGENT_DIR, 'tsconfig.json')], { stdio: 'pipe' });
    execFileSync(process.execPath, [path.join(AGENT_DIR, 'scripts/bundle.mjs')], { stdio: 'pipe' });
    context.dir = mkdtempSync(path.join(os.tmpdir(), prefix));
    context.collector = new FakeCollector({ token });
    await context.collector.start();
  }, 120_000);
  afterAll(async () => {
    await context.collector?.stop();
    if (context.dir) rmSync(context.dir, { recursive: true, force: true });
  });
  return context;
}
