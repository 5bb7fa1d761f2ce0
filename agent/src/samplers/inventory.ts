// Static facts about the host, computed once at start and sent in every Hello: on Linux from /proc and the
// os-release files (inventory.linux.ts), elsewhere from systeminformation, which may spawn processes (acceptable
// once, never per tick).
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from '../log.js';
import { silentLogger } from '../log.js';
import { AGENT_VERSION } from '../version.js';
import { linuxFacts, type HostFacts } from './inventory.linux.js';

export type Inventory = Record<string, string>;

export async function collectInventory(options: { hostRoot: string; timeoutMs?: number; logger?: Logger }): Promise<Inventory> {
  const logger = options.logger ?? silentLogger;
  const cpus = os.cpus();
  // Baseline from the os module, so the inventory is never empty even if reading the facts fails.
  const inventory: Inventory = {
    os: os.platform(),
    kernel: os.release(),
    arch: os.arch(),
    cpu_model: cpus[0]?.model.trim() ?? 'unknown',
    cpu_cores: String(cpus.length),
    memory_total_bytes: String(os.totalmem()),
    node_version: process.versions.node,
    agent_version: AGENT_VERSION,
  };
  try {
    const facts = await withTimeout(process.platform === 'linux' ? linuxFacts() : systeminformationFacts(), options.timeoutMs ?? 15_000);
    if (facts.distro) inventory.distro = facts.distro;
    if (facts.release) inventory.os_release = facts.release;
    if (facts.kernel) inventory.kernel = facts.kernel;
    if (facts.cpuModel) inventory.cpu_model = facts.cpuModel;
    if (facts.cores) inventory.cpu_cores = String(facts.cores);
    if (facts.physicalCores) inventory.cpu_physical_cores = String(facts.physicalCores);
    if (facts.memoryTotalBytes) inventory.memory_total_bytes = String(facts.memoryTotalBytes);
  } catch (error) {
    logger.warn('inventory: reading host facts failed; sending basic facts only', { error: (error as Error).message });
  }
  if (options.hostRoot !== '/') {
    // In a container /etc is the container image's; the host's os-release is under the host root.
    const release = await readOsRelease(path.join(options.hostRoot, 'etc/os-release'));
    if (release.PRETTY_NAME ?? release.NAME) inventory.distro = (release.PRETTY_NAME ?? release.NAME)!;
    if (release.VERSION_ID) inventory.os_release = release.VERSION_ID;
  }
  return inventory;
}

type InventoryFunctions = Pick<typeof import('systeminformation'), 'osInfo' | 'cpu' | 'mem'>;

/** Off Linux: the same facts from systeminformation (it asks the OS, spawning processes), loaded only there. */
async function systeminformationFacts(): Promise<HostFacts> {
  const si = await inventoryFunctions();
  const [osInfo, cpu, mem] = await Promise.all([si.osInfo(), si.cpu(), si.mem()]);
  return {
    distro: osInfo.distro,
    release: osInfo.release,
    kernel: osInfo.kernel,
    cpuModel: cpu.brand ? `${cpu.manufacturer} ${cpu.brand}`.trim() : undefined,
    cores: cpu.cores,
    physicalCores: cpu.physicalCores,
    memoryTotalBytes: mem.total,
  };
}

/**
 * Loads only the three systeminformation modules the inventory calls: the package's index loads all of its twenty
 * (docker, wifi, printers, ...), about 6 MiB more resident memory and most of the agent's start-up peak. Falls back to
 * the index if a future version moves them.
 */
async function inventoryFunctions(): Promise<InventoryFunctions> {
  try {
    const [osinfo, cpu, memory] = await Promise.all([import('systeminformation/lib/osinfo.js'), import('systeminformation/lib/cpu.js'), import('systeminformation/lib/memory.js')]);
    if (typeof osinfo.osInfo === 'function' && typeof cpu.cpu === 'function' && typeof memory.mem === 'function') return { osInfo: osinfo.osInfo, cpu: cpu.cpu, mem: memory.mem };
  } catch {
    // Fall through to the package index.
  }
  return (await import('systeminformation')).default;
}

async function readOsRelease(file: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  try {
    for (const line of (await readFile(file, 'utf8')).split('\n')) {
      const eq = line.indexOf('=');
      if (eq > 0) out[line.slice(0, eq).trim()] = line.slice(eq + 1).trim().replace(/^["']|["']$/g, '');
    }
  } catch {
    // No os-release under the host root: keep what we have.
  }
  return out;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
      timer.unref();
    }),
  ]);
}
