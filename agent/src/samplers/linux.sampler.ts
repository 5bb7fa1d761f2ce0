// Host metrics on Linux, read straight from /proc and statfs(2) under the host root on every tick: no child
// process, no shell. Kernel files are read synchronously into reused buffers (see KernelFileReader); only the
// statfs calls, which can hang on network mounts, are asynchronous.
import path from 'node:path';
import type { Logger } from '../log.js';
import type { Sample, Sampler } from '../pipeline/types.js';
import { KernelFileReader } from './file-reader.js';
import { FilesystemCollector, type StatFsLike } from './filesystem.js';
import { cpuSamples, diskSamples, loadSamples, memorySamples, networkSamples, uptimeSamples } from './host-metrics.js';
import { compilePatterns, type NameMatcher } from './patterns.js';
import { cpuRatios, memoryFigures, parseCpuStat, parseDiskstats, parseLoadavg, parseMeminfo, parseNetDev, parseUptime } from './procfs.js';

export interface LinuxSamplerOptions {
  hostRoot: string;
  excludeDevices: readonly string[];
  excludeInterfaces: readonly string[];
  filesystems: { excludeTypes: readonly string[]; excludeMountpoints: readonly string[] };
  statfs?: (path: string) => Promise<StatFsLike>;
  statfsTimeoutMs?: number;
  logger?: Logger;
}

export class LinuxSampler implements Sampler {
  readonly name = 'linux';
  private readonly reader = new KernelFileReader();
  private readonly filesystems: FilesystemCollector;
  private readonly deviceExcluded: NameMatcher;
  private readonly interfaceExcluded: NameMatcher;
  /** Paths of the per-tick files under the host root, joined once. */
  private readonly procFiles: Record<'stat' | 'loadavg' | 'meminfo' | 'uptime' | 'diskstats', string>;
  private previousCpu: number[] | undefined;
  /** Candidate files for data that lives in a network or mount namespace; see pickFile. */
  private readonly netDevFiles: { file: string }[];
  private readonly mountFiles: { file: string; stripPrefix?: string }[];

  constructor(options: LinuxSamplerOptions) {
    const root = options.hostRoot;
    const proc = path.join(root, 'proc');
    const inProc = (name: string) => path.join(proc, name);
    this.procFiles = { stat: inProc('stat'), loadavg: inProc('loadavg'), meminfo: inProc('meminfo'), uptime: inProc('uptime'), diskstats: inProc('diskstats') };
    this.deviceExcluded = compilePatterns(options.excludeDevices);
    this.interfaceExcluded = compilePatterns(options.excludeInterfaces);
    this.filesystems = new FilesystemCollector({ hostRoot: root, ...options.filesystems, statfs: options.statfs, statfsTimeoutMs: options.statfsTimeoutMs, logger: options.logger });
    if (root === '/') {
      this.netDevFiles = [{ file: '/proc/net/dev' }];
      this.mountFiles = [{ file: '/proc/self/mounts' }];
    } else {
      // /proc/net and /proc/mounts follow the *reader's* namespaces. With the host's /proc mounted in a container,
      // PID 1's view is the host's; when it is not readable, fall back to our own view, where host mounts appear
      // under the host root prefix.
      this.netDevFiles = [{ file: inProc('1/net/dev') }, { file: inProc('net/dev') }];
      this.mountFiles = [{ file: inProc('1/mounts') }, { file: inProc('self/mounts'), stripPrefix: root.replace(/\/+$/, '') }];
    }
  }

  /** Takes the first CPU reading so the first tick already has a delta. */
  async prime(): Promise<void> {
    const text = this.reader.read(this.procFiles.stat);
    if (text) this.previousCpu = parseCpuStat(text).times;
  }

  async collect(nowMs: number): Promise<Sample[]> {
    const f = this.procFiles;
    const stat = this.reader.read(f.stat);
    const loadavg = this.reader.read(f.loadavg);
    const meminfo = this.reader.read(f.meminfo);
    const uptime = this.reader.read(f.uptime);
    const diskstats = this.reader.read(f.diskstats);
    const netDev = this.readFirst(this.netDevFiles);
    const mounts = this.readFirst(this.mountFiles, 'utf8');
    const out: Sample[] = [];
    const ts = nowMs;
    if (stat) {
      const cpu = parseCpuStat(stat);
      const ratios = this.previousCpu && cpuRatios(this.previousCpu, cpu.times);
      this.previousCpu = cpu.times;
      out.push(...cpuSamples({ count: cpu.cpuCount, utilization: ratios?.utilization, modes: ratios?.modes }, ts));
      out.push(...uptimeSamples({ bootTimeSeconds: cpu.bootTimeSeconds }, ts));
    }
    if (loadavg) out.push(...loadSamples(parseLoadavg(loadavg), ts));
    if (meminfo) out.push(...memorySamples(memoryFigures(parseMeminfo(meminfo)), ts));
    if (uptime) out.push(...uptimeSamples({ uptimeSeconds: parseUptime(uptime) }, ts));
    if (diskstats) {
      for (const d of parseDiskstats(diskstats)) if (!this.deviceExcluded(d.device)) diskSamples(d, ts, out);
    }
    if (netDev) {
      for (const n of parseNetDev(netDev.text)) if (!this.interfaceExcluded(n.interface)) networkSamples(n, ts, out);
    }
    if (mounts) out.push(...(await this.filesystems.collect(mounts.text, mounts.stripPrefix, ts)));
    return out;
  }

  async close(): Promise<void> {
    this.reader.close();
  }

  /** First readable candidate; remembers the winner so later ticks read one file. */
  private readFirst(candidates: { file: string; stripPrefix?: string }[], encoding: BufferEncoding = 'latin1') {
    for (let i = 0; i < candidates.length; i++) {
      const candidate = candidates[i]!;
      const text = this.reader.read(candidate.file, encoding);
      if (text !== undefined && text.length > 0) {
        if (i > 0) candidates.splice(0, i);
        return { text, stripPrefix: candidate.stripPrefix };
      }
    }
    return undefined;
  }
}
