// Parsers for the Linux /proc files the host sampler reads. Pure functions over text: no I/O, no clock.
// They split on newlines and spaces with indexOf/charCode scans; these run on every tick, so the per-tick ones find
// field offsets (fieldOffsets) and cut out only the fields they use, without a string per line or field.

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

/**
 * Offsets of the whitespace-separated fields of `text` between `start` and `end`, as [start, end) pairs written to
 * `out` (reused across calls: out[2i], out[2i + 1] for field i). Returns the number of fields.
 */
export function fieldOffsets(text: string, start: number, end: number, out: number[]): number {
  let count = 0;
  let fieldStart = -1;
  for (let i = start; i <= end; i++) {
    const c = i < end ? text.charCodeAt(i) : 32;
    if (c === 32 || c === 9) {
      if (fieldStart >= 0) {
        out[2 * count] = fieldStart;
        out[2 * count + 1] = i;
        count++;
        fieldStart = -1;
      }
    } else if (fieldStart < 0) fieldStart = i;
  }
  return count;
}

/** Calls `fn` with the start and end offsets of each non-empty line. */
function forEachLineRange(text: string, fn: (start: number, end: number) => void): void {
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    if (end > start) fn(start, end);
    start = end + 1;
  }
}

/** Field `i` found by fieldOffsets, as a number. */
function numberAt(text: string, offsets: readonly number[], i: number): number {
  return Number(text.slice(offsets[2 * i], offsets[2 * i + 1]));
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
  const at: number[] = [];
  forEachLineRange(text, (start, end) => {
    if (text.startsWith('cpu', start)) {
      if (text.charCodeAt(start + 3) === 32) {
        const count = fieldOffsets(text, start, end, at);
        stat.times = CPU_MODES.map((_, i) => (i + 1 < count ? numberAt(text, at, i + 1) : 0));
      } else stat.cpuCount++;
    } else if (text.startsWith('btime ', start)) {
      stat.bootTimeSeconds = Number(text.slice(start + 6, end));
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

/** The /proc/meminfo keys memoryFigures reads. */
const MEMINFO_KEYS = ['MemTotal', 'MemFree', 'MemAvailable', 'Buffers', 'Cached', 'SwapTotal', 'SwapFree'];

/** The /proc/meminfo values memoryFigures reads, as bytes per key (kB values converted); the other keys are skipped. */
export function parseMeminfo(text: string): Map<string, number> {
  const out = new Map<string, number>();
  const at: number[] = [];
  forEachLineRange(text, (start, end) => {
    const colon = text.indexOf(':', start);
    if (colon < 0 || colon >= end) return;
    const key = MEMINFO_KEYS.find((k) => k.length === colon - start && text.startsWith(k, start));
    if (key === undefined) return;
    const count = fieldOffsets(text, colon + 1, end, at);
    const value = count > 0 ? numberAt(text, at, 0) : NaN;
    const kB = count > 1 && at[3]! - at[2]! === 2 && text.startsWith('kB', at[2]!);
    if (Number.isFinite(value)) out.set(key, kB ? value * 1024 : value);
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
  const at: number[] = [];
  forEachLineRange(text, (start, end) => {
    if (fieldOffsets(text, start, end, at) < 14) return;
    out.push({
      device: text.slice(at[4], at[5]),
      readsCompleted: numberAt(text, at, 3),
      readBytes: numberAt(text, at, 5) * SECTOR_BYTES,
      writesCompleted: numberAt(text, at, 7),
      writtenBytes: numberAt(text, at, 9) * SECTOR_BYTES,
      ioTimeSeconds: numberAt(text, at, 12) / 1000,
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
  const at: number[] = [];
  forEachLineRange(text, (start, end) => {
    const colon = text.indexOf(':', start);
    // Header lines contain "|" and no colon.
    if (colon < 0 || colon >= end) return;
    if (fieldOffsets(text, colon + 1, end, at) < 12) return;
    out.push({
      interface: text.slice(start, colon).trim(),
      receiveBytes: numberAt(text, at, 0),
      receivePackets: numberAt(text, at, 1),
      receiveErrors: numberAt(text, at, 2),
      receiveDrop: numberAt(text, at, 3),
      transmitBytes: numberAt(text, at, 8),
      transmitPackets: numberAt(text, at, 9),
      transmitErrors: numberAt(text, at, 10),
      transmitDrop: numberAt(text, at, 11),
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
