// Inventory facts on Linux from the files the kernel and the distribution provide (/proc/cpuinfo, /proc/meminfo,
// the os-release files), without systeminformation: loading it cost the agent about 3 MiB of resident memory and
// it spawned `cat` and `lscpu` (docs/agent.md, Footprint). The values are the ones systeminformation gave the
// collector until then: its name and release of the distribution, and its CPU manufacturer and brand (e.g.
// "Intel(R) Xeon(R) CPU E5-2680 v4 @ 2.40GHz" is shown as "Intel Xeon® E5-2680 v4"); inventory.linux.spec.ts
// compares the two on the host running the tests. Pure functions over file contents, and one reading them.
import { readdir, readFile } from 'node:fs/promises';
import os from 'node:os';

/** What the inventory reports beyond the os module's baseline; a fact a platform cannot give stays undefined. */
export interface HostFacts {
  distro?: string;
  release?: string;
  kernel?: string;
  /** Manufacturer and brand, e.g. "AMD EPYC 7B13 64-Core Processor". */
  cpuModel?: string;
  cores?: number;
  physicalCores?: number;
  memoryTotalBytes?: number;
}

/** KEY=value lines of os-release style files, concatenated; later files override earlier ones. */
export function parseReleaseFiles(text: string): Record<string, string> {
  const release: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const parts = line.split('=');
    if (parts.length > 1) release[parts[0]!.trim().toUpperCase()] = parts[1]!.trim();
  }
  return release;
}

const unquote = (value: string | undefined) => (value ?? '').replace(/"/g, '');

/** The distribution's name and release: "Debian GNU/Linux" and "12" from PRETTY_NAME="Debian GNU/Linux 12 (bookworm)". */
export function distroOf(release: Record<string, string>): { distro: string; release: string } {
  const distro = unquote(release.DISTRIB_ID || release.NAME || 'unknown');
  let version = unquote(release.VERSION);
  const pretty = unquote(release.PRETTY_NAME);
  if (pretty.startsWith(`${distro} `)) version = pretty.slice(distro.length + 1).trim();
  if (version.includes('(')) version = version.split('(')[0]!.trim();
  return { distro, release: unquote(version || release.DISTRIB_RELEASE || release.VERSION_ID || 'unknown') };
}

/** Vendors recognised in a CPU's model name (lower case), in increasing precedence, and how they are shown. */
const CPU_VENDORS: readonly [string, string][] = [
  ['intel', 'Intel'],
  ['amd', 'AMD'],
  ['qemu', 'QEMU'],
  ['hygon', 'Hygon'],
  ['centaur', 'WinChip/Via'],
  ['vmware', 'VMware'],
  ['tcg', 'QEMU'],
  ['apple', 'Apple'],
  ['sifive', 'SiFive'],
  ['thead', 'T-Head'],
  ['andestech', 'Andes Technology'],
];

/** "Intel(R) Xeon(R) CPU E5-2680 v4 @ 2.40GHz" -> "Intel Xeon® E5-2680 v4": the vendor, then the model without its first word. */
export function cpuModelOf(modelName: string): string {
  let brand = modelName.replace(/To Be Filled By O.E.M./g, '').split('@')[0]!.trim();
  if (brand.includes('Unknown')) brand = brand.split('Unknown')[0]!.trim();
  const squeeze = (s: string) => s.replace(/\s+/g, ' ').trim();
  brand = squeeze(squeeze(squeeze(brand.replace(/\(R\)+/g, '®')).replace(/\(TM\)+/g, '™')).replace(/\(C\)+/g, '©'));
  brand = squeeze(brand.replace(/CPU+/g, ''));
  const lower = brand.toLowerCase();
  let vendor = brand;
  for (const [needle, name] of CPU_VENDORS) if (lower.includes(needle)) vendor = name;
  return `${vendor} ${brand.split(' ').slice(1).join(' ')}`.trim();
}

/** Fields of /proc/cpuinfo: the first "model name", and the distinct (physical id, core id) pairs. */
export function parseCpuinfo(text: string): { modelName?: string; physicalCores?: number } {
  let modelName: string | undefined;
  let physicalId = '';
  const cores = new Set<string>();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const key = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (key === 'model name') modelName ??= value;
    else if (key === 'physical id') physicalId = value;
    else if (key === 'core id') cores.add(`${physicalId}/${value}`);
  }
  return { modelName, physicalCores: cores.size || undefined };
}

export function memTotalBytes(meminfo: string): number | undefined {
  const kib = /^MemTotal:\s+(\d+) kB/m.exec(meminfo)?.[1];
  return kib ? Number(kib) * 1024 : undefined;
}

const readOr = (file: string) => readFile(file, 'utf8').catch(() => '');

/** The os-release files systeminformation read, in its order: /etc/*-release, /usr/lib/os-release, /etc/openwrt_release. */
async function releaseText(): Promise<string> {
  const etc = (await readdir('/etc').catch(() => [] as string[])).filter((name) => name.endsWith('-release')).sort();
  const files = [...etc.map((name) => `/etc/${name}`), '/usr/lib/os-release', '/etc/openwrt_release'];
  return (await Promise.all(files.map(readOr))).join('\n');
}

export async function linuxFacts(): Promise<HostFacts> {
  const [release, cpuinfo, meminfo] = await Promise.all([releaseText(), readOr('/proc/cpuinfo'), readOr('/proc/meminfo')]);
  const cpu = parseCpuinfo(cpuinfo);
  const modelName = cpu.modelName ?? os.cpus()[0]?.model;
  return {
    ...distroOf(parseReleaseFiles(release)),
    cpuModel: modelName ? cpuModelOf(modelName) : undefined,
    physicalCores: cpu.physicalCores,
    memoryTotalBytes: memTotalBytes(meminfo),
  };
}
