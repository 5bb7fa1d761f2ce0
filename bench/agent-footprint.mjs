#!/usr/bin/env node
// Footprint of the real vigil-agent process (sampling and delivering to a real vigil-collector) next to Debian's
// prometheus-node-exporter scraped over HTTP at the same interval: CPU seconds (own + reaped children, so a
// spawned helper is not free) and resident memory, read from /proc/<pid>/stat and /proc/<pid>/status. Prints
// figures and ratios; not a test. The issue asks for 10 minutes at a 10 s interval, which is the default. The agent
// runs two probes (HTTP and TCP, of the collector) besides its host sampling.
//
//   node bench/agent-footprint.mjs [--duration 10m] [--interval 10s] [--fast-duration 1m] [--scrape 15s]
//   BENCH_QUICK=1 node bench/agent-footprint.mjs          # 1 minute main run, 20 s fast run
//   env: BENCH_AGENT_DURATION, BENCH_AGENT_INTERVAL, BENCH_AGENT_FAST_DURATION, BENCH_AGENT_SCRAPE (same syntax)
// With --scrape INTERVAL the main run compares two agents: a plain one, and one that also scrapes node_exporter
// (defaults) itself at that interval (`scrape:` in its config); the difference is what scraping costs.
// The fast run samples every second, the rate at which a naive systeminformation agent burned a third of a core.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { formatDuration, parseDuration } from '@vigil/proto';
import { fmt, processUsage, root, startCollector } from './lib/processes.mjs';

const TOKEN = 'bench-agent-token';
const WARMUP_MS = 5000;
const RSS_EVERY_MS = 2000;
const MiB = 2 ** 20;
// The node_exporter collectors that cover what the agent reports, for a like-for-like comparison beside the defaults.
const EQUIVALENT_COLLECTORS = ['--collector.disable-defaults', '--collector.cpu', '--collector.stat', '--collector.loadavg', '--collector.meminfo', '--collector.filesystem', '--collector.diskstats', '--collector.netdev', '--collector.time'];

function options() {
  const quick = ['1', 'true'].includes(process.env.BENCH_QUICK ?? '');
  const { values } = parseArgs({
    options: { duration: { type: 'string' }, interval: { type: 'string' }, 'fast-duration': { type: 'string' }, scrape: { type: 'string' } },
    strict: true,
  });
  const ms = (flag, env, fallback) => {
    const text = values[flag] ?? process.env[env] ?? fallback;
    const parsed = text === '0' ? 0 : parseDuration(text);
    if (parsed === undefined) throw new Error(`--${flag}: "${text}" is not a duration (e.g. 10m, 90s)`);
    return parsed;
  };
  return {
    durationMs: ms('duration', 'BENCH_AGENT_DURATION', quick ? '1m' : '10m'),
    intervalMs: ms('interval', 'BENCH_AGENT_INTERVAL', '10s'),
    fastDurationMs: ms('fast-duration', 'BENCH_AGENT_FAST_DURATION', quick ? '20s' : '1m'),
    scrapeMs: ms('scrape', 'BENCH_AGENT_SCRAPE', '0'),
  };
}

function nodeExporterBinary() {
  const bin = '/usr/bin/prometheus-node-exporter';
  if (!existsSync(bin)) {
    try {
      execFileSync('bash', [path.join(root, 'scripts/ensure-debian-package.sh'), 'prometheus-node-exporter'], { stdio: 'inherit' });
    } catch {
      return undefined;
    }
  }
  return existsSync(bin) ? bin : undefined;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Children still running when the benchmark is interrupted are stopped with it.
const children = new Set();
function track(child) {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    for (const child of children) child.kill('SIGTERM');
    process.exit(130);
  });
}

function exited(child) {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve(child.exitCode) : new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

async function getJson(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`GET ${url}: ${response.status}`);
  return response.json();
}

/** Points the collector stored for the agent's CPU series: proof that the measured agent did its whole job. */
async function storedCpuPoints(http, fromMs) {
  const [series] = await getJson(`http://${http}/api/series?metric=vigil_cpu_utilization_ratio`);
  if (!series) return 0;
  const { points } = await getJson(`http://${http}/api/query?series=${series.id}&from=${fromMs}&to=${Date.now() + 60_000}`);
  return points.length;
}

/** Series the scraping agent delivered from node_exporter, and its vigil_scrape_up history. */
async function scrapedSeries(http) {
  const series = await getJson(`http://${http}/api/series?scrape_target=node&limit=100000`);
  const [up] = await getJson(`http://${http}/api/series?metric=vigil_scrape_up&target=node`);
  const { points } = up ? await getJson(`http://${http}/api/query?series=${up.id}&from=0&to=${Date.now() + 60_000}`) : { points: [] };
  return { series: series.length, upPoints: points.length, lastUp: points.at(-1)?.[1] };
}

/** Runs the agent and node_exporter side by side for `durationMs` at `intervalMs`; prints a table and ratios. */
async function run(label, durationMs, intervalMs, exporterBin, scrapeMs = 0) {
  if (scrapeMs > 0 && !exporterBin) throw new Error('--scrape needs prometheus-node-exporter');
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'vigil-bench-agent-'));
  const collector = await startCollector(['--db', path.join(tmp, 'vigil.db'), '--grpc-listen', '127.0.0.1:0', '--http-listen', '127.0.0.1:0', '--agent-token', TOKEN]);
  track(collector.child);
  const procs = [];
  const startedAt = Date.now();
  // The bin itself (as `npx vigil-agent` runs it), so its shebang's V8 flags apply. With probes running: an HTTP
  // probe of the collector's /healthz and a TCP probe of its gRPC port, at the sampling interval.
  const agentConfig = path.join(tmp, 'agent.yaml');
  writeFileSync(agentConfig, JSON.stringify({
    collector: collector.grpc, token: TOKEN, interval: formatDuration(intervalMs), spool_dir: path.join(tmp, 'spool'), log_level: 'warn',
    probes: [
      { name: 'collector-health', type: 'http', url: `http://${collector.http}/healthz`, interval: formatDuration(Math.max(intervalMs, 1000)) },
      { name: 'collector-grpc', type: 'tcp', target: collector.grpc, interval: formatDuration(Math.max(intervalMs, 1000)) },
    ],
  }));
  const agent = track(spawn(path.join(root, 'agent/bin/vigil-agent.js'), ['--config', agentConfig], { stdio: ['ignore', 'ignore', 'inherit'] }));
  procs.push({ name: 'vigil-agent', child: agent });
  const scrapers = [];
  if (scrapeMs > 0) {
    // node_exporter scraped by a second agent, not by the benchmark.
    const port = await freePort();
    const exporter = track(spawn(exporterBin, [`--web.listen-address=127.0.0.1:${port}`], { stdio: 'ignore' }));
    const config = path.join(tmp, 'agent-scrape.yaml');
    // JSON is YAML.
    writeFileSync(config, JSON.stringify({
      collector: collector.grpc, token: TOKEN, id: 'bench-scrape', interval: formatDuration(intervalMs), spool_dir: path.join(tmp, 'spool-scrape'), log_level: 'warn',
      scrape: [{ name: 'node', url: `http://127.0.0.1:${port}/metrics`, interval: formatDuration(scrapeMs) }],
    }));
    const scraping = track(spawn(path.join(root, 'agent/bin/vigil-agent.js'), ['--config', config], { stdio: ['ignore', 'ignore', 'inherit'] }));
    procs.push({ name: `vigil-agent + scrape node_exporter/${formatDuration(scrapeMs)}`, child: scraping }, { name: 'node_exporter (defaults, scraped by the agent)', child: exporter });
  } else if (exporterBin) {
    for (const [name, extra] of [['node_exporter (defaults)', []], ['node_exporter (equivalent collectors)', EQUIVALENT_COLLECTORS]]) {
      const port = await freePort();
      const child = track(spawn(exporterBin, [`--web.listen-address=127.0.0.1:${port}`, ...extra], { stdio: 'ignore' }));
      const entry = { name, child, port, scrapes: 0, failures: 0, series: 0 };
      procs.push(entry);
      scrapers.push(entry);
    }
  }
  const scrape = async (entry) => {
    try {
      const text = await (await fetch(`http://127.0.0.1:${entry.port}/metrics`)).text();
      entry.scrapes++;
      entry.series = text.split('\n').filter((line) => line && !line.startsWith('#')).length;
    } catch {
      entry.failures++;
    }
  };
  // Scrape on the same wall-clock-aligned instants at which the agent samples.
  let stopping = false;
  const scrapeLoop = (async () => {
    while (!stopping) {
      await sleep(intervalMs - (Date.now() % intervalMs));
      if (!stopping) await Promise.all(scrapers.map(scrape));
    }
  })();

  await sleep(WARMUP_MS);
  const before = new Map(procs.map((p) => [p.name, processUsage(p.child.pid)]));
  const rss = new Map(procs.map((p) => [p.name, []]));
  const t0 = Date.now();
  while (Date.now() - t0 < durationMs) {
    await sleep(Math.min(RSS_EVERY_MS, durationMs - (Date.now() - t0)));
    for (const p of procs) rss.get(p.name).push(processUsage(p.child.pid).rssBytes);
  }
  const elapsedS = (Date.now() - t0) / 1000;
  const rows = procs.map((p) => {
    const now = processUsage(p.child.pid);
    const cpu = now.cpuSeconds - before.get(p.name).cpuSeconds;
    const samples = rss.get(p.name);
    return {
      name: p.name,
      cpuSeconds: cpu,
      cpuPercent: (cpu / elapsedS) * 100,
      rssAvgMiB: samples.reduce((a, b) => a + b, 0) / samples.length / MiB,
      rssMaxMiB: Math.max(...samples) / MiB,
      hwmMiB: now.hwmBytes / MiB,
    };
  });
  const collectorCpu = processUsage(collector.child.pid).cpuSeconds;

  stopping = true;
  const agentCode = exited(agent);
  agent.kill('SIGTERM');
  const code = await agentCode;
  // After the agent's flush on SIGTERM, everything it sampled is stored.
  const points = await storedCpuPoints(collector.http, startedAt - intervalMs);
  const scraped = scrapeMs > 0 ? await scrapedSeries(collector.http) : undefined;
  for (const p of procs.slice(1)) p.child.kill('SIGTERM');
  await Promise.all(procs.slice(1).map((p) => exited(p.child)));
  await scrapeLoop;
  const collectorExit = exited(collector.child);
  collector.child.kill('SIGTERM');
  await collectorExit;
  rmSync(tmp, { recursive: true, force: true });

  const expectedTicks = Math.floor((Date.now() - startedAt) / intervalMs);
  console.log(`\n## ${label}: interval ${formatDuration(intervalMs)}, measured ${elapsedS.toFixed(0)} s after a ${WARMUP_MS / 1000} s warm-up`);
  console.log(`vigil-agent: exit code ${code} after SIGTERM; the collector stored ${points} points of vigil_cpu_utilization_ratio (about ${expectedTicks} ticks ran); collector used ${collectorCpu.toFixed(2)} CPU s`);
  for (const s of scrapers) console.log(`${s.name}: ${s.scrapes} scrapes (${s.failures} failed), ${s.series} samples per scrape`);
  if (scraped) console.log(`scraping agent: the collector holds ${scraped.series} series with scrape_target="node"; vigil_scrape_up stored ${scraped.upPoints} points, last value ${scraped.lastUp}`);
  const header = ['process', 'CPU s', 'CPU %', 'RSS avg MiB', 'RSS max MiB', 'VmHWM MiB'];
  const table = rows.map((r) => [r.name, r.cpuSeconds.toFixed(2), r.cpuPercent.toFixed(3), r.rssAvgMiB.toFixed(1), r.rssMaxMiB.toFixed(1), r.hwmMiB.toFixed(1)]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
  const line = (cells) => '| ' + cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ') + ' |';
  console.log(line(header));
  console.log('|' + widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : '-'.repeat(w + 1) + ':')).join('|') + '|');
  for (const row of table) console.log(line(row));
  if (scrapeMs > 0) {
    const [plain, scraping] = rows;
    console.log(`scraping cost: CPU +${(scraping.cpuSeconds - plain.cpuSeconds).toFixed(2)} s (+${(scraping.cpuPercent - plain.cpuPercent).toFixed(3)} % of a core), RSS avg +${(scraping.rssAvgMiB - plain.rssAvgMiB).toFixed(1)} MiB`);
    return;
  }
  const [agentRow, ...others] = rows;
  const ratio = (a, b) => (b > 0 ? fmt(a / b, 2) : 'n/a');
  for (const other of others) {
    console.log(`ratio vigil-agent / ${other.name}: CPU ${ratio(agentRow.cpuSeconds, other.cpuSeconds)}, RSS ${ratio(agentRow.rssAvgMiB, other.rssAvgMiB)}`);
  }
  // Issue 14's goals: at most half node_exporter's CPU, at most 48 MiB peak RSS; each printed as figure / goal.
  const cpuRatio = others.length > 0 && others[0].cpuSeconds > 0 ? agentRow.cpuSeconds / others[0].cpuSeconds : undefined;
  // VmHWM is updated lazily by the kernel; a sampled VmRSS can exceed it.
  const peakMiB = Math.max(agentRow.hwmMiB, agentRow.rssMaxMiB);
  const verdict = (met) => (met ? 'met' : 'NOT met');
  console.log(
    `targets: CPU ${cpuRatio === undefined ? 'not measured' : `${fmt(cpuRatio, 2)} x node_exporter (defaults), goal <= 0.5 (${fmt(cpuRatio / 0.5, 2)}x the goal): ${verdict(cpuRatio <= 0.5)}`}; ` +
      `peak RSS ${peakMiB.toFixed(1)} MiB, goal <= 48 MiB (${fmt(peakMiB / 48, 2)}x the goal): ${verdict(peakMiB <= 48)}`,
  );
}

if (process.platform !== 'linux') {
  console.error('agent-footprint reads /proc: run it on Linux');
  process.exit(1);
}
const { durationMs, intervalMs, fastDurationMs, scrapeMs } = options();
const exporter = nodeExporterBinary();
if (!exporter) console.log('prometheus-node-exporter is not available here: measuring the agent alone');
console.log(`host: ${os.cpus().length} x ${os.cpus()[0]?.model.trim()}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, Linux ${os.release()}, Node ${process.versions.node}`);
await run(scrapeMs > 0 ? 'scrape run' : 'main run', durationMs, intervalMs, exporter, scrapeMs);
if (fastDurationMs > 0 && scrapeMs === 0) await run('fast run', fastDurationMs, 1000, exporter);
