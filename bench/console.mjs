// Console benchmark in Debian's chromium (playwright-core). Run after `npm run build`:
//   node bench/console.mjs
//  1. First load: bytes on the wire (compressed) of the console's HTML, JS and CSS.
//  2. Overview with BENCH_SERVICES (1,000) services and BENCH_AGENTS (10,000) agents on loopback:
//     time until the service rows are on screen and the page answers input, rows in the DOM
//     (virtualised), and scrolling frame times; the hosts page with every agent likewise.
//  3. Feed latency: a probed server starts failing; from the collector's decision (the `at` of the
//     service message) to the row showing "down" on the open page, over BENCH_FLIPS services.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { stringify } from 'yaml';
import { fmt, percentile, root, startCollector } from './lib/processes.mjs';

const SERVICES = Number(process.env.BENCH_SERVICES ?? 1000);
const AGENTS = Number(process.env.BENCH_AGENTS ?? 10_000);
const FLIPS = Number(process.env.BENCH_FLIPS ?? 10);
const CHROMIUM = '/usr/bin/chromium';
const AGENT_TOKEN = 'bench-console-agent-token';
const dist = new URL('../collector/dist/', import.meta.url);

if (!existsSync(CHROMIUM)) {
  console.log(`SKIPPED bench/console.mjs: ${CHROMIUM} is missing (scripts/ensure-debian-package.sh chromium installs it)`);
  process.exit(process.env.CI === 'true' ? 1 : 0);
}

const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-console-'));
const cleanup = [];
try {
  // Probe targets: one server per flipped service, each failing on demand.
  const failing = new Set();
  const server = createServer((req, res) => {
    const down = failing.has(req.url.slice(1));
    res.statusCode = down ? 503 : 200;
    res.end(down ? 'down' : 'ok');
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  cleanup.push(() => server.close());
  const port = server.address().port;

  // The agent registry holds AGENTS agents (stored as seen before; one real agent connects).
  const { SqliteDatabase } = await import(new URL('database/sqlite-database.js', dist));
  const { migrate } = await import(new URL('database/migrations.js', dist));
  const { allMigrations } = await import(new URL('all-migrations.js', dist));
  const { AgentsRepository } = await import(new URL('agents/agents.repository.js', dist));
  const dbPath = join(dir, 'vigil.db');
  const db = await SqliteDatabase.open({ path: dbPath, durability: 'normal' });
  await migrate(db, allMigrations);
  const agents = new AgentsRepository(db);
  const now = Date.now();
  // upsert runs its own transaction (queued: they cannot nest), so the rows are written one commit each.
  await Promise.all(
    Array.from({ length: AGENTS - 1 }, (_, i) =>
      agents.upsert({ id: `agent-${i}`, hostname: `host-${String(i).padStart(5, '0')}`, version: '0.1.0', labels: { dc: `dc${i % 4}`, role: i % 3 ? 'web' : 'db' }, inventory: {}, intervalMs: 10_000, firstSeenMs: now - 86_400_000, lastSeenMs: now - (i % 7) * 60_000, spoolPending: 0, spoolDropped: 0 }),
    ),
  );
  await db.close();

  const services = Array.from({ length: SERVICES }, (_, i) => ({ id: `svc-${i}`, name: `Service ${String(i).padStart(4, '0')}`, probes: [`probe-${i}`], sla: { availability: 99.9, windows: ['1h', '7d'], timezone: 'UTC' } }));
  const config = join(dir, 'collector.yaml');
  writeFileSync(config, stringify({ storage: { path: dbPath }, listen: { grpc: '127.0.0.1:0', http: '127.0.0.1:0' }, auth: { agent_tokens: [AGENT_TOKEN] }, services }));
  const collector = await startCollector(['--config', config]);
  cleanup.push(() => collector.child.kill('SIGTERM'));
  const base = `http://${collector.http}`;

  const agentConfig = join(dir, 'agent.yaml');
  writeFileSync(
    agentConfig,
    stringify({
      collector: collector.grpc,
      token: AGENT_TOKEN,
      id: 'bench-console-agent',
      interval: '10s',
      spool_dir: join(dir, 'spool'),
      batch: { max_age: '100ms' },
      probes: Array.from({ length: FLIPS }, (_, i) => ({ name: `probe-${i}`, type: 'http', url: `http://127.0.0.1:${port}/probe-${i}`, interval: '1s', timeout: '500ms', expect_status: [200] })),
    }),
  );
  const agent = spawn(process.execPath, [join(root, 'agent/bin/vigil-agent.js'), '--config', agentConfig], { stdio: 'ignore' });
  cleanup.push(() => agent.kill('SIGTERM'));

  const profile = mkdtempSync(join(tmpdir(), 'vigil-bench-chromium-'));
  cleanup.push(() => rmSync(profile, { recursive: true, force: true }));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  cleanup.unshift(() => context.close());

  // 1. First load, cold cache.
  const page = await context.newPage();
  const transfers = [];
  page.on('requestfinished', async (request) => {
    const url = new URL(request.url());
    if (url.pathname === '/' || url.pathname.startsWith('/assets/')) transfers.push({ path: url.pathname, bytes: (await request.sizes()).responseBodySize });
  });
  // Records when each service message arrives and when a row turns down (page clock = host clock).
  await page.addInitScript(() => {
    window.benchMessages = [];
    const Native = window.WebSocket;
    window.WebSocket = class extends Native {
      constructor(...args) {
        super(...args);
        this.addEventListener('message', (e) => {
          const m = JSON.parse(e.data);
          if (m.type === 'service') window.benchMessages.push({ id: m.service.id, state: m.service.state, at: Date.parse(m.at), receivedMs: Date.now() });
        });
      }
    };
  });
  const started = Date.now();
  await page.goto(`${base}/`);
  await page.locator('[data-service]').first().waitFor({ timeout: 30_000 });
  const renderedMs = Date.now() - started;
  // Interactive: the filter answers input (the rows re-render to the one match).
  const lastId = SERVICES - 1;
  await page.getByLabel('Find a service').fill(`Service ${String(lastId).padStart(4, '0')}`);
  await page.locator(`[data-service="svc-${lastId}"]`).waitFor();
  const interactiveMs = Date.now() - started;
  await page.getByLabel('Find a service').fill('');
  await page.waitForFunction(() => document.querySelectorAll('[data-service]').length > 1);
  await new Promise((r) => setTimeout(r, 300));
  const firstLoad = transfers.reduce((n, t) => n + t.bytes, 0);
  console.log(`first load: ${fmt(firstLoad / 1024, 1)} KiB compressed over ${transfers.length} files (${transfers.map((t) => `${t.path.replace('/assets/', '')} ${fmt(t.bytes / 1024, 1)}`).join(', ')}); budget 200 KiB`);

  const scroll = async () =>
    page.evaluate(async () => {
      const frames = [];
      let last = performance.now();
      const end = last + 2000;
      const max = document.documentElement.scrollHeight - innerHeight;
      await new Promise((resolve) => {
        const step = (t) => {
          frames.push(t - last);
          last = t;
          window.scrollTo(0, ((t - (end - 2000)) / 2000) * max);
          if (t < end) requestAnimationFrame(step);
          else resolve();
        };
        requestAnimationFrame(step);
      });
      frames.sort((a, b) => a - b);
      return { frames: frames.length, p95: frames[Math.floor(frames.length * 0.95)], worst: frames[frames.length - 1], rows: document.querySelectorAll('[role="row"]').length };
    });
  const overviewScroll = await scroll();
  console.log(`overview, ${fmt(SERVICES)} services and ${fmt(AGENTS)} agents: rows on screen ${fmt(renderedMs)} ms, interactive (filter answered) ${fmt(interactiveMs)} ms after navigation; ${overviewScroll.rows} rows in the DOM; scrolling 2 s: ${overviewScroll.frames} frames, p95 ${fmt(overviewScroll.p95, 1)} ms, worst ${fmt(overviewScroll.worst, 1)} ms`);

  const hostsStart = Date.now();
  await page.goto(`${base}/hosts`);
  await page.locator('[data-agent]').first().waitFor({ timeout: 30_000 });
  const hostsMs = Date.now() - hostsStart;
  const hostsScroll = await scroll();
  console.log(`hosts page, ${fmt(AGENTS)} agents: rows on screen ${fmt(hostsMs)} ms; ${hostsScroll.rows} rows in the DOM; scrolling 2 s: ${hostsScroll.frames} frames, p95 ${fmt(hostsScroll.p95, 1)} ms, worst ${fmt(hostsScroll.worst, 1)} ms`);

  // 3. Feed latency: each flipped service goes from up to down.
  await page.goto(`${base}/`);
  await page.locator('.live.on').waitFor();
  // The list is virtualised: a row is in the DOM only when on screen, so each is filtered to first.
  const show = (i) => page.getByLabel('Find a service').fill(`Service ${String(i).padStart(4, '0')}`);
  for (let i = 0; i < FLIPS; i++) {
    await show(i);
    await page.locator(`[data-service="svc-${i}"][data-state="up"]`).waitFor({ timeout: 60_000 });
  }
  await page.evaluate(() => {
    window.benchDown = {};
    new MutationObserver(() => {
      for (const row of document.querySelectorAll('[data-state="down"]')) window.benchDown[row.getAttribute('data-service')] ??= Date.now();
    }).observe(document.body, { subtree: true, attributes: true, childList: true });
  });
  const latencies = [];
  const endToEnd = [];
  for (let i = 0; i < FLIPS; i++) {
    await show(i);
    const flippedAt = Date.now();
    failing.add(`probe-${i}`);
    await page.locator(`[data-service="svc-${i}"][data-state="down"]`).waitFor({ timeout: 20_000 });
    const { message, shownMs } = await page.evaluate((id) => ({ message: window.benchMessages.find((m) => m.id === id && m.state === 'down'), shownMs: window.benchDown[id] }), `svc-${i}`);
    latencies.push(shownMs - message.at);
    endToEnd.push(shownMs - flippedAt);
  }
  latencies.sort((a, b) => a - b);
  endToEnd.sort((a, b) => a - b);
  console.log(`feed latency, collector decision → row shows down (${FLIPS} services): median ${fmt(percentile(latencies, 50))} ms, max ${fmt(latencies.at(-1))} ms; budget 2,000 ms. Server failing → row down (includes the 1 s probe interval): median ${fmt(percentile(endToEnd, 50))} ms, max ${fmt(endToEnd.at(-1))} ms`);
} finally {
  for (const step of cleanup) await step();
  rmSync(dir, { recursive: true, force: true });
}
