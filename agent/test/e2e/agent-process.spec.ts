// Runs the compiled agent as a child process (`node agent/bin/vigil-agent.js`), the way operators start it.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { AGENT_BIN as BIN, useAgentProcessSetup } from '../support/agent-process.js';

const SPAWN_PROBE = fileURLToPath(new URL('../fixtures/count-spawns.cjs', import.meta.url));

const ALWAYS_PRESENT = [
  'vigil_cpu_utilization_ratio', 'vigil_cpu_mode_ratio', 'vigil_cpus', 'vigil_load1', 'vigil_load5', 'vigil_load15',
  'vigil_memory_total_bytes', 'vigil_memory_available_bytes', 'vigil_memory_used_bytes', 'vigil_memory_used_ratio',
  'vigil_swap_total_bytes', 'vigil_swap_used_bytes', 'vigil_swap_used_ratio', 'vigil_uptime_seconds', 'vigil_boot_time_seconds',
  'vigil_agent_spool_pending_batches', 'vigil_agent_spool_dropped_batches_total', 'vigil_agent_resident_memory_bytes', 'vigil_agent_cpu_seconds_total',
  'vigil_agent_collector_failovers_total',
];
const HOST_DEPENDENT = [
  'vigil_filesystem_size_bytes', 'vigil_filesystem_used_bytes', 'vigil_filesystem_free_bytes', 'vigil_filesystem_used_ratio',
  'vigil_filesystem_inodes', 'vigil_filesystem_inodes_free', 'vigil_disk_read_bytes_total', 'vigil_disk_written_bytes_total',
  'vigil_disk_reads_completed_total', 'vigil_disk_writes_completed_total', 'vigil_disk_io_time_seconds_total',
  'vigil_network_receive_bytes_total', 'vigil_network_transmit_bytes_total', 'vigil_network_receive_packets_total',
  'vigil_network_transmit_packets_total', 'vigil_network_receive_errors_total', 'vigil_network_transmit_errors_total',
  'vigil_network_receive_drop_total', 'vigil_network_transmit_drop_total', 'vigil_agent_skipped_ticks_total', 'vigil_agent_rejected_samples_total',
  // Only in ticks taken while a stream is up.
  'vigil_agent_collector_info',
];

/** Live children of `pid`, from /proc/<n>/stat (field 4 is the parent pid). */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) out.push(Number(name));
    } catch {
      // The process exited while we looked.
    }
  }
  return out;
}

function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

describe.runIf(process.platform === 'linux')('vigil-agent process', () => {
  const context = useAgentProcessSetup('e2e-token', 'vigil-e2e-');

  it('delivers host metrics every second without spawning processes, and exits 0 on SIGTERM', async () => {
    const child = spawn(
      process.execPath,
      // An id as installs before the host-name default hold (the default itself: first-hour.spec.ts).
      ['--require', SPAWN_PROBE, BIN, '--collector', context.collector.address, '--token', 'e2e-token', '--interval', '1s', '--spool-dir', path.join(context.dir, 'spool'), '--id', randomUUID()],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = exitOf(child);
    try {
      await context.collector.waitFor(() => context.collector.batches.length >= 1, 15_000, 'the first batch');
      const firstBatchAt = Date.now();
      // Watch the process tree while three more ticks run.
      const seenChildren = new Set<number>();
      const watcher = setInterval(() => childrenOf(child.pid!).forEach((c) => seenChildren.add(c)), 5);
      await context.collector.waitFor(() => context.collector.batches.length >= 4, 10_000, 'four batches');
      clearInterval(watcher);

      const spawns = stderr.split('\n').filter((l) => l.startsWith('[spawn-probe] ')).map((l) => Number(l.split(' ')[1]));
      // The probe works (it spawns once itself at load, before the agent starts); the ticks never spawn.
      expect(spawns.length).toBeGreaterThan(0);
      expect(spawns.filter((t) => t >= firstBatchAt)).toEqual([]);
      expect([...seenChildren]).toEqual([]);

      const names = new Set(context.collector.batches.slice(1).flatMap((b) => b.series.map((s) => s.metric)));
      for (const name of ALWAYS_PRESENT) expect(names).toContain(name);
      for (const name of names) expect([...ALWAYS_PRESENT, ...HOST_DEPENDENT]).toContain(name);
      expect(context.collector.batches.map((b) => b.seq).slice(0, 4)).toEqual([1, 2, 3, 4]);
      expect(context.collector.hellos[0]!.intervalMs).toBe(1000);
      expect(context.collector.hellos[0]!.inventory.kernel).toBe(os.release());
      expect(stderr).toMatch(/info  vigil-agent \S+ id=[0-9a-f-]{36} host=\S+ collector=127\.0\.0\.1:\d+ tls=off interval=1s sampler=linux probes=0 /);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(stderr).toContain('SIGTERM received: shutting down');
    expect(stderr).toContain('stopped; every batch was delivered pending=0');
  });

  it('refuses a bad configuration with a message naming the key, and a non-zero exit', async () => {
    const child = spawn(process.execPath, [BIN, '--collector', '127.0.0.1:1', '--token', 't', '--interval', '0.5s', '--spool-dir', path.join(context.dir, 'bad')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    expect(await exitOf(child)).toBe(2);
    expect(stderr).toBe('config error: interval: "0.5s" is below the minimum 1s (from --interval)\n');
  });
});
