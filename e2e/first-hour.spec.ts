// A new user's first hour, with the real processes: `npm start`'s demo (every printed link answers,
// Ctrl-C stops everything once), a collector whose port is taken, and a report without a config.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COLLECTOR_BIN, REPO_ROOT, VigilProcess, compileWorkspace, spawnNode, waitFor } from './support/vigil-processes.js';

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-first-hour-'));
  dirs.push(dir);
  return dir;
};

beforeAll(() => compileWorkspace(), 120_000);
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('npm start', () => {
  it('prints links that all answer 200 and stops once, cleanly, on Ctrl-C', async () => {
    const dir = tempDir();
    const demo = new VigilProcess(
      'demo',
      spawn(process.execPath, [path.join(REPO_ROOT, 'scripts/start-demo.mjs')], {
        cwd: REPO_ROOT,
        env: { ...process.env, VIGIL_DEMO_DIR: dir, VIGIL_DEMO_PORTS: 'auto' },
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    );
    try {
      await waitFor('the demo banner', () => (demo.output.includes('Press Ctrl-C to stop.') ? true : undefined), 60_000);
      const links = [...demo.output.matchAll(/^\s{2}\S.*?\s(http:\/\/\S+)$/gm)].map((m) => m[1]!);
      expect(links.length).toBeGreaterThanOrEqual(7);
      // The agent connects and sends its first sample at once; give the collector that moment.
      await waitFor('the agent to connect', () => (demo.output.includes('connected to collector') ? true : undefined), 30_000);
      for (const link of links) {
        const res = await fetch(link);
        expect({ link, status: res.status }).toEqual({ link, status: 200 });
        await res.arrayBuffer();
      }
      demo.child.kill('SIGINT');
      const exit = await Promise.race([demo.exited, new Promise((r) => setTimeout(() => r('timeout'), 20_000))]);
      expect(exit).toEqual({ code: 0, signal: null });
      expect(demo.output).toContain('every batch was delivered');
      expect(demo.output).not.toContain('SIGTERM again');
      expect(demo.output).not.toContain('SIGINT');
    } finally {
      await demo.stop('SIGKILL');
    }
  }, 120_000);
});

describe('collector start-up', () => {
  let blocker: Server;
  let port: number;
  beforeAll(async () => {
    blocker = createServer();
    blocker.listen(0, '127.0.0.1');
    await once(blocker, 'listening');
    port = (blocker.address() as { port: number }).port;
  });
  afterAll(() => blocker.close());

  for (const flag of ['--http-listen', '--grpc-listen'] as const) {
    it(`says that ${flag} is already in use and exits 1 before touching the database`, async () => {
      const dir = tempDir();
      const db = path.join(dir, 'vigil.db');
      const other = flag === '--http-listen' ? '--grpc-listen' : '--http-listen';
      const collector = spawnNode('collector', COLLECTOR_BIN, ['--db', db, flag, `127.0.0.1:${port}`, other, '127.0.0.1:0', '--agent-token', 'agent-token-1', '--api-token', 'api-token-1']);
      const exit = await collector.exited;
      expect(exit.code).toBe(1);
      expect(collector.output).toContain(`address 127.0.0.1:${port} is already in use`);
      expect(collector.output).not.toMatch(/\n\s+at /); // no stack trace
      expect(existsSync(db)).toBe(false);
    }, 30_000);
  }
});

describe('report without services', () => {
  it('says that no services are defined and exits non-zero', async () => {
    const dir = tempDir();
    const report = spawnNode('report', COLLECTOR_BIN, ['report', 'sla', '--period', '2026-11', '--db', path.join(dir, 'vigil.db')]);
    const exit = await report.exited;
    expect(exit.code).not.toBe(0);
    expect(report.output).toMatch(/no services are defined/);
    expect(report.output).not.toContain('"services": []');
  }, 30_000);
});
