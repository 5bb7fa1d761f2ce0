// Starts the real `vigil-collector` and `vigil-agent` binaries as child processes for end-to-end
// tests. The bins load dist/: `npm install` (prepare) or `npx tsc --build` compiles it first.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const COLLECTOR_BIN = path.join(REPO_ROOT, 'collector/bin/vigil-collector.js');
export const AGENT_BIN = path.join(REPO_ROOT, 'agent/bin/vigil-agent.js');

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A child process with its whole stdout+stderr kept (tests parse it) and its exit awaited. */
export class VigilProcess {
  output = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(readonly name: string, readonly child: ChildProcess) {
    const append = (chunk: Buffer) => (this.output += chunk.toString());
    child.stdout?.on('data', append);
    child.stderr?.on('data', append);
    this.exited = once(child, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }));
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Sends `signal` and waits for the exit; SIGKILL after `graceMs`. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 15_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (!this.running) return this.exited;
    this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  tail(chars = 4_000): string {
    return `--- ${this.name} ---\n${this.output.slice(-chars)}`;
  }
}

/** Starts `node bin args…`; `env` is added to this process's environment. */
export function spawnNode(name: string, bin: string, args: string[], env: NodeJS.ProcessEnv = {}): VigilProcess {
  return new VigilProcess(name, spawn(process.execPath, [bin, ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } }));
}

/** Polls `check` until it returns a value other than undefined; throws with `what` on timeout. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000, intervalMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

export interface RunningCollectorProcess extends VigilProcess {
  grpc: string;
  http: string;
}

/** Starts the collector binary; resolves when it printed `grpc=HOST:PORT http=HOST:PORT`. */
export async function startCollectorProcess(args: string[], name = 'collector', env: NodeJS.ProcessEnv = {}): Promise<RunningCollectorProcess> {
  const proc = spawnNode(name, COLLECTOR_BIN, args, env);
  const match = await waitFor(`${name} to report its ports`, () => {
    if (!proc.running) throw new Error(`${name} exited before it was ready\n${proc.tail()}`);
    return /grpc=(\S+:\d+)\s+http=(\S+:\d+)/.exec(proc.output) ?? undefined;
  });
  return Object.assign(proc, { grpc: match[1]!, http: match[2]! });
}

/** GET on the collector's HTTP API, parsed as JSON; throws on a non-2xx status. */
export async function getJson<T>(http: string, pathAndQuery: string, token?: string): Promise<T> {
  const response = await fetch(`http://${http}${pathAndQuery}`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
    signal: AbortSignal.timeout(10_000),
  });
  if (!response.ok) throw new Error(`GET ${pathAndQuery}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/** Batches an agent wrote to its spool, by seq, from its debug log ("spooled batch seq=N samples=M"). */
export function spooledBatches(agent: VigilProcess): Map<number, number> {
  const out = new Map<number, number>();
  for (const m of agent.output.matchAll(/spooled batch seq=(\d+) samples=(\d+)/g)) {
    const seq = Number(m[1]);
    if (out.has(seq)) throw new Error(`${agent.name} logged seq ${seq} twice`);
    out.set(seq, Number(m[2]));
  }
  return out;
}

/** Every point a collector stored for an agent, as "metric{labels}@timestamp", from its query API. */
export async function storedPoints(http: string, agentId: string): Promise<string[]> {
  const series = await getJson<{ id: number; metric: string; labels: Record<string, string> }[]>(http, `/api/series?agent=${agentId}&limit=100000`);
  const out: string[] = [];
  for (const s of series) {
    const { points } = await getJson<{ points: [number, number][] }>(http, `/api/query?series=${s.id}`);
    for (const [ts] of points) out.push(`${s.metric}${JSON.stringify(s.labels)}@${ts}`);
  }
  return out;
}

/** Compiles the workspace (incremental, fast when up to date) and bundles the agent: the bins load dist/. */
export function compileWorkspace(): void {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '--build', path.join(REPO_ROOT, 'tsconfig.json')], { stdio: 'pipe' });
  execFileSync(process.execPath, [path.join(REPO_ROOT, 'agent/scripts/bundle.mjs')], { stdio: 'pipe' });
}

/** An HTTP server on 127.0.0.1 for probes to measure: 200 "ok", or 503 "down" while `failing`. */
export interface ProbeTarget {
  failing: boolean;
  readonly port: number;
  close(): Promise<void>;
}

export async function startProbeTarget(): Promise<ProbeTarget> {
  const state = { failing: false };
  const server: Server = createServer((_req, res) => {
    res.statusCode = state.failing ? 503 : 200;
    res.end(state.failing ? 'down' : 'ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    get failing() {
      return state.failing;
    },
    set failing(value: boolean) {
      state.failing = value;
    },
    port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
