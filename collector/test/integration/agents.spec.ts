// The agent registry on both engines, and what it keeps when several collectors share one database:
// each writes the agents connected to it, and an agent that moved on must not be written back in time.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AgentsRepository, type AgentRow } from '../../src/agents/agents.repository.js';
import { agentsMigrations } from '../../src/agents/agents.migrations.js';
import { AgentsService, type AgentHello } from '../../src/agents/agents.service.js';
import { ManualClock } from '../../src/common/clock.js';
import { CollectorEvents } from '../../src/common/events.js';
import { migrate } from '../../src/database/migrations.js';
import { engines, type EngineDatabase } from '../../../test/support/engines.js';

const T0 = Date.UTC(2026, 11, 6, 12);

const hello = (id: string, version = '1.0.0'): AgentHello => ({
  id,
  hostname: `host-${id}`,
  version,
  labels: { site: 'fra' },
  inventory: { os: 'linux' },
  intervalMs: 10_000,
});

describe.each(engines('agents.spec'))('agent registry on $name', (engine) => {
  let opened: EngineDatabase;
  let clock: ManualClock;
  const services: AgentsService[] = [];

  /** A collector's registry on its own connection to the shared database. */
  async function collector(reopen = false): Promise<{ agents: AgentsService; repository: AgentsRepository }> {
    const repository = new AgentsRepository(reopen ? await opened.reopen() : opened.db);
    const agents = new AgentsService(repository, new CollectorEvents(), clock);
    await agents.onModuleInit();
    services.push(agents);
    return { agents, repository };
  }

  const stored = async (repository: AgentsRepository, id: string): Promise<AgentRow | undefined> => (await repository.all()).find((a) => a.id === id);

  beforeEach(async () => {
    opened = await engine.open();
    await migrate(opened.db, agentsMigrations);
    clock = new ManualClock(T0);
  });

  afterEach(async () => {
    for (const agents of services.splice(0)) await agents.onModuleDestroy();
    await opened.dispose();
  });

  it('records agents, their spool figures and last-seen times, and loads them after a restart', async () => {
    const { agents } = await collector();
    await agents.connected(hello('a1'));
    clock.advance(30_000);
    agents.seen('a1', { pending: 12, dropped: 3 });
    await agents.sourceSeen({ id: 'remote_write:prom-1', hostname: 'prom-1', version: 'prometheus' });
    await agents.onModuleDestroy(); // flushes the last-seen times

    const { agents: restarted } = await collector(true);
    expect(restarted.list()).toEqual([
      {
        id: 'a1', kind: 'agent', hostname: 'host-a1', version: '1.0.0', labels: { site: 'fra' }, connected: false, lastSeen: T0 + 30_000,
        intervalMs: 10_000, inventory: { os: 'linux' }, spoolPending: 12, spoolDropped: 3,
      },
      {
        id: 'remote_write:prom-1', kind: 'remote_write', hostname: 'prom-1', version: 'prometheus', labels: {}, connected: true, lastSeen: T0 + 30_000,
        intervalMs: 0, inventory: {}, spoolPending: 0, spoolDropped: 0,
      },
    ]);
  });

  it('keeps the newest word of an agent that moved between two collectors sharing the database', async () => {
    const first = await collector();
    const second = await collector(true);
    await first.agents.connected(hello('a1', '1.0.0'));
    clock.advance(5_000);
    first.agents.seen('a1', { pending: 100, dropped: 0 });

    // The agent fails over: the second collector hears a newer hello and newer spool figures.
    clock.advance(60_000);
    await second.agents.connected(hello('a1', '1.1.0'));
    clock.advance(10_000);
    second.agents.seen('a1', { pending: 4, dropped: 1 });
    await second.agents.onModuleDestroy();
    const newest = { version: '1.1.0', firstSeenMs: T0, lastSeenMs: T0 + 75_000, spoolPending: 4, spoolDropped: 1 };
    expect(await stored(first.repository, 'a1')).toMatchObject(newest);

    // The first collector flushes what it last heard, older: nothing moves back.
    await first.agents.onModuleDestroy();
    expect(await stored(first.repository, 'a1')).toMatchObject(newest);
    // A stale hello (a collector whose clock lags, or a hello that raced) changes nothing either.
    await first.repository.upsert({ ...hello('a1', '0.9.0'), firstSeenMs: T0 + 1, lastSeenMs: T0 + 70_000, spoolPending: 9, spoolDropped: 9 });
    expect(await stored(first.repository, 'a1')).toMatchObject(newest);
    // A newer one wins, and the first-seen time stays the first.
    await first.repository.upsert({ ...hello('a1', '1.2.0'), firstSeenMs: T0 + 80_000, lastSeenMs: T0 + 80_000, spoolPending: 0, spoolDropped: 0 });
    expect(await stored(first.repository, 'a1')).toMatchObject({ version: '1.2.0', firstSeenMs: T0, lastSeenMs: T0 + 80_000, spoolPending: 0 });
  });

  it('lands concurrent last-seen updates of two collectors at the newest time', async () => {
    const first = await collector();
    const second = await collector(true);
    await first.agents.connected(hello('a1'));
    const row = (await stored(first.repository, 'a1'))!;
    // Both collectors write the same agents in turns, each with its own times, at once.
    const writes = [first.repository, second.repository].map(async (repository, c) => {
      for (let i = 1; i <= 20; i++) await repository.touch([{ id: 'a1', lastSeenMs: T0 + i * 1000 + c, spoolPending: c, spoolDropped: i }]);
    });
    await Promise.all(writes);
    expect(await stored(second.repository, 'a1')).toEqual({ ...row, lastSeenMs: T0 + 20_001, spoolPending: 1, spoolDropped: 20 });
  });

  it.runIf(engine.name === 'postgres')('shows an agent streaming to another collector as connected while that collector writes its last seen', async () => {
    const withPeers = async (db: EngineDatabase['db']) => {
      const agents = new AgentsService(new AgentsRepository(db), new CollectorEvents(), clock, db);
      await agents.onModuleInit();
      services.push(agents);
      return agents;
    };
    const a = await withPeers(opened.db);
    const b = await withPeers(await opened.reopen());
    // Each collector writes its agents' last seen and reads the others' every FLUSH_INTERVAL_MS.
    const flushBoth = async () => {
      for (const agents of [a, b]) await (agents as unknown as { flush(): Promise<void> }).flush();
    };
    await a.connected(hello('a1'));
    await flushBoth();
    expect(b.list().find((x) => x.id === 'a1')).toMatchObject({ connected: true, lastSeen: T0 });
    expect(b.connectedCount()).toBe(0); // vigil_agents_connected stays per collector

    clock.advance(20_000);
    a.seen('a1', { pending: 0, dropped: 0 });
    await flushBoth();
    expect(b.list().find((x) => x.id === 'a1')?.connected).toBe(true);

    // Its collector died: nobody writes its last seen, and after three intervals it counts as gone.
    clock.advance(3 * 10_000 + 1);
    expect(b.list().find((x) => x.id === 'a1')?.connected).toBe(false);
  });
});
