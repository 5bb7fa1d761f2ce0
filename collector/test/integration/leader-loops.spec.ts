// Two collectors on one PostgreSQL, each with its real PostgresLeadership: only the leader runs the
// outbox delivery, a standby takes it over when the leader's session dies, a deposed leader's fenced
// write delivers nothing, and every collector sees the agents its peers serve (agent_down input).
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { postgresEngine, type EngineDatabase } from '../../../test/support/engines.js';
import { AgentsRepository } from '../../src/agents/agents.repository.js';
import { AgentsService } from '../../src/agents/agents.service.js';
import { allMigrations } from '../../src/all-migrations.js';
import { ManualClock, systemClock } from '../../src/common/clock.js';
import { CollectorEvents } from '../../src/common/events.js';
import { migrate } from '../../src/database/migrations.js';
import type { PostgresDatabase } from '../../src/database/postgres-database.js';
import { notifiersSchema } from '../../src/incidents/incidents.config.js';
import { PostgresLeadership } from '../../src/leadership/postgres-leadership.js';
import { DeliveryWorker } from '../../src/notify/delivery-worker.js';
import { createNotifier } from '../../src/notify/notifiers.js';
import { OutboxRepository } from '../../src/notify/outbox.repository.js';
import type { NotificationMessage } from '../../src/notify/notify.types.js';
import { Receiver, eventually } from './incidents.support.js';

const postgres = postgresEngine('leader-loops.spec');
const message: NotificationMessage = {
  incidentId: 1, fingerprint: 'f'.repeat(32), event: 'trigger', repeat: false, refresh: false, state: 'open', rule: 'disk-almost-full', severity: 'warning',
  service: 'shop', title: 'Disk / on web-1 at 93%', description: '', labels: { host: 'web-1' }, value: 0.93, startedMs: 0, openedMs: 0,
  acknowledgedMs: null, acknowledgedBy: null, resolvedMs: null, url: 'http://127.0.0.1:8080/incidents/1',
};
const POLL_MS = 150;

describe.runIf(postgres)('leader-only loops across two collectors on PostgreSQL', () => {
  let opened: EngineDatabase;
  let dbs: PostgresDatabase[];
  let admin: pg.Client;
  let receiver: Receiver;
  const closing: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    opened = await postgres!.open();
    dbs = [opened.db as PostgresDatabase, (await opened.reopen()) as PostgresDatabase];
    await migrate(dbs[0]!, allMigrations);
    admin = new pg.Client(dbs[0]!.clientConfig('leader-loops-admin'));
    await admin.connect();
  });
  afterEach(async () => {
    for (const close of closing.splice(0).reverse()) await close();
    await receiver?.close();
    await dbs[0]!.transaction((tx) => tx.run('DELETE FROM notification_outbox'));
  });
  afterAll(async () => {
    await admin?.end();
    await opened?.dispose();
  });

  async function leadership(name: string, db: PostgresDatabase, pollIntervalMs = POLL_MS): Promise<PostgresLeadership> {
    const l = new PostgresLeadership({ client: db.clientConfig(`loops-${name}`), replicaId: name, pollIntervalMs });
    closing.push(() => l.close());
    await l.start();
    return l;
  }

  /** One collector's delivery worker, wired as NotifyService wires it. */
  function worker(db: PostgresDatabase, l: PostgresLeadership, delivered: string[] = []): DeliveryWorker {
    const notifiers = new Map(notifiersSchema.parse([{ name: 'ops', type: 'webhook', url: `${receiver.url}/hook` }]).map((c) => [c.name, createNotifier(c)]));
    const w = new DeliveryWorker(new OutboxRepository(db, l), notifiers, systemClock, {
      concurrency: 2, maxAttempts: 3, backoffInitialMs: 20, backoffMaxMs: 100, pollIntervalMs: 50, active: () => l.isLeader(),
    }, (o) => o.outcome === 'delivered' && delivered.push(o.row.idempotency_key));
    l.onChange((leader) => leader && w.wake());
    closing.push(() => w.stop());
    w.start();
    return w;
  }

  const enqueue = (keys: string[]) =>
    dbs[0]!.transaction((tx) =>
      new OutboxRepository(dbs[0]!).enqueue(
        tx,
        keys.map((key) => ({ notifier: 'ops', subject: `incident:${key}`, event: 'trigger', message: JSON.stringify(message), idempotencyKey: key, dueMs: 0, createdMs: 0 })),
      ),
    );
  const deliveredKeys = () => receiver.requests.map((r) => r.headers['idempotency-key']).sort();

  it('delivers through the leader only, and through the standby once the leader session dies, each entry once', async () => {
    receiver = await Receiver.start();
    const [a, b] = [await leadership('a', dbs[0]!), await leadership('b', dbs[1]!)];
    const [byA, byB]: string[][] = [[], []];
    worker(dbs[0]!, a, byA);
    worker(dbs[1]!, b, byB);
    await enqueue(['k1', 'k2', 'k3']);
    await receiver.waitFor(3);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect([byA.sort(), byB]).toEqual([['k1', 'k2', 'k3'], []]);
    await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'loops-a'");
    await eventually(() => b.isLeader(), 3_000);
    await enqueue(['k4', 'k5']);
    await receiver.waitFor(5);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(deliveredKeys()).toEqual(['k1', 'k2', 'k3', 'k4', 'k5']);
    expect([byA, byB.sort()]).toEqual([['k1', 'k2', 'k3'], ['k4', 'k5']]);
    expect(a.isLeader()).toBe(false);
    expect(await dbs[0]!.all("SELECT state, count(*) AS n FROM notification_outbox GROUP BY state")).toEqual([{ state: 'delivered', n: 5 }]);
  });

  it('sends nothing from a leader deposed without noticing: its fenced claim rolls back', async () => {
    receiver = await Receiver.start();
    const a = await leadership('a', dbs[0]!, 60_000);
    await admin.query("UPDATE leadership SET term = term + 1, holder = 'successor'");
    const w = worker(dbs[0]!, a);
    await enqueue(['stale']);
    w.wake();
    await eventually(() => !a.isLeader(), 3_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(receiver.requests).toEqual([]);
    expect(await dbs[0]!.all('SELECT idempotency_key, state, attempts FROM notification_outbox')).toEqual([{ idempotency_key: 'stale', state: 'pending', attempts: 0 }]);
  });

  it('keeps the last seen of agents streaming to another collector current', async () => {
    receiver = await Receiver.start();
    const clockA = new ManualClock(Date.parse('2026-12-06T10:00:00Z'));
    const services = dbs.map((db, i) => new AgentsService(new AgentsRepository(db), new CollectorEvents(), i === 0 ? clockA : systemClock, db));
    for (const s of services) {
      await s.onModuleInit();
      closing.push(() => s.onModuleDestroy());
    }
    const hello = { id: 'agent-1', hostname: 'web-1', version: '1.0.0', labels: {}, inventory: {}, intervalMs: 10_000 };
    await services[0]!.connected(hello);
    // The agent streams to A (a second stream after a reconnect records its last seen at once).
    clockA.advance(30_000);
    await services[0]!.connected(hello);
    await (services[1] as unknown as { flush(): Promise<void> }).flush();
    expect(services[1]!.list().map((a) => [a.id, a.hostname, a.lastSeen, a.intervalMs])).toEqual([['agent-1', 'web-1', Date.parse('2026-12-06T10:00:30Z'), 10_000]]);
  });
});
