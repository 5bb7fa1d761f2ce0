// Process probe: counts processes by exact name (comm) or command-line regex by reading
// <host_root>/proc directly: no process is spawned and every read is async, a few at a time.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { COMM_LENGTH, type ProcessProbeConfig } from './probe.config.types.js';
import { ProbeFailure, type ProbeCheck } from './probe.types.js';

export interface ProcessEntry {
  pid: number;
  /** Short name (Linux: /proc/<pid>/comm, at most 15 characters). */
  comm?: string;
  /** Arguments joined by spaces; empty for kernel threads. */
  cmdline?: string;
}

/** Parallel reads per batch: enough to hide latency, few enough not to hog libuv's thread pool. */
const READ_BATCH = 32;

async function readProcFile(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined; // the process exited between readdir and read, or is not ours to read
  }
}

/**
 * Lists processes from `<hostRoot>/proc`, reading only the files the caller needs. On other
 * platforms (no procfs) it falls back to systeminformation, which asks the OS (ps on macOS).
 */
export async function listProcesses(
  hostRoot: string,
  need: { comm: boolean; cmdline: boolean },
  signal: { readonly aborted: boolean },
  platform: NodeJS.Platform = process.platform,
): Promise<ProcessEntry[]> {
  if (platform !== 'linux') {
    const si = await import('systeminformation');
    const { list } = await si.processes();
    return list.map((p) => ({ pid: p.pid, comm: p.name, cmdline: [p.command, p.params].filter(Boolean).join(' ') }));
  }
  const procDir = join(hostRoot, 'proc');
  let names: string[];
  try {
    names = await readdir(procDir);
  } catch (err) {
    throw new ProbeFailure('proc_unreadable', `cannot list ${procDir}: ${(err as Error).message}`);
  }
  const pids = names.filter((name) => /^\d+$/.test(name));
  const entries: ProcessEntry[] = [];
  for (let start = 0; start < pids.length; start += READ_BATCH) {
    if (signal.aborted) throw new ProbeFailure('timeout', `aborted after reading ${start} of ${pids.length} processes`);
    const batch = await Promise.all(
      pids.slice(start, start + READ_BATCH).map(async (pid): Promise<ProcessEntry | undefined> => {
        const dir = join(procDir, pid);
        const [comm, cmdline] = await Promise.all([
          need.comm ? readProcFile(join(dir, 'comm')) : undefined,
          need.cmdline ? readProcFile(join(dir, 'cmdline')) : undefined,
        ]);
        if ((need.comm && comm === undefined) || (need.cmdline && cmdline === undefined)) return undefined;
        return {
          pid: Number(pid),
          comm: comm?.replace(/\n$/, ''),
          // Arguments are NUL-separated (and NUL-terminated).
          cmdline: cmdline?.replace(/\0+$/, '').replace(/\0/g, ' '),
        };
      }),
    );
    for (const entry of batch) if (entry) entries.push(entry);
  }
  return entries;
}

/** Builds the matcher for a process probe: exact comm, or regex on a non-empty command line. */
export function processMatcher(config: Pick<ProcessProbeConfig, 'processName' | 'cmdline'>): (entry: ProcessEntry) => boolean {
  if (config.processName !== undefined) {
    // The kernel truncates comm, so a longer configured name is compared on its first 15 characters.
    const name = config.processName.slice(0, COMM_LENGTH);
    return (entry) => entry.comm === name || (entry.comm !== undefined && entry.comm.length > COMM_LENGTH && entry.comm === config.processName);
  }
  const re = new RegExp(config.cmdline!);
  // Kernel threads have an empty command line; they would match any permissive pattern.
  return (entry) => entry.cmdline !== undefined && entry.cmdline !== '' && re.test(entry.cmdline);
}

export function processCheck(config: ProcessProbeConfig): ProbeCheck {
  const matches = processMatcher(config);
  const need = { comm: config.processName !== undefined, cmdline: config.cmdline !== undefined };
  return async (ctx) => {
    const entries = await listProcesses(ctx.hostRoot, need, ctx.signal);
    const count = entries.filter(matches).length;
    ctx.facts.processCount = count;
    if (count < config.minCount) {
      throw new ProbeFailure('process_count', `${count} process(es) matching ${config.target}, expected at least ${config.minCount}`);
    }
  };
}
