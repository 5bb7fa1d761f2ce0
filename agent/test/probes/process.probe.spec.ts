import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeSamples, runProbeOnce, type ProbeConfig } from '../../src/probes/index.js';
import { listProcesses } from '../../src/probes/process.probe.js';
import { fixedClock, NOW_MS, pairs, parseProbe } from './helpers.js';

const isLinux = process.platform === 'linux';

/** A fake host root: <root>/proc/<pid>/{comm,cmdline}, as the kernel lays them out. */
async function fakeHostRoot(processes: Record<string, { comm?: string; cmdline?: string[] }>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'vigil-proc-'));
  await mkdir(join(root, 'proc', 'sys'), { recursive: true }); // non-numeric entries are not processes
  await writeFile(join(root, 'proc', 'uptime'), '1.00 1.00\n');
  for (const [pid, { comm, cmdline }] of Object.entries(processes)) {
    await mkdir(join(root, 'proc', pid), { recursive: true });
    if (comm !== undefined) await writeFile(join(root, 'proc', pid, 'comm'), `${comm}\n`);
    if (cmdline !== undefined) await writeFile(join(root, 'proc', pid, 'cmdline'), cmdline.map((arg) => `${arg}\0`).join(''));
  }
  return root;
}

describe('process probe', () => {
  let root: string;
  const probe = (extra: Record<string, unknown>): ProbeConfig => parseProbe({ name: 'proc', type: 'process', interval: '5s', timeout: '2s', ...extra });
  const run = async (config: ProbeConfig, hostRoot = root) => {
    const result = await runProbeOnce(config, { hostRoot, clock: fixedClock });
    return { result: result!, samples: probeSamples(config, result!) };
  };

  beforeAll(async () => {
    root = await fakeHostRoot({
      1: { comm: 'systemd', cmdline: ['/sbin/init', 'splash'] },
      2: { comm: 'kthreadd', cmdline: [] },
      310: { comm: 'nginx', cmdline: ['nginx: master process /usr/sbin/nginx -g daemon off;'] },
      311: { comm: 'nginx', cmdline: ['nginx: worker process'] },
      312: { comm: 'nginx', cmdline: ['nginx: worker process'] },
      400: { comm: 'postgres-export', cmdline: ['/usr/bin/postgres-exporter', '--web.listen-address=:9187'] },
      500: {}, // exited between readdir and read: no files left
    });
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it.runIf(isLinux)('counts processes by exact comm under the host root', async () => {
    const config = probe({ process_name: 'nginx', labels: { service: 'web' } });
    const { result, samples } = await run(config);
    expect(result.outcome).toEqual({ success: true });
    const labels = { service: 'web', probe: 'proc', type: 'process', target: 'nginx' };
    expect(samples).toEqual([
      { metric: 'vigil_probe_success', labels, kind: 'gauge', timestampMs: NOW_MS, value: 1 },
      { metric: 'vigil_probe_duration_seconds', labels, kind: 'gauge', timestampMs: NOW_MS, value: result.durationSeconds },
      { metric: 'vigil_probe_process_count', labels, kind: 'gauge', timestampMs: NOW_MS, value: 3 },
    ]);
  });

  it.runIf(isLinux)('matches names longer than the kernel keeps on their first 15 characters only', async () => {
    const { samples } = await run(probe({ process_name: 'postgres-exporter' }));
    expect(samples.at(-1)).toMatchObject({ metric: 'vigil_probe_process_count', value: 1 });
    // "ngin" is not "nginx": exact names, no prefixes.
    const { result } = await run(probe({ process_name: 'ngin' }));
    expect(result.outcome).toEqual({ success: false, reason: 'process_count', detail: '0 process(es) matching ngin, expected at least 1' });
  });

  it.runIf(isLinux)('matches command lines by regex, never kernel threads', async () => {
    expect((await run(probe({ cmdline: 'nginx: worker' }))).samples.at(-1)).toMatchObject({ value: 2 });
    expect((await run(probe({ cmdline: '--web\\.listen-address=:9187$' }))).samples.at(-1)).toMatchObject({ value: 1 });
    // ".*" matches every process with a command line: pid 2 (kernel thread) and 500 (gone) are not counted.
    expect((await run(probe({ cmdline: '.*' }))).samples.at(-1)).toMatchObject({ value: 5 });
  });

  it.runIf(isLinux)('applies min_count', async () => {
    const { result, samples } = await run(probe({ process_name: 'nginx', min_count: 4 }));
    expect(result.outcome).toEqual({ success: false, reason: 'process_count', detail: '3 process(es) matching nginx, expected at least 4' });
    expect(pairs(samples)).toEqual([
      ['vigil_probe_success', 0],
      ['vigil_probe_duration_seconds', result.durationSeconds],
      ['vigil_probe_process_count', 3],
    ]);
  });

  it.runIf(isLinux)('fails without a count when the process table cannot be read', async () => {
    const { result, samples } = await run(probe({ process_name: 'nginx' }), join(root, 'missing'));
    expect(result.outcome).toMatchObject({ success: false, reason: 'proc_unreadable' });
    expect(pairs(samples).map(([metric]) => metric)).toEqual(['vigil_probe_success', 'vigil_probe_duration_seconds']);
  });
});

describe.runIf(isLinux)('process probe on the real /proc', () => {
  const token = `vigil-probe-test-${randomUUID()}`;
  let child: ChildProcess;
  beforeAll(async () => {
    // A process with a command line nothing else on the host has.
    child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)', token], { stdio: 'ignore' });
    await new Promise((resolve) => child.once('spawn', resolve));
  });
  afterAll(() => {
    child.kill();
  });

  it('finds its own node process by comm', async () => {
    const comm = (await readFile(`/proc/${process.pid}/comm`, 'utf8')).trim();
    const config = parseProbe({ name: 'self', type: 'process', process_name: comm });
    const result = await runProbeOnce(config, { hostRoot: '/' });
    expect(result!.outcome).toEqual({ success: true });
    expect(result!.facts.processCount).toBeGreaterThanOrEqual(2); // this worker and the child
  });

  it('counts exactly the one process with a unique command line, and none once it exits', async () => {
    const config = parseProbe({ name: 'child', type: 'process', cmdline: token });
    expect((await runProbeOnce(config, { hostRoot: '/' }))!.facts.processCount).toBe(1);
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill();
    await exited;
    const after = (await runProbeOnce(config, { hostRoot: '/' }))!;
    expect(after.outcome).toMatchObject({ success: false, reason: 'process_count' });
    expect(after.facts.processCount).toBe(0);
  });

  it('reads the same table through the systeminformation fallback used off Linux', async () => {
    const fallback = await listProcesses('/', { comm: true, cmdline: true }, new AbortController().signal, 'darwin');
    expect(fallback.find((entry) => entry.pid === process.pid)).toBeDefined();
  });
});
