// The agent's launcher keeps V8's memory reducer to one full collection (issue 14): by default the reducer ran three
// mark-compacts in a row 8 s after start, as much CPU as 10-20 s of ticks. Watched with --trace-gc on the real bin.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AGENT_BIN, sleep, VigilProcess, waitFor } from './support/vigil-processes.js';

describe('agent launcher', () => {
  let dir: string | undefined;
  let agent: VigilProcess | undefined;
  afterEach(async () => {
    await agent?.stop('SIGKILL');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  // The launcher's first line passes its V8 flags to node (as the systemd unit and the image do); `node bin` without
  // them makes the launcher set them itself.
  const firstLineFlags = readFileSync(AGENT_BIN, 'utf8').split('\n', 1)[0]!.split(/\s+/).filter((word) => word.startsWith('--'));
  it.each([
    { how: 'with the flags of its first line on the command line', flags: firstLineFlags },
    { how: 'as `node bin`, without them', flags: ['--max-semi-space-size=1'] },
  ])('lets the memory reducer run at most one full collection after start-up, started $how', async ({ flags }) => {
    expect(firstLineFlags).toContain('--memory-reducer-single-gc');
    dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-launcher-gc-'));
    // A collector that refuses connections: the agent samples and spools as usual, retrying the stream.
    const args = ['--collector', '127.0.0.1:1', '--token', 'launcher-gc-token', '--interval', '1s', '--spool-dir', dir, '--log-level', 'warn'];
    agent = new VigilProcess('agent', spawn(process.execPath, [...flags, '--trace-gc', AGENT_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] }));
    // The reducer's first collection comes about 3 s after start (the launcher's delay; V8's default is 8 s), the next
    // ones about 0.6 s apart (3 without the single-collection flag): wait for the first, then long enough for the
    // others to have come.
    const reducing = () => agent!.output.split('\n').filter((line) => line.includes('Mark-Compact (reduce)'));
    await waitFor('the memory reducer to run', () => (reducing().length > 0 ? true : undefined), 25_000);
    await sleep(3_000);
    expect(agent.running, agent.tail()).toBe(true);
    expect(reducing().length, reducing().join('\n')).toBe(1);
  }, 45_000);
});
