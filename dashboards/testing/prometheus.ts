// Test helpers around the real Prometheus tools: install Debian packages on demand (`prometheus` and
// others), run promtool, start a Prometheus server on loopback and query its HTTP API.
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, sleep, VigilProcess } from '../../e2e/support/vigil-processes.js';

export { REPO_ROOT };

export type ToolStatus = { available: true } | { available: false; reason: string };

const toolStatus = new Map<string, ToolStatus>();

/** Longest an install of a package may take (apt-get update + download on a fresh machine). */
export const INSTALL_TIMEOUT_MS = 300_000;

const hasCommand = (command: string) => spawnSync('sh', ['-c', `command -v ${command}`]).status === 0;

/**
 * Installs Debian package `pkg` (scripts/ensure-debian-package.sh) when one of `commands` is missing.
 * Never throws. On a developer machine where it cannot be installed (no apt, no root), specs skip
 * with the reason; under CI=true they fail instead (see requireDebianPackage): CI runs as root on
 * Debian, so a failed install there is a broken setup, not a reason to prove less.
 */
export function ensureDebianPackage(pkg: string, commands: readonly string[]): ToolStatus {
  const key = `${pkg}:${commands.join(',')}`;
  const known = toolStatus.get(key);
  if (known) return known;
  let status: ToolStatus = { available: true };
  if (!commands.every(hasCommand)) {
    const result = spawnSync('bash', [join(REPO_ROOT, 'scripts/ensure-debian-package.sh'), pkg], { encoding: 'utf8', timeout: INSTALL_TIMEOUT_MS });
    if (!commands.every(hasCommand)) {
      const detail = (result.stderr || result.error?.message || `exit ${result.status}`).trim();
      status = { available: false, reason: `the Debian package "${pkg}" (${commands.join(', ')}) could not be installed: ${detail}` };
    }
  }
  toolStatus.set(key, status);
  return status;
}

/**
 * ensureDebianPackage for a spec's setup: prints why the spec will skip, and throws under CI=true,
 * where a missing tool must fail the run loudly rather than skip the proof.
 */
export function requireDebianPackage(spec: string, pkg: string, commands: readonly string[]): ToolStatus {
  const status = ensureDebianPackage(pkg, commands);
  if (!status.available) {
    if (process.env.CI) throw new Error(`${spec}: CI=true and ${status.reason}`);
    console.warn(`SKIPPED ${spec}: ${status.reason}`);
  }
  return status;
}

/** promtool and prometheus, from Debian's `prometheus` package. */
export function requirePrometheusTools(spec: string): ToolStatus {
  return requireDebianPackage(spec, 'prometheus', ['promtool', 'prometheus']);
}

export interface RunResult {
  status: number | null;
  output: string;
}

/** Runs promtool; `input` goes to its standard input (`promtool check metrics` reads it there). */
export function promtool(args: string[], cwd = REPO_ROOT, input?: string): RunResult {
  const result = spawnSync('promtool', args, { cwd, encoding: 'utf8', timeout: 60_000, input });
  return { status: result.status, output: `${result.stdout}${result.stderr}${result.error ? String(result.error) : ''}` };
}

/** A port free right now on 127.0.0.1 (for programs that cannot bind port 0 and report it). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

export interface RunningPrometheus {
  url: string;
  /** Everything the server printed, for failure messages. */
  log(): string;
  stop(): Promise<void>;
}

export interface PrometheusOptions {
  /** More flags, e.g. --web.enable-remote-write-receiver. */
  args?: string[];
  /** Listen on this port (a restart on the same address) instead of a free one. */
  port?: number;
  /** TSDB directory (a restart on the same data) instead of dir/tsdb-<attempt>. */
  tsdbPath?: string;
}

/**
 * Starts Prometheus on 127.0.0.1 with `configYaml` (written to dir/prometheus.yml; rule_files paths
 * may be absolute) and waits until it is ready. Retries on a port taken between picking and binding.
 */
export async function startPrometheus(dir: string, configYaml: string, timeoutMs = 20_000, options: PrometheusOptions = {}): Promise<RunningPrometheus> {
  const configFile = join(dir, 'prometheus.yml');
  writeFileSync(configFile, configYaml);
  let lastError: Error | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = options.port ?? (await freePort());
    const prometheus = new VigilProcess('prometheus', spawn(
      'prometheus',
      [
        `--config.file=${configFile}`,
        `--web.listen-address=127.0.0.1:${port}`,
        `--storage.tsdb.path=${options.tsdbPath ?? join(dir, `tsdb-${attempt}`)}`,
        '--storage.tsdb.retention.time=1h',
        '--log.level=warn',
        ...(options.args ?? []),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    ));
    const url = `http://127.0.0.1:${port}`;
    const running: RunningPrometheus = { url, log: () => prometheus.output, stop: async () => void (await prometheus.stop('SIGTERM', 5_000)) };
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && prometheus.running) {
      try {
        const response = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1_000) });
        if (response.ok) return running;
      } catch {
        // not listening yet
      }
      await sleep(100);
    }
    await running.stop();
    const output = prometheus.output;
    lastError = new Error(`prometheus did not become ready on ${url}: ${output.trim().slice(-2_000)}`);
    if (!/address already in use/.test(output) || options.port !== undefined) break;
  }
  throw lastError ?? new Error('prometheus did not start');
}

export interface PromSeries {
  metric: Record<string, string>;
  /** Instant: one [time, "value"]; range: many. */
  values: [number, string][];
}

export interface QueryOutcome {
  ok: boolean;
  error?: string;
  series: PromSeries[];
}

async function api(url: string, path: string, params: Record<string, string>): Promise<QueryOutcome> {
  const response = await fetch(`${url}${path}`, {
    method: 'POST',
    body: new URLSearchParams(params),
    signal: AbortSignal.timeout(10_000),
  });
  const body = (await response.json()) as {
    status: string;
    error?: string;
    data?: { resultType: string; result: { metric: Record<string, string>; value?: [number, string]; values?: [number, string][] }[] | [number, string] };
  };
  if (body.status !== 'success' || !body.data) return { ok: false, error: body.error ?? `HTTP ${response.status}`, series: [] };
  const { resultType, result } = body.data;
  if (resultType === 'scalar') return { ok: true, series: [{ metric: {}, values: [result as [number, string]] }] };
  const vector = result as { metric: Record<string, string>; value?: [number, string]; values?: [number, string][] }[];
  return { ok: true, series: vector.map((s) => ({ metric: s.metric, values: s.values ?? (s.value ? [s.value] : []) })) };
}

export function queryInstant(url: string, expr: string, timeSeconds?: number): Promise<QueryOutcome> {
  return api(url, '/api/v1/query', { query: expr, ...(timeSeconds === undefined ? {} : { time: String(timeSeconds) }) });
}

export function queryRange(url: string, expr: string, startSeconds: number, endSeconds: number, stepSeconds: number): Promise<QueryOutcome> {
  return api(url, '/api/v1/query_range', { query: expr, start: String(startSeconds), end: String(endSeconds), step: String(stepSeconds) });
}

/** Label values Prometheus knows, e.g. every `host` of a metric. */
export async function labelValues(url: string, label: string, match: string): Promise<string[]> {
  const response = await fetch(`${url}/api/v1/label/${encodeURIComponent(label)}/values?${new URLSearchParams({ 'match[]': match })}`, { signal: AbortSignal.timeout(10_000) });
  const body = (await response.json()) as { status: string; data?: string[] };
  return body.status === 'success' ? (body.data ?? []) : [];
}

/** True when at least one returned sample is a finite number (NaN and ±Inf panels show nothing useful). */
export function hasFiniteSample(outcome: QueryOutcome): boolean {
  return outcome.series.some((s) => s.values.some(([, v]) => Number.isFinite(Number(v))));
}
