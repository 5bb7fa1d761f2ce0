import type { AgentConfig } from '../config/config.schema.js';
import type { Logger } from '../log.js';
import type { Sampler } from '../pipeline/types.js';
import { FallbackSampler } from './fallback.sampler.js';
import { LinuxSampler } from './linux.sampler.js';

export { LinuxSampler } from './linux.sampler.js';
export { FallbackSampler } from './fallback.sampler.js';
export { SelfSampler, type SelfStats } from './self.sampler.js';
export { collectInventory, type Inventory } from './inventory.js';

/** The host sampler for this platform: direct /proc reads on Linux, systeminformation elsewhere. */
export async function createHostSampler(config: AgentConfig, logger: Logger, platform: NodeJS.Platform = process.platform): Promise<Sampler> {
  if (platform === 'linux') {
    const sampler = new LinuxSampler({
      hostRoot: config.hostRoot,
      excludeDevices: config.disks.excludeDevices,
      excludeInterfaces: config.network.excludeInterfaces,
      filesystems: config.filesystems,
      statfsTimeoutMs: Math.min(5000, config.intervalMs),
      logger,
    });
    await sampler.prime();
    return sampler;
  }
  return new FallbackSampler({ excludeInterfaces: config.network.excludeInterfaces, filesystems: config.filesystems });
}
