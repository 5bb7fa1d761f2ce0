import { describe, expect, it } from 'vitest';
import { cpuSamples, diskSamples, memorySamples, networkSamples } from './host-metrics.js';

const values = (samples: { metric: string; value: number; labels: Record<string, string> }[]) =>
  samples.map((s) => `${s.metric}${Object.keys(s.labels).length ? JSON.stringify(s.labels) : ''}=${s.value}`);

describe('host metric mapping', () => {
  it('derives used memory and ratios, 0 when there is no swap', () => {
    expect(values(memorySamples({ totalBytes: 1000, availableBytes: 250, swapTotalBytes: 0, swapFreeBytes: 0 }, 1))).toEqual([
      'vigil_memory_total_bytes=1000',
      'vigil_memory_available_bytes=250',
      'vigil_memory_used_bytes=750',
      'vigil_memory_used_ratio=0.75',
      'vigil_swap_total_bytes=0',
      'vigil_swap_used_bytes=0',
      'vigil_swap_used_ratio=0',
    ]);
  });

  it('emits only the figures a platform provides', () => {
    expect(values(cpuSamples({ count: 4 }, 1))).toEqual(['vigil_cpus=4']);
    expect(values(cpuSamples({ count: 0, utilization: 0.5, modes: { user: 0.25, idle: 0.5 } }, 1))).toEqual([
      'vigil_cpu_utilization_ratio=0.5',
      'vigil_cpu_mode_ratio{"mode":"user"}=0.25',
      'vigil_cpu_mode_ratio{"mode":"idle"}=0.5',
    ]);
    expect(values(diskSamples({ device: 'all', readsCompleted: 7 }, 1))).toEqual(['vigil_disk_reads_completed_total{"device":"all"}=7']);
    const net = networkSamples({ interface: 'en0', receiveBytes: 10, transmitDrop: 2 }, 1);
    expect(values(net)).toEqual(['vigil_network_receive_bytes_total{"interface":"en0"}=10', 'vigil_network_transmit_drop_total{"interface":"en0"}=2']);
    expect(net.every((s) => s.kind === 'counter')).toBe(true);
  });
});
