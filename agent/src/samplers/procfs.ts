// Parsers for the Linux /proc files the host sampler reads. Pure functions over text: no I/O, no clock.
// They split on newlines and spaces with indexOf/charCode scans; these run on every tick.

/** Whitespace-separated fields of one line, without regex. */
export function fields(line: string): string[] {
  const out: string[] = [];
  let start = -1;
  for (let i = 0; i <= line.length; i++) {
    const c = i < line.length ? line.charCodeAt(i) : 32;
    const space = c === 32 || c === 9;
    if (space) {
      if (start >= 0) {
        out.push(line.slice(start, i));
        start = -1;
      }
    } else if (start < 0) start = i;
  }
  return out;
}

/** Calls `fn` for each non-empty line. */
export function forEachLine(text: string, fn: (line: string) => void): void {
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    if (end > start) fn(text.slice(start, end));
    start = end + 1;
  }
}

export const CPU_MODES = ['user', 'nice', 'system', 'idle', 'iowait', 'irq', 'softirq', 'steal'] as const;
export type CpuMode = (typeof CPU_MODES)[number];

export interface CpuStat {
  /** Aggregate jiffies per mode (the "cpu" line). guest/guest_nice are already included in user/nice. */
  times: number[];
  /** Number of per-CPU lines: online CPUs. */
  cpuCount: number;
  /** Boot time, seconds since the Unix epoch (btime). */
  bootTimeSeconds?: number;
}

export function parseCpuStat(text: string): CpuStat {
  const stat: CpuStat = { times: [], cpuCount: 0 };
  forEachLine(text, (line) => {
    if (line.startsWith('cpu')) {
      if (line.charCodeAt(3) === 32) {
        const f = fields(line);
        stat.times = CPU_MODES.map((_, i) => Number(f[i + 1] ?? 0));
      } else stat.cpuCount++;
    } else if (line.startsWith('btime ')) {
      stat.bootTimeSeconds = Number(line.slice(6));
    }
  });
  return stat;
}

export interface CpuRatios {
  /** Busy share of all CPU time: 1 - (idle + iowait) / total. */
  utilization: number;
  modes: Record<CpuMode, number>;
}

/**
 * CPU shares between two /proc/stat readings. Counters that went backwards (iowait does on some kernels) count
 * as zero. Undefined when no time elapsed.
 */
export function cpuRatios(previous: readonly number[], current: readonly number[]): CpuRatios | undefined {
  const deltas = CPU_MODES.map((_, i) => Math.max(0, (current[i] ?? 0) - (previous[i] ?? 0)));
  const total = deltas.reduce((a, b) => a + b, 0);
  if (total <= 0) return undefined;
  const modes = {} as Record<CpuMode, number>;
  CPU_MODES.forEach((mode, i) => (modes[mode] = deltas[i]! / total));
  return { utilization: 1 - (modes.idle + modes.iowait), modes };
}

export interface LoadAvg {
  load1: number;
  load5: number;
  load15: number;
}

export function parseLoadavg(text: string): LoadAvg {
  const f = fields(text.trim());
  return { load1: Number(f[0]), load5: Number(f[1]), load15: Number(f[2]) };
}

/** /proc/meminfo as bytes per key (kB values converted). */
export function parseMeminfo(text: string): Map<string, number> {
  const out = new Map<string, number>();
  forEachLine(text, (line) => {
    const colon = line.indexOf(':');
    if (colon < 0) return;
    const f = fields(line.slice(colon + 1));
    const value = Number(f[0]);
    if (Number.isFinite(value)) out.set(line.slice(0, colon), f[1] === 'kB' ? value * 1024 : value);
  });
  return out;
}

export interface MemoryFigures {
  totalBytes: number;
  availableBytes: number;
  swapTotalBytes: number;
  swapFreeBytes: number;
}

export function memoryFigures(meminfo: Map<string, number>): MemoryFigures {
  const total = meminfo.get('MemTotal') ?? 0;
  // MemAvailable exists since Linux 3.14; older kernels: free + page cache + buffers approximates it.
  const available = meminfo.get('MemAvailable') ?? (meminfo.get('MemFree') ?? 0) + (meminfo.get('Buffers') ?? 0) + (meminfo.get('Cached') ?? 0);
  return {
    totalBytes: total,
    availableBytes: Math.min(available, total),
    swapTotalBytes: meminfo.get('SwapTotal') ?? 0,
    swapFreeBytes: meminfo.get('SwapFree') ?? 0,
  };
}

export function parseUptime(text: string): number {
  return Number(text.slice(0, text.indexOf(' ')));
}

export interface DiskStats {
  device: string;
  readsCompleted: number;
  readBytes: number;
  writesCompleted: number;
  writtenBytes: number;
  ioTimeSeconds: number;
}

/** /proc/diskstats sectors are always 512 bytes, whatever the device's sector size. */
const SECTOR_BYTES = 512;

export function parseDiskstats(text: string): DiskStats[] {
  const out: DiskStats[] = [];
  forEachLine(text, (line) => {
    const f = fields(line);
    if (f.length < 14) return;
    out.push({
      device: f[2]!,
      readsCompleted: Number(f[3]),
      readBytes: Number(f[5]) * SECTOR_BYTES,
      writesCompleted: Number(f[7]),
      writtenBytes: Number(f[9]) * SECTOR_BYTES,
      ioTimeSeconds: Number(f[12]) / 1000,
    });
  });
  return out;
}

export interface NetDevStats {
  interface: string;
  receiveBytes: number;
  receivePackets: number;
  receiveErrors: number;
  receiveDrop: number;
  transmitBytes: number;
  transmitPackets: number;
  transmitErrors: number;
  transmitDrop: number;
}

export function parseNetDev(text: string): NetDevStats[] {
  const out: NetDevStats[] = [];
  forEachLine(text, (line) => {
    const colon = line.indexOf(':');
    // Header lines contain "|" and no colon.
    if (colon < 0) return;
    const f = fields(line.slice(colon + 1));
    if (f.length < 12) return;
    out.push({
      interface: line.slice(0, colon).trim(),
      receiveBytes: Number(f[0]),
      receivePackets: Number(f[1]),
      receiveErrors: Number(f[2]),
      receiveDrop: Number(f[3]),
      transmitBytes: Number(f[8]),
      transmitPackets: Number(f[9]),
      transmitErrors: Number(f[10]),
      transmitDrop: Number(f[11]),
    });
  });
  return out;
}

export interface MountEntry {
  device: string;
  mountpoint: string;
  fstype: string;
}

/** /proc/mounts lines; the kernel escapes space, tab, newline and backslash as octal (\040). */
export function parseMounts(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  forEachLine(text, (line) => {
    const f = fields(line);
    if (f.length < 3) return;
    out.push({ device: unescapeOctal(f[0]!), mountpoint: unescapeOctal(f[1]!), fstype: f[2]! });
  });
  return out;
}

function unescapeOctal(text: string): string {
  if (!text.includes('\\')) return text;
  return text.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}
