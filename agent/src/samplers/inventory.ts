// Static facts about the host, computed once at start and sent in every Hello. systeminformation may spawn
// processes (it runs `cat`, `uname`, ...), which is acceptable once, never per tick.
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from '../log.js';
import { silentLogger } from '../log.js';
import { AGENT_VERSION } from '../version.js';

export type Inventory = Record<string, string>;

export async function collectInventory(options: { hostRoot: string; timeoutMs?: number; logger?: Logger }): Promise<Inventory> {
  const logger = options.logger ?? silentLogger;
  const cpus = os.cpus();
  // Baseline from the os module, so the inventory is never empty even if systeminformation fails.
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
    const si = await inventoryFunctions();
    const [osInfo, cpu, mem] = await withTimeout(Promise.all([si.osInfo(), si.cpu(), si.mem()]), options.timeoutMs ?? 15_000);
    if (osInfo.distro) inventory.distro = osInfo.distro;
    if (osInfo.release) inventory.os_release = osInfo.release;
    if (osInfo.kernel) inventory.kernel = osInfo.kernel;
    if (cpu.brand) inventory.cpu_model = `${cpu.manufacturer} ${cpu.brand}`.trim();
    if (cpu.cores) inventory.cpu_cores = String(cpu.cores);
    if (cpu.physicalCores) inventory.cpu_physical_cores = String(cpu.physicalCores);
    if (mem.total) inventory.memory_total_bytes = String(mem.total);
  } catch (error) {
    logger.warn('inventory: systeminformation failed; sending basic facts only', { error: (error as Error).message });
  }
  if (options.hostRoot !== '/') {
    // In a container systeminformation sees the container's image; the host's os-release is under the host root.
    const release = await readOsRelease(path.join(options.hostRoot, 'etc/os-release'));
    if (release.PRETTY_NAME ?? release.NAME) inventory.distro = (release.PRETTY_NAME ?? release.NAME)!;
    if (release.VERSION_ID) inventory.os_release = release.VERSION_ID;
  }
  return inventory;
}

type InventoryFunctions = Pick<typeof import('systeminformation'), 'osInfo' | 'cpu' | 'mem'>;

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
