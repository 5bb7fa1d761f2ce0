import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cpuRatios, fields, memoryFigures, parseCpuStat, parseDiskstats, parseMeminfo, parseMounts, parseNetDev } from './procfs.js';

const fixture = (name: string) => readFileSync(new URL(`../../test/fixtures/host/proc/${name}`, import.meta.url), 'utf8');

describe('procfs parsers', () => {
  it('splits fields on runs of spaces and tabs', () => {
    expect(fields('  a \t b   c ')).toEqual(['a', 'b', 'c']);
    expect(fields('')).toEqual([]);
  });

  it('computes CPU shares from two /proc/stat readings (hand-computed)', () => {
    const before = parseCpuStat(fixture('stat'));
    const after = parseCpuStat(fixture('stat.next'));
    expect(before.cpuCount).toBe(2);
    expect(before.bootTimeSeconds).toBe(1764000000);
    // Deltas: user 600, nice 0, system 200, idle 1200, iowait 50, irq 0, softirq 50, steal 0 -> total 2100.
    const ratios = cpuRatios(before.times, after.times)!;
    expect(ratios.utilization).toBeCloseTo(850 / 2100, 12);
    expect(ratios.modes.user).toBeCloseTo(600 / 2100, 12);
    expect(ratios.modes.system).toBeCloseTo(200 / 2100, 12);
    expect(ratios.modes.idle).toBeCloseTo(1200 / 2100, 12);
    expect(ratios.modes.iowait).toBeCloseTo(50 / 2100, 12);
    expect(ratios.modes.softirq).toBeCloseTo(50 / 2100, 12);
    expect(ratios.modes.nice).toBe(0);
    expect(Object.values(ratios.modes).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });

  it('treats a counter going backwards as zero and returns nothing without elapsed time', () => {
    // iowait 100 -> 90 (seen on real kernels); the other modes advance by 100 in total.
    const r = cpuRatios([100, 0, 100, 800, 100, 0, 0, 0], [150, 0, 150, 800, 90, 0, 0, 0])!;
    expect(r.modes.iowait).toBe(0);
    expect(r.utilization).toBe(1);
    expect(cpuRatios([1, 2, 3, 4, 5, 6, 7, 8], [1, 2, 3, 4, 5, 6, 7, 8])).toBeUndefined();
  });

  it('reads memory in bytes, falling back when MemAvailable is missing', () => {
    const m = memoryFigures(parseMeminfo(fixture('meminfo')));
    expect(m).toEqual({ totalBytes: 16384000 * 1024, availableBytes: 12288000 * 1024, swapTotalBytes: 2097152 * 1024, swapFreeBytes: 1048576 * 1024 });
    const old = memoryFigures(parseMeminfo('MemTotal: 1000 kB\nMemFree: 100 kB\nBuffers: 50 kB\nCached: 250 kB\n'));
    expect(old.availableBytes).toBe(400 * 1024);
  });

  it('parses diskstats in 512-byte sectors, old and new layouts', () => {
    const disks = parseDiskstats(fixture('diskstats'));
    expect(disks.map((d) => d.device)).toEqual(['loop0', 'ram0', 'sda', 'sda1', 'nvme0n1']);
    expect(disks[2]).toEqual({ device: 'sda', readsCompleted: 1000, readBytes: 20000 * 512, writesCompleted: 2000, writtenBytes: 40000 * 512, ioTimeSeconds: 1.5 });
    expect(disks[4]!.ioTimeSeconds).toBe(2.5);
  });

  it('parses /proc/net/dev, including names glued to the colon', () => {
    const nets = parseNetDev(fixture('net/dev') + 'wlan0:1 2 3 4 0 0 0 0 5 6 7 8 0 0 0 0\n');
    expect(nets.map((n) => n.interface)).toEqual(['lo', 'eth0', 'wlan0']);
    expect(nets[1]).toEqual({
      interface: 'eth0', receiveBytes: 123456789, receivePackets: 1000, receiveErrors: 1, receiveDrop: 2,
      transmitBytes: 987654321, transmitPackets: 2000, transmitErrors: 3, transmitDrop: 4,
    });
    expect(nets[2]!.transmitDrop).toBe(8);
  });

  it('decodes octal escapes in mountpoints', () => {
    const mounts = parseMounts(fixture('1/mounts'));
    expect(mounts[4]).toEqual({ device: '/dev/sdb1', mountpoint: '/data files', fstype: 'xfs' });
  });
});
