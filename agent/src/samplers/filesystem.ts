// Filesystem usage from the mount table and statfs(2), as `df` computes it. A statfs call on a hung network mount
// can block forever: each call has a timeout, and a mount whose call is still pending is skipped until it returns.
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../log.js';
import { silentLogger, OnceLog } from '../log.js';
import { sample, type Sample } from '../pipeline/types.js';
import { compilePatterns } from './patterns.js';
import { parseMounts, type MountEntry } from './procfs.js';

export interface StatFsLike {
  bsize: number;
  blocks: number;
  bfree: number;
  bavail: number;
  files: number;
  ffree: number;
}

export interface FilesystemOptions {
  hostRoot: string;
  excludeTypes: readonly string[];
  excludeMountpoints: readonly string[];
  statfs?: (path: string) => Promise<StatFsLike>;
  statfsTimeoutMs?: number;
  logger?: Logger;
}

/** Pure: which mounts to report, with mountpoints as the host sees them. Later entries shadow earlier ones. */
export function selectMounts(
  entries: readonly MountEntry[],
  options: { stripPrefix?: string; excludeTypes: readonly string[]; excludeMountpoints: readonly string[] },
): MountEntry[] {
  const typeExcluded = compilePatterns(options.excludeTypes);
  const mountExcluded = compilePatterns(options.excludeMountpoints);
  const byMountpoint = new Map<string, MountEntry>();
  for (const entry of entries) {
    let mountpoint = entry.mountpoint;
    if (options.stripPrefix) {
      // Reading our own mount table in a container: only what lies under the host root belongs to the host.
      if (mountpoint === options.stripPrefix) mountpoint = '/';
      else if (mountpoint.startsWith(options.stripPrefix + '/')) mountpoint = mountpoint.slice(options.stripPrefix.length);
      else continue;
    }
    byMountpoint.delete(mountpoint);
    if (typeExcluded(entry.fstype) || mountExcluded(mountpoint)) continue;
    byMountpoint.set(mountpoint, { ...entry, mountpoint });
  }
  return [...byMountpoint.values()];
}

/** Pure: the filesystem metrics of one statfs result. */
export function filesystemSamples(mount: MountEntry, st: StatFsLike, timestampMs: number): Sample[] {
  const labels = { mountpoint: mount.mountpoint, device: mount.device, fstype: mount.fstype };
  const size = st.blocks * st.bsize;
  const free = st.bavail * st.bsize;
  const used = (st.blocks - st.bfree) * st.bsize;
  // df's Use%: reserved blocks (bfree - bavail) count neither as used nor as available.
  const usable = used + free;
  const out = [
    sample('vigil_filesystem_size_bytes', 'gauge', size, timestampMs, labels),
    sample('vigil_filesystem_used_bytes', 'gauge', used, timestampMs, labels),
    sample('vigil_filesystem_free_bytes', 'gauge', free, timestampMs, labels),
    sample('vigil_filesystem_used_ratio', 'gauge', usable > 0 ? used / usable : 0, timestampMs, labels),
  ];
  // Some filesystems (btrfs, vfat) report no inodes: files = 0.
  if (st.files > 0) {
    out.push(sample('vigil_filesystem_inodes', 'gauge', st.files, timestampMs, labels));
    out.push(sample('vigil_filesystem_inodes_free', 'gauge', st.ffree, timestampMs, labels));
  }
  return out;
}

export class FilesystemCollector {
  private readonly pending = new Set<string>();
  private readonly once = new OnceLog();
  private readonly statfs: (path: string) => Promise<StatFsLike>;
  private readonly timeoutMs: number;
  private readonly logger: Logger;
  /** The mounts selected from the last mount table read: it rarely changes, and parsing it is most of a tick. */
  private selected: { text: string; stripPrefix: string | undefined; mounts: MountEntry[] } | undefined;

  constructor(private readonly options: FilesystemOptions) {
    this.statfs = options.statfs ?? ((p) => fsp.statfs(p));
    this.timeoutMs = options.statfsTimeoutMs ?? 5000;
    this.logger = options.logger ?? silentLogger;
  }

  /** `mountsText` is the mount table; `stripPrefix` is set when it lists mountpoints under the host root. */
  async collect(mountsText: string, stripPrefix: string | undefined, timestampMs: number): Promise<Sample[]> {
    if (this.selected?.text !== mountsText || this.selected.stripPrefix !== stripPrefix) {
      this.selected = { text: mountsText, stripPrefix, mounts: selectMounts(parseMounts(mountsText), { ...this.options, stripPrefix }) };
    }
    const { mounts } = this.selected;
    const results = await Promise.all(mounts.map((mount) => this.statOne(mount)));
    const out: Sample[] = [];
    mounts.forEach((mount, i) => {
      const st = results[i];
      if (st) out.push(...filesystemSamples(mount, st, timestampMs));
    });
    return out;
  }

  private async statOne(mount: MountEntry): Promise<StatFsLike | undefined> {
    if (this.pending.has(mount.mountpoint)) return undefined;
    const target = path.join(this.options.hostRoot, mount.mountpoint);
    this.pending.add(mount.mountpoint);
    const call = this.statfs(target).finally(() => this.pending.delete(mount.mountpoint));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.timeoutMs);
      timer.unref();
    });
    try {
      const result = await Promise.race([call, timeout]);
      if (result === 'timeout') {
        if (this.once.first(`timeout:${mount.mountpoint}`)) this.logger.warn('statfs timed out; skipping the mount until it answers', { mountpoint: mount.mountpoint });
        call.catch(() => undefined);
        return undefined;
      }
      return result;
    } catch (error) {
      if (this.once.first(`error:${mount.mountpoint}`)) {
        this.logger.debug('statfs failed', { mountpoint: mount.mountpoint, error: (error as NodeJS.ErrnoException).code ?? String(error) });
      }
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }
}
