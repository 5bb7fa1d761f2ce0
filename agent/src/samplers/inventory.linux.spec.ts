import si from 'systeminformation';
import { describe, expect, it } from 'vitest';
import { collectInventory } from './inventory.js';
import { cpuModelOf, distroOf, linuxFacts, memTotalBytes, parseCpuinfo, parseReleaseFiles } from './inventory.linux.js';

describe('inventory on Linux without systeminformation', () => {
  it.runIf(process.platform === 'linux')('gives the facts systeminformation gives on this host', async () => {
    const [facts, osInfo, cpu, mem] = await Promise.all([linuxFacts(), si.osInfo(), si.cpu(), si.mem()]);
    expect(facts).toEqual({
      distro: osInfo.distro,
      release: osInfo.release,
      cpuModel: `${cpu.manufacturer} ${cpu.brand}`.trim(),
      physicalCores: cpu.physicalCores,
      memoryTotalBytes: mem.total,
    });
    const inventory = await collectInventory({ hostRoot: '/' });
    expect(inventory).toMatchObject({ distro: osInfo.distro, os_release: osInfo.release, kernel: osInfo.kernel, cpu_cores: String(cpu.cores), cpu_physical_cores: String(cpu.physicalCores) });
  });

  it('names the distribution and its release as systeminformation did', () => {
    const debian = parseReleaseFiles('PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nVERSION="12 (bookworm)"\nID=debian\n');
    expect(distroOf(debian)).toEqual({ distro: 'Debian GNU/Linux', release: '12' });
    const ubuntu = parseReleaseFiles('DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=22.04\n\nPRETTY_NAME="Ubuntu 22.04.4 LTS"\nNAME="Ubuntu"\nVERSION="22.04.4 LTS (Jammy Jellyfish)"\n');
    expect(distroOf(ubuntu)).toEqual({ distro: 'Ubuntu', release: '22.04.4 LTS' });
    const alpine = parseReleaseFiles('NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.19.1\nPRETTY_NAME="Alpine Linux v3.19"\n');
    expect(distroOf(alpine)).toEqual({ distro: 'Alpine Linux', release: 'v3.19' });
    expect(distroOf(parseReleaseFiles(''))).toEqual({ distro: 'unknown', release: 'unknown' });
  });

  it('shows the CPU as vendor and model, as systeminformation did', () => {
    expect(cpuModelOf('Intel(R) Xeon(R) CPU E5-2680 v4 @ 2.40GHz')).toBe('Intel Xeon® E5-2680 v4');
    expect(cpuModelOf('Intel(R) Core(TM) i7-8565U CPU @ 1.80GHz')).toBe('Intel Core™ i7-8565U');
    expect(cpuModelOf('AMD EPYC 7B13 64-Core Processor')).toBe('AMD EPYC 7B13 64-Core Processor');
    expect(cpuModelOf('QEMU Virtual CPU version 2.5+')).toBe('QEMU Virtual version 2.5+');
    expect(cpuModelOf('Neoverse-N1')).toBe('Neoverse-N1');
  });

  it('counts physical cores by (physical id, core id) and reads MemTotal', () => {
    const cpu = (id: number, core: number) => `processor\t: ${id}\nmodel name\t: AMD EPYC 7B13 64-Core Processor\nphysical id\t: ${core >> 1}\ncore id\t\t: ${core & 1}\n`;
    // Two sockets of two cores with two threads each.
    expect(parseCpuinfo([0, 1, 2, 3, 0, 1, 2, 3].map((core, id) => cpu(id, core)).join('\n'))).toEqual({ modelName: 'AMD EPYC 7B13 64-Core Processor', physicalCores: 4 });
    expect(parseCpuinfo('processor\t: 0\nBogoMIPS\t: 50.00\n')).toEqual({ modelName: undefined, physicalCores: undefined });
    expect(memTotalBytes('MemTotal:       24731408 kB\nMemFree:         1000 kB\n')).toBe(24731408 * 1024);
    expect(memTotalBytes('')).toBeUndefined();
  });
});
