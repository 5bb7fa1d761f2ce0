// Several collectors on one PostgreSQL, end to end (issue 13): two real `vigil-collector` processes
// share a database, three real `vigil-agent` processes list both, and an HTTP server they probe fails
// for a while so that incidents open and notify a real webhook receiver. The leader is killed with
// SIGKILL mid-stream and restarted. Afterwards: every sample the agents produced is stored exactly
// once, no incident was opened twice, no notification was delivered twice, the SLA figures read from
// either collector are identical, and the survivor ran the leader's loops within 15 s.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { createPostgresDatabase, postgresServerUrl, type TestDatabase } from '../test/support/postgres.js';
import {
  AGENT_BIN, compileWorkspace, getJson, sleep, spawnNode, spooledBatches, startCollectorProcess, startProbeTarget, storedPoints, waitFor,
  type ProbeTarget, type RunningCollectorProcess, type VigilProcess,
} from './support/vigil-processes.js';

const AGENT_TOKEN = 'failover-pg-agent-token';
const AGENTS = ['edge-1', 'edge-2', 'edge-3'];
const serverUrl = postgresServerUrl('collectors-failover.spec');

interface Notification {
  key: string;
  body: { status?: string; incident?: { id?: number } } & Record<string, unknown>;
}

/** A webhook receiver on loopback that keeps every delivery with its idempotency key. */
async function startWebhookReceiver(): Promise<{ url: string; deliveries: Notification[]; close(): Promise<void> }> {
  const deliveries: Notification[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      deliveries.push({ key: String(req.headers['idempotency-key'] ?? ''), body: JSON.parse(body || '{}') });
      res.statusCode = 200;
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hook`, deliveries, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** Whether the collector's /metrics says it is the leader now (vigil_leader 1). */
async function isLeader(c: RunningCollectorProcess): Promise<boolean> {
  const text = await fetch(`http://${c.http}/metrics`, { signal: AbortSignal.timeout(5_000) }).then((r) => r.text()).catch(() => '');
  return /^vigil_leader(\{[^}]*\})? 1$/m.test(text);
}

interface IncidentView {
  id: number;
  fingerprint: string;
  state: string;
  reopen_count: number;
}

describe.runIf(process.platform === 'linux' && serverUrl)('two collectors on one PostgreSQL, three agents, the leader killed with SIGKILL', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-pg-failover-'));
  const processes: VigilProcess[] = [];
  let database: TestDatabase | undefined;
  let target: ProbeTarget | undefined;
  let webhook: Awaited<ReturnType<typeof startWebhookReceiver>> | undefined;

  afterAll(async () => {
    await Promise.all(processes.map((p) => p.stop('SIGKILL')));
    await target?.close();
    await webhook?.close();
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores every sample once, opens and notifies every incident once, and both collectors show the same SLA', async () => {
    compileWorkspace();
    database = await createPostgresDatabase(serverUrl!);
    target = await startProbeTarget();
    webhook = await startWebhookReceiver();
    const configFile = path.join(dir, 'collector.yaml');
    writeFileSync(
      configFile,
      stringify({
        storage: { driver: 'postgres' }, // the URL comes from VIGIL_STORAGE_URL, as in the Helm chart
        auth: { agent_tokens: [AGENT_TOKEN] },
        services: [{ id: 'web', name: 'Web', owner: 'ops@example.com', probes: ['web-http'], sla: { availability: 99.9, windows: ['1h'], timezone: 'UTC' } }],
        sla: { evaluation_interval: '1s', flush_interval: '2s' },
        rules: [{ name: 'web-down', builtin: 'probe_failing', for: '1s', severity: 'critical' }],
        notifiers: [{ name: 'hook', type: 'webhook', url: webhook.url }],
        incidents: { group_wait: '1s' },
      }),
    );
    const env = { VIGIL_STORAGE_URL: database.url };
    const collector = (name: string, grpc = '127.0.0.1:0', http = '127.0.0.1:0') =>
      startCollectorProcess(['--config', configFile, '--grpc-listen', grpc, '--http-listen', http], name, env).then((c) => {
        processes.push(c);
        return c;
      });

    // The first collector leads; the second joins as a follower.
    let first = await collector('first');
    await waitFor('the first collector to lead', async () => ((await isLeader(first)) ? true : undefined), 20_000);
    const second = await collector('second');
    await sleep(1_000);
    expect(await isLeader(second), second.tail()).toBe(false);

    // Three agents; two list the first collector first, one the second.
    const agents = AGENTS.map((id, i) => {
      const file = path.join(dir, `${id}.yaml`);
      writeFileSync(
        file,
        stringify({
          collector: i === 2 ? [second.grpc, first.grpc] : [first.grpc, second.grpc],
          token: AGENT_TOKEN,
          id,
          interval: '1s',
          spool_dir: path.join(dir, `spool-${id}`),
          batch: { max_age: '200ms' },
          log_level: 'debug',
          probes: [{ name: 'web-http', type: 'http', url: `http://127.0.0.1:${target!.port}/health`, interval: '1s', timeout: '500ms', expect_status: [200] }],
        }),
      );
      const agent = spawnNode(id, AGENT_BIN, ['--config', file]);
      processes.push(agent);
      return agent;
    });
    await waitFor('every agent connected', async () => {
      const seen = await getJson<{ id: string; connected: boolean }[]>(second.http, '/api/agents').catch(() => []);
      return AGENTS.every((id) => seen.some((a) => a.id === id && a.connected)) ? true : undefined;
    }, 30_000);
    await sleep(4_000);

    // The probed server fails: each agent's probe_failing incident opens and notifies.
    target.failing = true;
    await waitFor('three open incidents', async () => {
      const { incidents } = await getJson<{ incidents: IncidentView[] }>(second.http, '/api/incidents?limit=100');
      return incidents.filter((i) => i.state !== 'resolved' && i.state !== 'closed').length >= 3 ? true : undefined;
    }, 30_000);

    // Kill the leader mid-stream; the second must take over the leader's loops within 15 s.
    const firstGrpc = first.grpc;
    const firstHttp = first.http;
    const killedAt = Date.now();
    await first.stop('SIGKILL');
    await waitFor('the second collector to lead', async () => ((await isLeader(second)) ? true : undefined), 20_000, 100);
    const takeoverMs = Date.now() - killedAt;
    expect(takeoverMs, second.tail()).toBeLessThan(15_000);
    await sleep(3_000);

    // Recovery: incidents resolve (on the new leader), then the old leader comes back on its ports.
    target.failing = false;
    await waitFor('every incident resolved', async () => {
      const { incidents } = await getJson<{ incidents: IncidentView[] }>(second.http, '/api/incidents?limit=100');
      return incidents.length >= 3 && incidents.every((i) => i.state === 'resolved' || i.state === 'closed') ? true : undefined;
    }, 40_000);
    first = await collector('first-again', firstGrpc, firstHttp);
    await sleep(4_000);
    expect(await isLeader(first), 'the restarted collector stays a follower').toBe(false);

    // The agents finish: every batch delivered.
    for (const agent of agents) {
      const exit = await agent.stop('SIGTERM', 30_000);
      expect(exit, agent.tail()).toEqual({ code: 0, signal: null });
      expect(agent.output, agent.tail()).toMatch(/every batch was delivered/);
    }

    // 1. Every sample each agent produced is stored exactly once, read through either collector.
    let producedTotal = 0;
    for (const agent of agents) {
      const produced = spooledBatches(agent);
      const seqs = [...produced.keys()].sort((a, b) => a - b);
      expect(seqs, agent.tail()).toEqual(seqs.map((_, i) => i + 1));
      const samples = [...produced.values()].reduce((a, b) => a + b, 0);
      producedTotal += samples;
      for (const c of [first, second]) {
        const points = await storedPoints(c.http, agent.name);
        expect(new Set(points).size, `no point of ${agent.name} stored twice (read through ${c.name})`).toBe(points.length);
        expect(points.length, `every point of ${agent.name} stored (read through ${c.name})`).toBe(samples);
      }
    }

    // 2. No incident opened twice: one incident per agent's probe, opened once (no reopen).
    const { incidents } = await getJson<{ incidents: IncidentView[] }>(first.http, '/api/incidents?limit=100');
    const fingerprints = incidents.map((i) => i.fingerprint);
    expect(new Set(fingerprints).size, JSON.stringify(incidents)).toBe(incidents.length);
    expect(incidents.length).toBe(3);
    expect(incidents.map((i) => i.reopen_count)).toEqual([0, 0, 0]);

    // 3. No notification delivered twice; each incident notified firing and resolved.
    const keys = webhook.deliveries.map((d) => d.key);
    expect(keys.every((k) => k.length > 0)).toBe(true);
    expect(new Set(keys).size, JSON.stringify(webhook.deliveries.map((d) => d.key))).toBe(keys.length);
    expect(webhook.deliveries.length, 'a firing and a resolved notification per incident').toBeGreaterThanOrEqual(6);

    // 4. The SLA figures read from either collector are identical (the follower catches up with the leader's flush).
    const sla = (c: RunningCollectorProcess) => getJson<Record<string, unknown>>(c.http, '/api/services/web/sla?window=1h');
    // SLA windows end at the last complete minute: wait until the failing minute is complete.
    let last: unknown[] = [];
    const same = await waitFor('the same SLA figures, with the downtime, on both collectors', async () => {
      const [a, b] = await Promise.all([sla(first), sla(second)]);
      last = [a, b];
      return JSON.stringify(a) === JSON.stringify(b) && (a.minutes as { bad: number }).bad > 0 ? a : undefined;
    }, 90_000, 500).catch((error: Error) => {
      throw new Error(`${error.message}\n${JSON.stringify(last, null, 1)}`);
    });
    expect((same.outages as unknown[]).length, JSON.stringify(same)).toBeGreaterThan(0);

    console.log(
      `collectors failover: leader taken over ${takeoverMs} ms after SIGKILL; ${producedTotal} samples from ${agents.length} agents stored once; ` +
        `${incidents.length} incidents, ${webhook.deliveries.length} notifications, none twice`,
    );
  }, 240_000);
});
