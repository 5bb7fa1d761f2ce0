import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { postgresEngine, type EngineDatabase } from '../../../test/support/engines.js';
import { TokenVerifier } from '../auth/token-verifier.js';
import { systemClock } from '../common/clock.js';
import { CollectorEvents } from '../common/events.js';
import { migrate } from '../database/migrations.js';
import type { PostgresDatabase } from '../database/postgres-database.js';
import type { IncidentView } from '../incidents/incident-view.js';
import { SoleLeadership } from '../leadership/leadership.js';
import { LiveFeed } from './live-feed.js';
import type { LiveMessage } from './live-messages.js';
import { LiveMetrics } from './live.metrics.js';
import { liveMigrations } from './live.migrations.js';
import { LiveRelay } from './live-relay.js';
import { LiveRelayRepository } from './live-relay.repository.js';

const postgres = postgresEngine('live-relay.spec');

/** One collector's live side: its bus, its /ws on a real HTTP server, its relay on the shared database. */
interface Replica {
  events: CollectorEvents;
  feed: LiveFeed;
  relay: LiveRelay;
  server: Server;
  registry: Registry;
}

async function replica(name: string, db: PostgresDatabase): Promise<Replica> {
  const events = new CollectorEvents();
  const registry = new Registry();
  const metrics = new LiveMetrics(registry);
  const tokens = TokenVerifier.fromSettings({ agent_tokens: [], agent_token_map: {}, api_tokens: [], metrics_tokens: [], protect_reads: false });
  const feed = new LiveFeed(tokens, events, metrics, systemClock);
  feed.onModuleInit();
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  feed.attach(server);
  const relay = new LiveRelay(db, new SoleLeadership(name), systemClock, false, new LiveRelayRepository(db), events, feed, metrics);
  await relay.onApplicationBootstrap();
  return { events, feed, relay, server, registry };
}

/** A /ws client that records what it receives after the hello. */
async function client(r: Replica, query = ''): Promise<{ received: LiveMessage[]; ws: WebSocket }> {
  const { port } = r.server.address() as AddressInfo;
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws${query}`);
  const received: LiveMessage[] = [];
  await new Promise<void>((resolve, reject) => {
    ws.once('error', reject);
    ws.on('message', (data) => {
      const message = JSON.parse(String(data)) as LiveMessage | { type: 'hello' };
      if (message.type === 'hello') resolve();
      else received.push(message);
    });
  });
  return { received, ws };
}

async function until(condition: () => boolean, withinMs = 3_000): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function incident(id: number, description: string): IncidentView {
  return {
    id, fingerprint: `fp-${id}`, rule: 'cpu_high', severity: 'critical', service: 'web', title: `CPU high ${id}`, description, state: 'open',
    value: 97.5, acknowledged_by: null, resolved_by: null, reopen_count: 0, suppressed_by: null, change_id: null, problem_id: null,
    labels: { host: 'web-1' }, flapping: false, started_at: '2026-12-01T00:00:00.000Z', opened_at: '2026-12-01T00:00:00.000Z',
    acknowledged_at: null, resolved_at: null, closed_at: null, url: `http://127.0.0.1/incidents/${id}`,
  };
}

describe.runIf(postgres)('live feed across collectors on one PostgreSQL', () => {
  let opened: EngineDatabase;
  let a: Replica;
  let b: Replica;

  beforeAll(async () => {
    opened = await postgres!.open();
    await migrate(opened.db, liveMigrations);
    a = await replica('a', opened.db as PostgresDatabase);
    b = await replica('b', (await opened.reopen()) as PostgresDatabase);
  });
  afterAll(async () => {
    for (const r of [a, b]) {
      if (!r) continue;
      await r.relay.onModuleDestroy();
      await r.feed.onModuleDestroy();
      await new Promise((resolve) => r.server.close(resolve));
    }
    await opened?.dispose();
  });

  it('delivers an agent connect on one collector to the clients of both, each once', async () => {
    const [onA, onB] = [await client(a), await client(b)];
    a.events.emit('agent', { agentId: 'agent-7', hostname: 'db-1', connected: true, atMs: Date.parse('2026-12-06T10:00:00Z') });
    const expected = { type: 'agent', event: 'connected', at: '2026-12-06T10:00:00.000Z', agent: { id: 'agent-7', hostname: 'db-1' } };
    await until(() => onB.received.length === 1);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(onB.received).toEqual([expected]);
    expect(onA.received).toEqual([expected]);
    onA.ws.close();
    onB.ws.close();
  });

  it('delivers an incident too large for NOTIFY through the relay table, with the receiving client\'s filters applied', async () => {
    const critical = await client(b, '?types=incident&severity=critical');
    const warnings = await client(b, '?types=incident&severity=warning');
    const large = incident(41, 'x'.repeat(12_000));
    a.events.emit('incident', { change: 'opened', incident: large, atMs: Date.parse('2026-12-06T10:01:00Z') });
    a.events.emit('incident', { change: 'acknowledged', incident: incident(42, 'small'), atMs: Date.parse('2026-12-06T10:02:00Z') });
    await until(() => critical.received.length === 2);
    expect(critical.received.map((m) => m.type === 'incident' && [m.event, m.incident.id, m.incident.description.length])).toEqual(
      expect.arrayContaining([['opened', 41, 12_000], ['acknowledged', 42, 5]]),
    );
    expect(warnings.received).toEqual([]);
    expect(await opened.db.get('SELECT count(*) AS n FROM live_relay')).toEqual({ n: 1 });
    critical.ws.close();
    warnings.ws.close();
  });

  it('does not relay service states: every collector judges them itself', async () => {
    const onB = await client(b);
    a.events.emit('service', { id: 'web', name: 'Web', state: 'down', previous: 'up', atMs: Date.parse('2026-12-06T10:03:00Z') });
    a.events.emit('agent', { agentId: 'agent-8', hostname: 'db-2', connected: false, atMs: Date.parse('2026-12-06T10:04:00Z') });
    await until(() => onB.received.length === 1);
    expect(onB.received.map((m) => m.type)).toEqual(['agent']);
    onB.ws.close();
  });
});
