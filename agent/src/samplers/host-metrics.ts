// The one mapping from host figures to metric names, kinds and labels, shared by the Linux sampler (/proc) and the
// systeminformation fallback. Pure: figures in, samples out. A figure a platform cannot provide is left undefined
// and its series is simply not emitted.
import { sample, type Sample } from '../pipeline/types.js';
import type { CpuMode, DiskStats, LoadAvg, MemoryFigures, NetDevStats } from './procfs.js';

/** Field of a record -> counter name, in the order the series are emitted. */
type CounterTable<T> = readonly (readonly [keyof T, string])[];

const DISK_COUNTERS: CounterTable<DiskStats> = [
  ['readBytes', 'vigil_disk_read_bytes_total'],
  ['writtenBytes', 'vigil_disk_written_bytes_total'],
  ['readsCompleted', 'vigil_disk_reads_completed_total'],
  ['writesCompleted', 'vigil_disk_writes_completed_total'],
  ['ioTimeSeconds', 'vigil_disk_io_time_seconds_total'],
];

const NETWORK_COUNTERS: CounterTable<NetDevStats> = [
  ['receiveBytes', 'vigil_network_receive_bytes_total'],
  ['transmitBytes', 'vigil_network_transmit_bytes_total'],
  ['receivePackets', 'vigil_network_receive_packets_total'],
  ['transmitPackets', 'vigil_network_transmit_packets_total'],
  ['receiveErrors', 'vigil_network_receive_errors_total'],
  ['transmitErrors', 'vigil_network_transmit_errors_total'],
  ['receiveDrop', 'vigil_network_receive_drop_total'],
  ['transmitDrop', 'vigil_network_transmit_drop_total'],
];

function counters<T>(record: Partial<T>, table: CounterTable<T>, timestampMs: number, labels: Record<string, string>, out: Sample[]): void {
  for (const [field, metric] of table) {
    const value = record[field];
    if (typeof value === 'number') out.push(sample(metric, 'counter', value, timestampMs, labels));
  }
}

export interface CpuFigures {
  count?: number;
  /** Busy share 0-1; undefined until a sampler has two readings. */
  utilization?: number;
  modes?: Partial<Record<CpuMode, number>>;
}

export function cpuSamples(cpu: CpuFigures, timestampMs: number): Sample[] {
  const out: Sample[] = [];
  if (cpu.count !== undefined && cpu.count > 0) out.push(sample('vigil_cpus', 'gauge', cpu.count, timestampMs));
  if (cpu.utilization !== undefined) out.push(sample('vigil_cpu_utilization_ratio', 'gauge', cpu.utilization, timestampMs));
  for (const [mode, ratio] of Object.entries(cpu.modes ?? {})) {
    if (ratio !== undefined) out.push(sample('vigil_cpu_mode_ratio', 'gauge', ratio, timestampMs, { mode }));
  }
  return out;
}

export function loadSamples(load: LoadAvg, timestampMs: number): Sample[] {
  return [sample('vigil_load1', 'gauge', load.load1, timestampMs), sample('vigil_load5', 'gauge', load.load5, timestampMs), sample('vigil_load15', 'gauge', load.load15, timestampMs)];
}

/** Memory and swap: used = total - available (swap: total - free), ratios of the totals (0 when a total is 0). */
export function memorySamples(m: MemoryFigures, timestampMs: number): Sample[] {
  const used = m.totalBytes - m.availableBytes;
  const swapUsed = Math.max(0, m.swapTotalBytes - m.swapFreeBytes);
  return [
    sample('vigil_memory_total_bytes', 'gauge', m.totalBytes, timestampMs),
    sample('vigil_memory_available_bytes', 'gauge', m.availableBytes, timestampMs),
    sample('vigil_memory_used_bytes', 'gauge', used, timestampMs),
    sample('vigil_memory_used_ratio', 'gauge', m.totalBytes > 0 ? used / m.totalBytes : 0, timestampMs),
    sample('vigil_swap_total_bytes', 'gauge', m.swapTotalBytes, timestampMs),
    sample('vigil_swap_used_bytes', 'gauge', swapUsed, timestampMs),
    sample('vigil_swap_used_ratio', 'gauge', m.swapTotalBytes > 0 ? swapUsed / m.swapTotalBytes : 0, timestampMs),
  ];
}

export function uptimeSamples(figures: { uptimeSeconds?: number; bootTimeSeconds?: number }, timestampMs: number): Sample[] {
  const out: Sample[] = [];
  if (figures.uptimeSeconds !== undefined) out.push(sample('vigil_uptime_seconds', 'gauge', figures.uptimeSeconds, timestampMs));
  if (figures.bootTimeSeconds !== undefined) out.push(sample('vigil_boot_time_seconds', 'gauge', figures.bootTimeSeconds, timestampMs));
  return out;
}

export function diskSamples(disk: Partial<DiskStats> & { device: string }, timestampMs: number, out: Sample[] = []): Sample[] {
  counters(disk, DISK_COUNTERS, timestampMs, { device: disk.device }, out);
  return out;
}

export function networkSamples(net: Partial<NetDevStats> & { interface: string }, timestampMs: number, out: Sample[] = []): Sample[] {
  counters(net, NETWORK_COUNTERS, timestampMs, { interface: net.interface }, out);
  return out;
}
