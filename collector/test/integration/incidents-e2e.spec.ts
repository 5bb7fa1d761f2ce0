// Incidents end to end through the real application: a real `vigil-agent` process probes a local
// HTTP server and streams to a real collector (startCollector, SQLite file). Switching the server to
// failing must open an incident by itself, deliver a signed webhook to a real local receiver, show up
// on the live feed (a real WebSocket client), link the change recorded just before, and resolve
// automatically once the server recovers. Stopping the agent then opens agent_down.
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { stringify } from 'yaml';
import { startCollector, type RunningCollector } from '../../src/app.js';
import { buildConfig } from '../../src/config/config.loader.js';
import { AGENT_BIN, compileWorkspace, spawnNode, startProbeTarget, waitFor, type ProbeTarget, type VigilProcess } from '../../../e2e/support/vigil-processes.js';
import { Receiver, collectorStorage, type CollectorStorage } from './incidents.support.js';
import { engines } from '../../../test/support/engines.js';

const AGENT_TOKEN = 'incidents-e2e-agent';
const API_TOKEN = 'incidents-e2e-api-token';
const SECRET = 's3cret';

interface LiveMessage {
  type: string;
  event?: string;
  incident?: { id: number; rule: string; state: string };
  agent?: { id: string };
}

describe.runIf(process.platform === 'linux').each(engines('incidents-e2e.spec'))('probe failure → agent process → collector on $name → incident → webhook and live feed', (engine) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-incidents-e2e-'));
  let storage: CollectorStorage | undefined;
  let target: ProbeTarget;
  let hook: Receiver;
  let collector: RunningCollector;
  let agent: VigilProcess | undefined;
  let live: WebSocket | undefined;
  let warningsOnly: WebSocket | undefined;
  const feed: LiveMessage[] = [];
  const warningFeed: LiveMessage[] = [];

  beforeAll(async () => {
    compileWorkspace();
    target = await startProbeTarget();
    hook = await Receiver.start();
    storage = await collectorStorage(engine, dir, 'incidents-e2e.spec');

    const config = buildConfig({
      storage: storage.storage,
      listen: { grpc: '127.0.0.1:0', http: '127.0.0.1:0' },
      auth: { agent_tokens: [AGENT_TOKEN], api_tokens: [API_TOKEN] },
      services: [{ id: 'web', name: 'Web', owner: 'ops@example.com', probes: ['web-http'], sla: { availability: 99.9, windows: ['1h'], timezone: 'UTC' } }],
      sla: { evaluation_interval: '1s' },
      rules: [
        { name: 'web-burn', builtin: 'sla_fast_burn', severity: 'error' },
        { name: 'web-down', builtin: 'probe_failing', service: 'web', match: { probe: 'web-http' }, for: '0s', severity: 'critical' },
        { name: 'agent-down', builtin: 'agent_down', missed_intervals: 3, severity: 'critical' },
      ],
      notifiers: [{ name: 'ops-webhook', type: 'webhook', url: `${hook.url}/hook`, secret: SECRET }],
      incidents: { group_wait: '0s', evaluation_interval: '200ms', signal_interval: '1s' },
    });
    // SLA windows end at the last complete minute: the collector's clock runs one minute ahead so the
    // minute in progress counts as complete (as in e2e/sla-downtime.spec.ts). Durations are unaffected.
    collector = await startCollector({ config, clock: { now: () => Date.now() + 60_000 }, logLevels: false, ...(storage.store ? { store: storage.store } : {}) });

    // The live feed on the collector's own HTTP server, as a dashboard would use it.
    live = new WebSocket(`ws://${collector.httpAddress}/ws?types=incident,agent`, { headers: { authorization: `Bearer ${API_TOKEN}` } });
    live.on('message', (data) => feed.push(JSON.parse(String(data)) as LiveMessage));
    await new Promise((resolve, reject) => live!.once('open', resolve).once('error', reject));
    // A filtered client: only incidents of severity warning (none in this test), token in the query.
    warningsOnly = new WebSocket(`ws://${collector.httpAddress}/ws?types=incident&severity=warning&token=${API_TOKEN}`);
    warningsOnly.on('message', (data) => warningFeed.push(JSON.parse(String(data)) as LiveMessage));
    await new Promise((resolve, reject) => warningsOnly!.once('open', resolve).once('error', reject));

    const agentConfig = path.join(dir, 'agent.yaml');
    writeFileSync(
      agentConfig,
      stringify({
        collector: collector.grpcAddress,
        token: AGENT_TOKEN,
        id: 'incidents-e2e-agent',
        interval: '1s',
        spool_dir: path.join(dir, 'spool'),
        batch: { max_age: '100ms' },
        probes: [{ name: 'web-http', type: 'http', url: `http://127.0.0.1:${target.port}/health`, interval: '1s', timeout: '500ms', expect_status: [200] }],
      }),
    );
    agent = spawnNode('agent', AGENT_BIN, ['--config', agentConfig]);
  }, 120_000);

  afterAll(async () => {
    live?.terminate();
    warningsOnly?.terminate();
    await agent?.stop();
    await collector?.close();
    await storage?.dispose();
    await hook?.close();
    await target?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const api = async (method: string, pathAndQuery: string, body?: unknown) => {
    const res = await fetch(`http://${collector.httpAddress}${pathAndQuery}`, {
      method,
      headers: { authorization: `Bearer ${API_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as any };
  };
  const incidents = async (rule: string) => ((await api('GET', `/api/incidents?rule=${rule}`)).body.incidents as Array<Record<string, any>>);
  const webhooks = (event: string, rule?: string) =>
    hook.requests
      .filter((r) => r.headers['x-vigil-event'] === event)
      .map((r) => ({ ...r, json: JSON.parse(r.body) }))
      .filter((r) => rule === undefined || r.json.incident.rule === rule);

  it('opens, notifies and auto-resolves from real probe results; agent_down when the agent stops', async () => {
    await waitFor('the agent to connect and send successful probe results', async () => {
      if (!agent!.running) throw new Error(`agent exited\n${agent!.tail()}`);
      const text = await (await fetch(`http://${collector.httpAddress}/metrics`)).text();
      return /^vigil_probe_success\{.*probe="web-http".*\} 1$/m.test(text) ? true : undefined;
    }, 20_000);
    expect(feed.filter((m) => m.type === 'agent').map((m) => [m.event, m.agent!.id])).toEqual([['connected', 'incidents-e2e-agent']]);
    expect(await incidents('web-down')).toEqual([]);

    // A change on the service right before the failure: the incident must be linked to it.
    expect((await api('POST', '/api/changes', { id: 'CHG-7', services: ['web'], actual_start: new Date().toISOString(), description: 'deploy' })).status).toBe(201);

    target.failing = true;
    const failedAt = Date.now();
    await waitFor('the trigger webhook', () => (webhooks('trigger', 'web-down').length > 0 ? true : undefined), 15_000, 20);
    const [trigger] = webhooks('trigger', 'web-down');
    const triggerLatencyMs = trigger!.atMs - failedAt;
    // Issue: opened within 2 s of the breaching sample reaching the collector; the first failing probe
    // run comes up to one 1 s interval after the switch.
    expect(triggerLatencyMs).toBeLessThan(3_500);
    expect(trigger!.headers['x-vigil-signature']).toBe(`sha256=${createHmac('sha256', SECRET).update(trigger!.body).digest('hex')}`);
    expect(trigger!.json).toMatchObject({ event: 'trigger', incident: { rule: 'web-down', severity: 'critical', service: 'web', state: 'open', value: 0 } });
    expect(trigger!.json.incident.labels).toMatchObject({ probe: 'web-http', agent: 'incidents-e2e-agent' });

    const [open] = await incidents('web-down');
    expect(open).toMatchObject({ id: trigger!.json.incident.id, state: 'open', change_id: 'CHG-7', service: 'web' });
    // The SLA burn-rate incidents below may have been linked already too.
    expect((await api('GET', '/api/changes/CHG-7')).body.incidents).toContain(open!.id);

    target.failing = false;
    await waitFor('the resolve webhook', () => (webhooks('resolve', 'web-down').length > 0 ? true : undefined), 15_000, 20);
    // The SLA engine's page-level burn-rate alerts (a bad minute among few burns > 14.4x) opened
    // incidents of their own, one per window pair of the page rules.
    const burns = await waitFor('the SLA fast-burn incident', async () => {
      const list = await incidents('web-burn');
      return list.some((i) => i.labels.window === '1h/5m') ? list : undefined;
    }, 15_000);
    expect((await api('GET', '/api/changes/CHG-7')).body.incidents).toEqual(expect.arrayContaining([open!.id, ...burns.map((b) => b.id)]));
    for (const burn of burns) {
      expect(burn).toMatchObject({ service: 'web', severity: 'error', change_id: 'CHG-7', labels: { service: 'web' } });
      expect(burn.title).toMatch(/^Service web burns its error budget fast \((1h\/5m|6h\/30m), \d+(\.\d)?x\)$/);
    }
    const resolved = (await api('GET', `/api/incidents/${open!.id}`)).body;
    expect(resolved).toMatchObject({ state: 'resolved', resolved_by: null });
    expect(resolved.timeline.map((e: { type: string }) => e.type)).toEqual(
      expect.arrayContaining(['opened', 'linked_change', 'notification_queued', 'notified', 'resolved']),
    );
    expect(webhooks('resolve', 'web-down')[0]!.json.incident).toMatchObject({ id: open!.id, state: 'resolved' });
    // Exactly one incident and one trigger for the whole outage (deduplicated by fingerprint).
    expect((await incidents('web-down')).length).toBe(1);
    expect(webhooks('trigger', 'web-down').length).toBe(1);
    await waitFor('the live feed to carry both changes', () =>
      feed.some((m) => m.type === 'incident' && m.event === 'resolved' && m.incident!.id === open!.id) ? true : undefined,
    5_000, 20);
    expect(feed.filter((m) => m.type === 'incident' && m.incident!.rule === 'web-down').map((m) => m.event)).toEqual(['opened', 'resolved']);
    expect(warningFeed.map((m) => m.type)).toEqual(['hello']);

    // The agent goes away: after 3 missed 1 s intervals, agent_down opens and is notified.
    await agent!.stop();
    const stoppedAt = Date.now();
    await waitFor('the agent_down webhook', () => (webhooks('trigger', 'agent-down').length ? true : undefined), 15_000, 20);
    const [down] = webhooks('trigger', 'agent-down');
    expect(down!.json.incident.title).toBe(`Agent incidents-e2e-agent (${os.hostname()}) is down`);
    expect(down!.atMs - stoppedAt).toBeGreaterThanOrEqual(3_000 - 1_000); // silence counts from the last batch, up to 1 s before the stop
    expect(feed.some((m) => m.type === 'agent' && m.event === 'disconnected')).toBe(true);
    console.log(`breach → webhook ${triggerLatencyMs} ms (probe interval 1 s included); agent stop → agent_down webhook ${down!.atMs - stoppedAt} ms`);
  }, 60_000);

  it('the live feed refuses clients without a valid API token, and unknown filters', async () => {
    const refusal = (query: string) =>
      new Promise<string>((resolve) => {
        const ws = new WebSocket(`ws://${collector.httpAddress}/ws?${query}`);
        ws.on('unexpected-response', (_req, res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve(`${res.statusCode} ${text}`));
        });
        ws.on('open', () => {
          ws.terminate();
          resolve('101 accepted');
        });
      });
    expect(await refusal('token=wrong-token-123')).toBe('401 a valid API token is required (?token= or Authorization: Bearer <token>)');
    expect(await refusal(`token=${API_TOKEN}&severity=urgent`)).toBe('400 unknown severity "urgent" (use critical, error, warning, info)');
  });
});
