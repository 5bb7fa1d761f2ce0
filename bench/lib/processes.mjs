// Helpers shared by benchmarks: start the real collector binary and read process CPU and memory.
import { spawn } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CLOCK_TICKS = 100; // USER_HZ on Linux

/** Starts `vigil-collector` with the given flags; resolves once it printed its addresses. */
export function startCollector(args, { env = {} } = {}) {
  // BENCH_COLLECTOR_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the collector under load.
  const nodeArgs = (process.env.BENCH_COLLECTOR_NODE_ARGS ?? '').split(' ').filter(Boolean);
  // BENCH_COLLECTOR_ROOT=/path/to/another/checkout runs that build's collector (A/B comparisons).
  // Run the bin itself (not `node bin`), so its shebang's V8 flags apply as they do for users.
  const bin = join(process.env.BENCH_COLLECTOR_ROOT ?? root, 'collector/bin/vigil-collector.js');
  const child = spawn(nodeArgs.length ? process.execPath : bin, nodeArgs.length ? [...nodeArgs, ...shebangFlags(bin), bin, ...args] : args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  // BENCH_COLLECTOR_LOG=/tmp/file keeps the collector's output (e.g. with --trace-gc in BENCH_COLLECTOR_NODE_ARGS).
  if (process.env.BENCH_COLLECTOR_LOG) {
    const log = createWriteStream(process.env.BENCH_COLLECTOR_LOG);
    child.stdout.pipe(log);
    child.stderr.pipe(log);
  }
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`collector did not start: ${stderr}`)), 30_000);
    createInterface({ input: child.stdout }).on('line', (line) => {
      const grpc = /grpc=(\S+)/.exec(line)?.[1];
      const http = /http=(\S+)/.exec(line)?.[1];
      if (grpc && http) {
        clearTimeout(timer);
        resolve({ child, grpc, http });
      }
    });
    child.on('exit', (code) => reject(new Error(`collector exited with ${code}: ${stderr}`)));
  });
}

/** The V8 flags of a `#!/usr/bin/env -S node <flags>` line, so a profiled run keeps them. */
function shebangFlags(bin) {
  const first = readFileSync(bin, 'utf8').split('\n', 1)[0];
  return /^#!.*\bnode\s+(.*)$/.exec(first)?.[1].split(' ').filter(Boolean) ?? [];
}

/** CPU seconds (own + reaped children) and resident memory of a process, from /proc. */
export function processUsage(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const [utime, stime, cutime, cstime] = [fields[11], fields[12], fields[13], fields[14]].map(Number);
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { cpuSeconds: (utime + stime + cutime + cstime) / CLOCK_TICKS, rssBytes: kb('VmRSS') * 1024, hwmBytes: kb('VmHWM') * 1024 };
}

/**
 * Counts the collector's "ending agent stream" log lines by cause (the text in its message), with
 * the time of the first and last one, so a phase can say why streams ended. `take()` returns the
 * tally since the previous call and starts a new one.
 */
export function tallyStreamEnds(child) {
  let tally = { causes: {}, firstMs: undefined, lastMs: undefined };
  createInterface({ input: child.stdout }).on('line', (line) => {
    const m = /ending agent stream from \S+: (.*)$/.exec(line);
    if (!m) return;
    const cause = /storage overloaded \((\w+)\)/.exec(m[1])?.[1] ?? (m[1].startsWith('collector busy') ? 'inflight_full' : m[1].replace(/\d+/g, 'N').slice(0, 60));
    tally.causes[cause] = (tally.causes[cause] ?? 0) + 1;
    tally.firstMs ??= performance.now();
    tally.lastMs = performance.now();
  });
  return {
    take() {
      const t = tally;
      tally = { causes: {}, firstMs: undefined, lastMs: undefined };
      return t;
    },
  };
}

export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export const fmt = (n, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
