import { cpSync, copyFileSync, mkdtempSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_EXCLUDED_DEVICES, DEFAULT_EXCLUDED_FS_TYPES, DEFAULT_EXCLUDED_INTERFACES, DEFAULT_EXCLUDED_MOUNTPOINTS } from '../config/config.schema.js';
import type { Sample } from '../pipeline/types.js';
import type { StatFsLike } from './filesystem.js';
import { selectMounts } from './filesystem.js';
import { LinuxSampler } from './linux.sampler.js';

const FIXTURE = fileURLToPath(new URL('../../test/fixtures/host', import.meta.url));

function find(samples: Sample[], metric: string, labels: Record<string, string> = {}): number | undefined {
  return samples.find((s) => s.metric === metric && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}

describe('LinuxSampler against a fake host root', () => {
  let root: string;
  const statfsCalls: string[] = [];
  const fakeStatfs = async (p: string): Promise<StatFsLike> => {
    statfsCalls.push(p);
    if (p === path.join(root, '/')) return { bsize: 4096, blocks: 1000, bfree: 400, bavail: 300, files: 500, ffree: 200 };
    if (p === path.join(root, '/data files')) return { bsize: 4096, blocks: 2000, bfree: 1000, bavail: 1000, files: 0, ffree: 0 };
    throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
  };
  const make = (statfs = fakeStatfs, timeoutMs = 1000) =>
    new LinuxSampler({
      hostRoot: root,
      excludeDevices: DEFAULT_EXCLUDED_DEVICES,
      excludeInterfaces: DEFAULT_EXCLUDED_INTERFACES,
      filesystems: { excludeTypes: DEFAULT_EXCLUDED_FS_TYPES, excludeMountpoints: DEFAULT_EXCLUDED_MOUNTPOINTS },
      statfs,
      statfsTimeoutMs: timeoutMs,
    });

  beforeEach(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'vigil-host-'));
    cpSync(FIXTURE, root, { recursive: true });
    statfsCalls.length = 0;
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('reads every host metric under the host root with exact values', async () => {
    const sampler = make();
    await sampler.prime();
    // Overwrite in place: the sampler keeps the file open and re-reads it from offset 0, as with procfs.
    copyFileSync(path.join(root, 'proc/stat.next'), path.join(root, 'proc/stat'));
    const s = await sampler.collect(1_764_000_000_000);
    await sampler.close();

    expect(s.every((x) => x.timestampMs === 1_764_000_000_000)).toBe(true);
    expect(find(s, 'vigil_cpu_utilization_ratio')).toBeCloseTo(850 / 2100, 12);
    expect(find(s, 'vigil_cpu_mode_ratio', { mode: 'user' })).toBeCloseTo(600 / 2100, 12);
    expect(s.filter((x) => x.metric === 'vigil_cpu_mode_ratio').map((x) => x.labels.mode)).toEqual(['user', 'nice', 'system', 'idle', 'iowait', 'irq', 'softirq', 'steal']);
    expect(find(s, 'vigil_cpus')).toBe(2);
    expect([find(s, 'vigil_load1'), find(s, 'vigil_load5'), find(s, 'vigil_load15')]).toEqual([0.52, 0.58, 0.59]);
    expect(find(s, 'vigil_memory_total_bytes')).toBe(16_777_216_000);
    expect(find(s, 'vigil_memory_available_bytes')).toBe(12_582_912_000);
    expect(find(s, 'vigil_memory_used_bytes')).toBe(4_194_304_000);
    expect(find(s, 'vigil_memory_used_ratio')).toBe(0.25);
    expect(find(s, 'vigil_swap_total_bytes')).toBe(2_147_483_648);
    expect(find(s, 'vigil_swap_used_bytes')).toBe(1_073_741_824);
    expect(find(s, 'vigil_swap_used_ratio')).toBe(0.5);
    expect(find(s, 'vigil_uptime_seconds')).toBe(86400.25);
    expect(find(s, 'vigil_boot_time_seconds')).toBe(1764000000);

    // Disks: loop and ram devices skipped; partitions kept.
    expect([...new Set(s.filter((x) => x.metric.startsWith('vigil_disk_')).map((x) => x.labels.device))]).toEqual(['sda', 'sda1', 'nvme0n1']);
    expect(find(s, 'vigil_disk_read_bytes_total', { device: 'sda' })).toBe(10_240_000);
    expect(find(s, 'vigil_disk_written_bytes_total', { device: 'sda' })).toBe(20_480_000);
    expect(find(s, 'vigil_disk_reads_completed_total', { device: 'sda' })).toBe(1000);
    expect(find(s, 'vigil_disk_writes_completed_total', { device: 'sda' })).toBe(2000);
    expect(find(s, 'vigil_disk_io_time_seconds_total', { device: 'sda' })).toBe(1.5);

    // Network: lo skipped. proc/1/net/dev is absent in the fixture, so the sampler fell back to proc/net/dev.
    expect([...new Set(s.filter((x) => x.metric.startsWith('vigil_network_')).map((x) => x.labels.interface))]).toEqual(['eth0']);
    const eth0 = { interface: 'eth0' };
    expect(find(s, 'vigil_network_receive_bytes_total', eth0)).toBe(123456789);
    expect(find(s, 'vigil_network_transmit_bytes_total', eth0)).toBe(987654321);
    expect(find(s, 'vigil_network_receive_packets_total', eth0)).toBe(1000);
    expect(find(s, 'vigil_network_transmit_packets_total', eth0)).toBe(2000);
    expect(find(s, 'vigil_network_receive_errors_total', eth0)).toBe(1);
    expect(find(s, 'vigil_network_transmit_errors_total', eth0)).toBe(3);
    expect(find(s, 'vigil_network_receive_drop_total', eth0)).toBe(2);
    expect(find(s, 'vigil_network_transmit_drop_total', eth0)).toBe(4);

    // Filesystems: pseudo filesystems, tmpfs and container layers skipped; statfs called under the host root.
    expect(statfsCalls.sort()).toEqual([path.join(root, '/'), path.join(root, '/data files')].sort());
    const rootFs = { mountpoint: '/', device: '/dev/sda1', fstype: 'ext4' };
    expect(find(s, 'vigil_filesystem_size_bytes', rootFs)).toBe(4_096_000);
    expect(find(s, 'vigil_filesystem_used_bytes', rootFs)).toBe(2_457_600);
    expect(find(s, 'vigil_filesystem_free_bytes', rootFs)).toBe(1_228_800);
    expect(find(s, 'vigil_filesystem_used_ratio', rootFs)).toBeCloseTo(600 / 900, 12);
    expect(find(s, 'vigil_filesystem_inodes', rootFs)).toBe(500);
    expect(find(s, 'vigil_filesystem_inodes_free', rootFs)).toBe(200);
    const data = { mountpoint: '/data files', fstype: 'xfs' };
    expect(find(s, 'vigil_filesystem_used_ratio', data)).toBe(0.5);
    expect(find(s, 'vigil_filesystem_inodes', data)).toBeUndefined();

    // Counters are counters, the rest gauges (inodes_total is a capacity, hence a gauge despite its name).
    for (const x of s) expect(x.kind).toBe(x.metric.endsWith('_total') ? 'counter' : 'gauge');
  });

  it('reports no CPU ratios until it has two readings, and picks up file changes', async () => {
    const sampler = make();
    const first = await sampler.collect(1);
    expect(find(first, 'vigil_cpu_utilization_ratio')).toBeUndefined();
    writeFileSync(path.join(root, 'proc/loadavg'), '9.5 8.5 7.5 1/2 3\n');
    copyFileSync(path.join(root, 'proc/stat.next'), path.join(root, 'proc/stat'));
    const second = await sampler.collect(2);
    expect(find(second, 'vigil_cpu_utilization_ratio')).toBeCloseTo(850 / 2100, 12);
    expect(find(second, 'vigil_load1')).toBe(9.5);
    await sampler.close();
  });

  it('skips a mount whose statfs hangs, without piling up calls', async () => {
    let hung = 0;
    const sampler = make(async (p) => {
      if (p.endsWith('data files')) {
        hung++;
        return new Promise<StatFsLike>(() => undefined);
      }
      return fakeStatfs(p);
    }, 30);
    const first = await sampler.collect(1);
    const second = await sampler.collect(2);
    await sampler.close();
    for (const s of [first, second]) {
      expect(find(s, 'vigil_filesystem_size_bytes', { mountpoint: '/' })).toBe(4_096_000);
      expect(find(s, 'vigil_filesystem_size_bytes', { mountpoint: '/data files' })).toBeUndefined();
    }
    expect(hung).toBe(1);
  });

  it('uses the real statfs by default', async () => {
    // Only "/" of the fixture mount table exists under the temporary root.
    const sampler = new LinuxSampler({ hostRoot: root, excludeDevices: [], excludeInterfaces: [], filesystems: { excludeTypes: DEFAULT_EXCLUDED_FS_TYPES, excludeMountpoints: [] } });
    const s = await sampler.collect(1);
    await sampler.close();
    const st = statfsSync(root);
    expect(find(s, 'vigil_filesystem_size_bytes', { mountpoint: '/' })).toBe(st.blocks * st.bsize);
    expect(s.filter((x) => x.metric === 'vigil_filesystem_size_bytes').map((x) => x.labels.mountpoint)).toEqual(['/']);
  });
});

describe('selectMounts', () => {
  const entries = [
    { device: '/dev/sda1', mountpoint: '/host', fstype: 'ext4' },
    { device: '/dev/sdb1', mountpoint: '/host/srv', fstype: 'xfs' },
    { device: 'overlay', mountpoint: '/', fstype: 'overlay' },
    { device: '/dev/sdc1', mountpoint: '/etc/hosts', fstype: 'ext4' },
    { device: '/dev/sdd1', mountpoint: '/host/srv', fstype: 'ext4' },
  ];

  it('keeps only host mounts under the prefix, reported as the host sees them; the last mount wins', () => {
    expect(selectMounts(entries, { stripPrefix: '/host', excludeTypes: ['overlay'], excludeMountpoints: [] })).toEqual([
      { device: '/dev/sda1', mountpoint: '/', fstype: 'ext4' },
      { device: '/dev/sdd1', mountpoint: '/srv', fstype: 'ext4' },
    ]);
  });

  it('applies wildcard exclusions to types and mountpoints', () => {
    const kept = selectMounts(entries, { excludeTypes: ['over*'], excludeMountpoints: ['/host/*'] }).map((m) => m.mountpoint);
    expect(kept).toEqual(['/host', '/etc/hosts']);
  });
});
