// Host metrics on platforms without /proc (macOS, Windows, BSD) via systeminformation. It spawns processes on
// several calls, so it is only the fallback; Linux uses LinuxSampler. systeminformation has no per-device disk
// counters: disk I/O is reported as host totals under device="all" (nothing on Windows, where it has none).
import os from 'node:os';
import type { Sample, Sampler } from '../pipeline/types.js';
import { filesystemSamples } from './filesystem.js';
import { cpuSamples, diskSamples, loadSamples, memorySamples, networkSamples, uptimeSamples } from './host-metrics.js';
import { compilePatterns, type NameMatcher } from './patterns.js';

export interface FallbackSamplerOptions {
  excludeInterfaces: readonly string[];
  filesystems: { excludeTypes: readonly string[]; excludeMountpoints: readonly string[] };
}

type SystemInformation = typeof import('systeminformation');

export class FallbackSampler implements Sampler {
  readonly name = 'systeminformation';
  private si: SystemInformation | undefined;
  private readonly interfaceExcluded: NameMatcher;
  private readonly typeExcluded: NameMatcher;
  private readonly mountExcluded: NameMatcher;

  constructor(options: FallbackSamplerOptions) {
    this.interfaceExcluded = compilePatterns(options.excludeInterfaces);
    this.typeExcluded = compilePatterns(options.filesystems.excludeTypes);
    this.mountExcluded = compilePatterns(options.filesystems.excludeMountpoints);
  }

  async collect(nowMs: number): Promise<Sample[]> {
    const si = (this.si ??= (await import('systeminformation')).default);
    const ts = nowMs;
    const [load, mem, fsSize, net, time, diskIo, fsStats] = await Promise.all([
      si.currentLoad(),
      si.mem(),
      si.fsSize().catch(() => []),
      si.networkStats('*').catch(() => []),
      Promise.resolve(si.time()),
      si.disksIO().catch(() => null),
      si.fsStats().catch(() => null),
    ]);
    const [load1, load5, load15] = os.loadavg() as [number, number, number];
    // systeminformation reports percentages.
    const modes = { user: load.currentLoadUser / 100, nice: load.currentLoadNice / 100, system: load.currentLoadSystem / 100, idle: load.currentLoadIdle / 100, irq: load.currentLoadIrq / 100 };
    const out: Sample[] = [
      ...cpuSamples({ count: os.cpus().length, utilization: load.currentLoad / 100, modes }, ts),
      ...loadSamples({ load1, load5, load15 }, ts),
      ...memorySamples({ totalBytes: mem.total, availableBytes: mem.available, swapTotalBytes: mem.swaptotal, swapFreeBytes: mem.swapfree }, ts),
      ...uptimeSamples({ uptimeSeconds: Number(time.uptime), bootTimeSeconds: Math.round(nowMs / 1000 - Number(time.uptime)) }, ts),
    ];
    for (const fs of fsSize) {
      if (this.typeExcluded(fs.type) || this.mountExcluded(fs.mount)) continue;
      // As a statfs result with 1-byte blocks and no inode table, so df's arithmetic is the Linux sampler's.
      const statfs = { bsize: 1, blocks: fs.size, bfree: fs.size - fs.used, bavail: fs.available, files: 0, ffree: 0 };
      out.push(...filesystemSamples({ mountpoint: fs.mount, device: fs.fs, fstype: fs.type }, statfs, ts));
    }
    if (diskIo) diskSamples({ device: 'all', readsCompleted: diskIo.rIO, writesCompleted: diskIo.wIO }, ts, out);
    if (fsStats) diskSamples({ device: 'all', readBytes: fsStats.rx, writtenBytes: fsStats.wx }, ts, out);
    for (const n of net) {
      if (this.interfaceExcluded(n.iface)) continue;
      const counters = { receiveBytes: n.rx_bytes, transmitBytes: n.tx_bytes, receiveErrors: n.rx_errors, transmitErrors: n.tx_errors, receiveDrop: n.rx_dropped, transmitDrop: n.tx_dropped };
      networkSamples({ interface: n.iface, ...counters }, ts, out);
    }
    return out;
  }
}
