// A new user's first hour with the compiled agent (`node agent/bin/vigil-agent.js`): check-config, the default
// agent id, the first sample right at start, and logs a log shipper can read.
import { execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AGENT_BIN as BIN, useAgentProcessSetup } from '../support/agent-process.js';


function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe.runIf(process.platform === 'linux')('vigil-agent: the first hour', () => {
  const context = useAgentProcessSetup('first-hour-token', 'vigil-first-hour-');

  it('check-config: exit 0 and a summary for a valid file, exit 1 and every bad key otherwise', async () => {
    const good = path.join(context.dir, 'good.yaml');
    writeFileSync(good, 'collector: 127.0.0.1:7070\ntoken: t0ken\nspool_dir: /var/lib/vigil-agent/spool\n');
    expect(await run(['check-config', '--config', good])).toEqual({
      code: 0,
      stdout: `${good}: configuration is valid (collector=127.0.0.1:7070 id=(host name) interval=10s tls=off spool_dir=/var/lib/vigil-agent/spool spool.max_bytes=256MiB probes=0)\n`,
      stderr: '',
    });

    const bad = path.join(context.dir, 'bad.yaml');
    writeFileSync(bad, 'collector: 127.0.0.1:7070\ntoken: t0ken\ninterval: 0.5s\nspool: { memory_max_bytes: lots }\nlog: { format: xml }\n');
    expect(await run(['check-config', '--config', bad])).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'config error: interval: "0.5s" is below the minimum 1s\n' +
        'config error: spool.memory_max_bytes: "lots" is not a byte size (examples: 64MiB, 1GiB, 500MB)\n' +
        'config error: log.format: "xml" is not one of "text", "json"\n' +
        `${bad}: 3 problems\n`,
    });
  });

  it('sends its first sample at start, names itself after the host, and logs one JSON object per line', async () => {
    const config = path.join(context.dir, 'agent.yaml');
    // A one-hour interval: waiting for the first aligned tick would take up to an hour.
    writeFileSync(config, `collector: ${context.collector.address}\ntoken: first-hour-token\ninterval: 1h\nspool_dir: ${path.join(context.dir, 'spool')}\nlog: { format: json }\n`);
    const started = Date.now();
    const child = spawn(process.execPath, [BIN, '--config', config], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      await context.collector.waitFor(() => context.collector.batches.length >= 1, 15_000, 'the first batch');
      expect(Date.now() - started).toBeLessThan(15_000);
      expect(context.collector.batches[0]!.series.some((s: { metric: string }) => s.metric === 'vigil_memory_total_bytes')).toBe(true);
      expect(context.collector.hellos[0]!.agentId).toBe(os.hostname());
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(stderr).not.toContain('\u001b');
    const records = stderr.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    for (const record of records) expect(Object.keys(record).slice(0, 3)).toEqual(['ts', 'level', 'msg']);
    expect(records.find((r) => String(r.msg).startsWith('vigil-agent '))!.msg).toContain(` id=${os.hostname()} `);
    expect(records.at(-1)).toMatchObject({ level: 'info', msg: 'stopped; every batch was delivered', pending: 0 });
  });

  it('keeps the UUID an existing install holds in its spool', async () => {
    const spool = path.join(context.dir, 'old-spool');
    mkdirSync(spool);
    const uuid = randomUUID();
    writeFileSync(path.join(spool, 'state.json'), JSON.stringify({ version: 1, agentId: uuid, streamEpoch: randomUUID(), nextSeq: 1 }) + '\n');
    const child = spawn(process.execPath, [BIN, '--collector', context.collector.address, '--token', 'first-hour-token', '--interval', '1h', '--spool-dir', spool], { stdio: 'ignore' });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      await context.collector.waitFor(() => context.collector.hellos.some((h: { agentId: string }) => h.agentId === uuid), 15_000, 'a hello with the stored id');
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });
});
