// What the collector binary writes when its output goes to a pipe (systemd, Docker, log shippers):
// plain text without colour codes by default, one JSON object per line with `log.format: json`, and
// loud warnings at start when it runs open.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileWorkspace, startCollectorProcess, type RunningCollectorProcess } from './support/vigil-processes.js';

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-logs-'));
  dirs.push(dir);
  return dir;
};

beforeAll(() => compileWorkspace(), 120_000);
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** Starts the bin with `yaml` as its config, stops it with SIGTERM, returns everything it wrote. */
async function runCollector(yaml: string, args: string[] = []): Promise<{ output: string; exitCode: number | null }> {
  const dir = tempDir();
  const configFile = path.join(dir, 'collector.yaml');
  writeFileSync(configFile, yaml);
  let collector: RunningCollectorProcess | undefined;
  try {
    collector = await startCollectorProcess(['--config', configFile, '--db', path.join(dir, 'vigil.db'), '--grpc-listen', '127.0.0.1:0', '--http-listen', '127.0.0.1:0', ...args]);
    const exit = await collector.stop('SIGTERM');
    return { output: collector.output, exitCode: exit.code };
  } finally {
    await collector?.stop('SIGKILL');
  }
}

const TOKENS = 'auth:\n  agent_tokens: [agent-token-1]\n  api_tokens: [api-token-1]\n';

describe('collector log output on a pipe', () => {
  it('writes plain text lines without ANSI colour codes by default', async () => {
    const { output, exitCode } = await runCollector(TOKENS);
    expect(exitCode).toBe(0);
    expect(output).toMatch(/ready grpc=\S+ http=\S+/);
    expect(output).toContain('SIGTERM received, shutting down');
    expect(output).not.toContain('\x1b[');
  }, 60_000);

  it('writes one JSON object per line with log.format: json', async () => {
    const { output, exitCode } = await runCollector(`${TOKENS}log:\n  format: json\n`);
    expect(exitCode).toBe(0);
    const lines = output.split('\n').filter((line) => line.trim() !== '');
    expect(lines.length).toBeGreaterThan(3);
    const entries = lines.map((line) => {
      try {
        return JSON.parse(line) as { level: string; message: string; context?: string };
      } catch {
        throw new Error(`not a JSON line: ${line}`);
      }
    });
    expect(entries.map((e) => e.message)).toContainEqual(expect.stringMatching(/^vigil-collector \S+ ready grpc=127\.0\.0\.1:\d+ http=127\.0\.0\.1:\d+ db=/));
    expect(entries.find((e) => e.context === 'grpc')).toMatchObject({ level: 'log', message: expect.stringMatching(/^listening on 127\.0\.0\.1:\d+$/) });
    expect(output).not.toContain('\x1b[');
  }, 60_000);
});

describe('start-up warnings', () => {
  it('warns loudly when agents and the API have no tokens', async () => {
    const { output } = await runCollector('');
    expect(output).toMatch(/WARN \[security\] WARNING: no agent tokens are configured: every agent stream to 127\.0\.0\.1:0 will be refused/);
    expect(output).toMatch(/WARN \[security\] WARNING: no API tokens are configured: every write to the API and the live feed will answer 401/);
    expect(output).not.toContain('reads are open');
  }, 60_000);

  it('says nothing of the kind with tokens on loopback', async () => {
    const { output } = await runCollector(TOKENS);
    expect(output).not.toContain('WARNING');
  }, 60_000);
});
