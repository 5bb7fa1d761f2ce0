// The web console in a real headless Chromium against a real collector process and a real agent
// process probing a real HTTP server: overview, live state change through /ws, an incident acted on
// from its page (and refused with a wrong token), host charts from rollups, the capacity ranking,
// and with protect_reads the sign-in gate and the public status page. Every page is screenshotted
// at 1280 and 390 px into a temp folder that is printed.
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { chromiumUnavailable, ensureConsoleBuilt, launchBrowser, reportSkip, type Browser } from './support/browser.js';
import { AGENT_BIN, compileWorkspace, getJson, spawnNode, startCollectorProcess, startProbeTarget, waitFor, type ProbeTarget, type RunningCollectorProcess, type VigilProcess } from './support/vigil-processes.js';

const AGENT_TOKEN = 'console-e2e-agent-token';
const API_TOKEN = 'console-e2e-api-token';
const EXTERNAL_URL = 'http://vigil.test';
const unavailable = process.platform === 'linux' ? chromiumUnavailable() : 'not linux';
if (unavailable) reportSkip('e2e/console.spec.ts', unavailable);

const shots = mkdtempSync(path.join(os.tmpdir(), 'vigil-console-shots-'));

/** Screenshots the page at desktop and phone width. */
async function screenshot(page: Page, name: string): Promise<void> {
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: width === 390 ? 844 : 900 });
    await page.waitForTimeout(150);
    await page.screenshot({ path: path.join(shots, `${name}-${width}.png`), fullPage: true });
  }
  await page.setViewportSize({ width: 1280, height: 900 });
}

/** Records webhook notifications (their incident links are checked). */
async function startHookReceiver(): Promise<{ url: string; bodies: { incident: { id: number; url: string } }[]; close(): Promise<void> }> {
  const bodies: { incident: { id: number; url: string } }[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      bodies.push(JSON.parse(body));
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, bodies, close: () => new Promise((r) => server.close(() => r())) };
}

function writeCollectorConfig(dir: string, extra: Record<string, unknown>): string {
  const file = path.join(dir, 'collector.yaml');
  writeFileSync(
    file,
    stringify({
      storage: { path: path.join(dir, 'vigil.db') },
      listen: { grpc: '127.0.0.1:0', http: '127.0.0.1:0' },
      services: [
        { id: 'web', name: 'Web shop', public: true, probes: ['web-http'], sla: { availability: 99.9, windows: ['1h', '7d'], timezone: 'UTC' } },
        { id: 'intranet', name: 'Intranet wiki', probes: ['intranet-http'], sla: { availability: 99, windows: ['7d'], timezone: 'UTC' } },
      ],
      ...extra,
    }),
  );
  return file;
}

describe.runIf(!unavailable)('web console in Chromium against a collector and an agent', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-console-e2e-'));
  let target: ProbeTarget;
  let wiki: ProbeTarget;
  let hook: Awaited<ReturnType<typeof startHookReceiver>>;
  let collector: RunningCollectorProcess;
  let agent: VigilProcess | undefined;
  let browser: Browser;
  let page: Page;
  let base: string;

  beforeAll(async () => {
    compileWorkspace();
    ensureConsoleBuilt();
    target = await startProbeTarget();
    wiki = await startProbeTarget();
    hook = await startHookReceiver();
    const config = writeCollectorConfig(dir, {
      auth: { agent_tokens: [AGENT_TOKEN], api_tokens: [API_TOKEN] },
      sla: { evaluation_interval: '1s' },
      rules: [{ name: 'web-down', builtin: 'probe_failing', service: 'web', match: { probe: 'web-http' }, for: '0s', severity: 'critical' }],
      notifiers: [{ name: 'ops-webhook', type: 'webhook', url: hook.url }],
      incidents: { external_url: EXTERNAL_URL, group_wait: '0s', evaluation_interval: '200ms' },
    });
    collector = await startCollectorProcess(['--config', config]);
    base = `http://${collector.http}`;
    const agentConfig = path.join(dir, 'agent.yaml');
    writeFileSync(
      agentConfig,
      stringify({
        collector: collector.grpc,
        token: AGENT_TOKEN,
        id: 'console-e2e-agent',
        interval: '1s',
        spool_dir: path.join(dir, 'spool'),
        batch: { max_age: '100ms' },
        probes: [
          { name: 'web-http', type: 'http', url: `http://127.0.0.1:${target.port}/shop`, interval: '1s', timeout: '500ms', expect_status: [200] },
          { name: 'intranet-http', type: 'http', url: `http://127.0.0.1:${wiki.port}/wiki`, interval: '1s', timeout: '500ms', expect_status: [200] },
        ],
      }),
    );
    agent = spawnNode('agent', AGENT_BIN, ['--config', agentConfig]);
    browser = await launchBrowser();
    page = await browser.context.newPage();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await agent?.stop();
    await collector?.stop();
    await hook?.close();
    await target?.close();
    await wiki?.close();
    rmSync(dir, { recursive: true, force: true });
    console.log(`console screenshots: ${shots}`);
  });

  const api = <T>(p: string) => getJson<T>(collector.http, p, API_TOKEN);

  it('the overview shows the service and the agent; a failing server turns the service down on the open page, and an incident appears', async () => {
    await page.goto(`${base}/`);
    await page.locator('[data-service="web"][data-state="up"]').waitFor({ timeout: 30_000 });
    await page.getByTestId('agents-connected').filter({ hasText: '1 connected' }).waitFor();
    expect(await page.locator('[data-service="intranet"]').count()).toBe(1);
    await screenshot(page, 'overview');
    // The page is not reloaded: the change must come through the live feed.
    await page.evaluate(() => ((window as unknown as { marker: number }).marker = 42));
    await page.locator('.live.on').waitFor();

    const switchedAt = Date.now();
    target.failing = true;
    await page.locator('[data-service="web"][data-state="down"]').waitFor({ timeout: 20_000 });
    const downAfterMs = Date.now() - switchedAt;
    await page.locator('[data-incident]').first().waitFor({ timeout: 20_000 });
    expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(42);
    expect(await page.locator('[data-service="intranet"][data-state="up"]').count()).toBe(1);
    const open = await api<{ incidents: { id: number; rule: string; state: string }[] }>('/api/incidents?state=open');
    expect(open.incidents.map((i) => i.rule)).toEqual(['web-down']);
    console.log(`server failing → service down on the open page after ${downAfterMs} ms (agent probes every 1 s)`);
    await screenshot(page, 'overview-down');
  }, 90_000);

  it('an incident is acknowledged and resolved from its page; a wrong token shows an error and changes nothing', async () => {
    const [incident] = (await api<{ incidents: { id: number; state: string }[] }>('/api/incidents?state=open')).incidents;
    const id = incident!.id;
    // Notifications link to the console's incident page.
    const notified = await waitFor('the webhook of the incident', () => hook.bodies.find((b) => b.incident.id === id));
    expect(notified.incident.url).toBe(`${EXTERNAL_URL}/incidents/${id}`);

    await page.goto(`${base}/incidents/${id}`);
    await page.getByTestId('incident-state').filter({ hasText: 'open' }).waitFor();
    await screenshot(page, 'incident');
    // Not signed in: acknowledging asks for a token; a wrong one is refused with a message.
    await page.getByRole('button', { name: 'Acknowledge' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.getByLabel('API token').fill('not-the-api-token');
    await page.getByRole('button', { name: 'Sign in' }).last().click();
    await page.getByRole('alert').filter({ hasText: 'refused this token' }).waitFor();
    expect((await api<{ state: string }>(`/api/incidents/${id}`)).state).toBe('open');
    expect(await page.evaluate(() => sessionStorage.getItem('vigil.token'))).toBeNull();
    await screenshot(page, 'sign-in-refused');

    await page.getByLabel('API token').fill(API_TOKEN);
    await page.getByLabel(/Your name/).fill('alice');
    await page.getByRole('button', { name: 'Sign in' }).last().click();
    await page.getByRole('button', { name: 'Acknowledge' }).click();
    await page.getByTestId('incident-state').filter({ hasText: 'acknowledged' }).waitFor();
    const acked = await api<{ state: string; acknowledged_by: string }>(`/api/incidents/${id}`);
    expect([acked.state, acked.acknowledged_by]).toEqual(['acknowledged', 'alice']);
    expect(page.url()).not.toContain(API_TOKEN);

    // A token that stopped being valid: the action is refused, nothing changes.
    await page.evaluate(() => sessionStorage.setItem('vigil.token', 'revoked-token-123'));
    await page.getByRole('button', { name: 'Resolve' }).click();
    await page.getByText('refused the API token of this session').waitFor();
    expect((await api<{ state: string }>(`/api/incidents/${id}`)).state).toBe('acknowledged');

    await page.getByLabel('API token').fill(API_TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).last().click();
    await page.getByLabel('Comment').fill('restarted the shop');
    await page.getByRole('button', { name: 'Add comment' }).click();
    await page.getByText('restarted the shop').waitFor();
    await page.getByRole('button', { name: 'Resolve' }).click();
    await page.getByTestId('incident-state').filter({ hasText: 'resolved' }).waitFor();
    const resolved = await api<{ state: string; resolved_by: string; timeline: { type: string }[] }>(`/api/incidents/${id}`);
    expect([resolved.state, resolved.resolved_by]).toEqual(['resolved', 'alice']);
    expect(resolved.timeline.map((e) => e.type)).toEqual(expect.arrayContaining(['opened', 'acknowledged', 'comment', 'resolved']));
    await screenshot(page, 'incident-resolved');

    await page.goto(`${base}/incidents?state=${encodeURIComponent('open,acknowledged,resolved,closed,suppressed')}`);
    await page.locator(`[data-incident="${id}"]`).waitFor();
    await screenshot(page, 'incidents');
  }, 90_000);

  it('the service page shows the 90 daily bars, the charts and the report links', async () => {
    target.failing = false;
    await page.goto(`${base}/services/web`);
    await page.locator('.bars .bar').first().waitFor();
    expect(await page.locator('.bars .bar').count()).toBe(90);
    await page.getByRole('heading', { name: 'Outages' }).waitFor();
    await page.locator('.uplot').first().waitFor();
    await page.getByText('Reported by:').first().waitFor();
    await screenshot(page, 'service');
  }, 60_000);

  it('the host page draws CPU, memory, filesystem, disk and network charts from /api/rollups', async () => {
    const [agentView] = await api<{ hostname: string }[]>('/api/agents');
    const rollups: string[] = [];
    page.on('response', (r) => {
      if (r.url().includes('/api/rollups') && r.ok()) rollups.push(r.url());
    });
    await page.goto(`${base}/hosts`);
    await page.locator('[data-agent="console-e2e-agent"]').waitFor();
    await screenshot(page, 'hosts');
    await page.goto(`${base}/hosts/${encodeURIComponent(agentView!.hostname)}`);
    for (const title of ['CPU utilisation', 'Memory used', 'Filesystems used', 'Network traffic']) await page.getByText(title, { exact: false }).first().waitFor({ timeout: 20_000 });
    await waitFor('charts on the host page', async () => ((await page.locator('.uplot').count()) >= 4 ? true : undefined), 20_000);
    const points = await page.locator('[data-points]').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-points'))));
    expect(points.every((n) => n > 0)).toBe(true);
    expect(rollups.length).toBeGreaterThanOrEqual(4);
    await screenshot(page, 'host');
  }, 60_000);

  it("the capacity page lists the host's filesystems", async () => {
    await fetch(`${base}/api/capacity/recompute`, { method: 'POST', headers: { authorization: `Bearer ${API_TOKEN}` } });
    const listed = await api<{ resources: { resource: string; mountpoint: string | null }[] }>('/api/capacity?resource=filesystem');
    expect(listed.resources.length).toBeGreaterThan(0);
    await page.goto(`${base}/capacity`);
    for (const r of listed.resources.slice(0, 3)) await page.locator(`[data-resource="${r.resource}"]`).first().waitFor();
    await screenshot(page, 'capacity');
    await page.locator('[data-resource] button').first().click();
    await page.locator('section[aria-label^="Forecast of"]').waitFor();
    await screenshot(page, 'capacity-chart');
  }, 60_000);

  it('changes, problems and maintenance pages list and create records', async () => {
    await page.goto(`${base}/maintenance`);
    await page.getByText('Plan a maintenance window').click();
    await page.getByLabel('Id (e.g. db-upgrade)').fill('shop-upgrade');
    await page.getByLabel('Services (ids, comma-separated)').fill('web');
    await page.getByLabel('Start (ISO, e.g. 2026-11-14T22:00)').fill(new Date(Date.now() + 86_400_000).toISOString().slice(0, 16));
    await page.getByLabel('End').fill(new Date(Date.now() + 90_000_000).toISOString().slice(0, 16));
    await page.getByRole('button', { name: 'Create window' }).click();
    await page.locator('[data-maintenance="shop-upgrade"]').getByText('create').first().waitFor();
    expect((await api<{ id: string }[]>('/api/maintenance')).map((w) => w.id)).toEqual(['shop-upgrade']);
    await screenshot(page, 'maintenance');

    await page.goto(`${base}/changes`);
    await page.getByText('Record a change').click();
    await page.getByLabel('Change id (e.g. CHG-1042)').fill('CHG-7');
    await page.getByLabel('Services (ids, comma-separated)').fill('web');
    await page.getByLabel('planned start (your local time)').fill('2026-11-20T10:00');
    await page.getByRole('button', { name: 'Record change' }).click();
    await page.locator('[data-change="CHG-7"]').waitFor();
    expect((await api<{ changes: { id: string }[] }>('/api/changes')).changes.map((c) => c.id)).toEqual(['CHG-7']);
    await screenshot(page, 'changes');
    await page.goto(`${base}/problems`);
    await page.getByRole('heading', { name: 'Problems' }).waitFor();
    await screenshot(page, 'problems');
  }, 60_000);

  it('reconnects to the live feed after the collector restarts', async () => {
    await page.goto(`${base}/`);
    await page.locator('.live.on').waitFor();
    await collector.stop();
    await page.locator('.live.off').waitFor();
    const args = ['--config', path.join(dir, 'collector.yaml')];
    // Same ports, so the open page finds it again.
    writeFileSync(args[1]!, (await import('node:fs')).readFileSync(args[1]!, 'utf8').replace('http: 127.0.0.1:0', `http: ${collector.http}`));
    collector = await startCollectorProcess(args);
    await page.locator('.live.on').waitFor({ timeout: 20_000 });
  }, 60_000);
});

describe.runIf(!unavailable)('web console with protect_reads: true', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-console-protected-'));
  let collector: RunningCollectorProcess;
  let browser: Browser;

  beforeAll(async () => {
    compileWorkspace();
    ensureConsoleBuilt();
    collector = await startCollectorProcess(['--config', writeCollectorConfig(dir, { auth: { api_tokens: [API_TOKEN], protect_reads: true } })], 'protected-collector');
    browser = await launchBrowser();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await collector?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('/ shows the sign-in form and no data; /status shows the public service and not the private one', async () => {
    const page = await browser.context.newPage();
    const base = `http://${collector.http}`;
    await page.goto(`${base}/`);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    const text = await page.locator('body').innerText();
    expect(text).not.toContain('Web shop');
    expect(text).not.toContain('Intranet');
    expect(await page.locator('[data-service]').count()).toBe(0);
    await screenshot(page, 'protected-sign-in');

    await page.goto(`${base}/status`);
    await page.locator('[data-service="web"]').waitFor();
    const status = await page.locator('body').innerText();
    expect(status).toContain('Web shop');
    expect(status).not.toContain('Intranet');
    await screenshot(page, 'status');
    const json = await (await fetch(`${base}/api/status`)).json();
    expect(json.services.map((s: { id: string }) => s.id)).toEqual(['web']);
    expect(Object.keys(json)).toEqual(['generated_at', 'services', 'incidents', 'maintenance']);

    // Signed in, the console shows everything.
    await page.goto(`${base}/`);
    await page.getByLabel('API token').fill(API_TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).last().click();
    await page.locator('[data-service="intranet"]').waitFor();
  }, 60_000);
});
