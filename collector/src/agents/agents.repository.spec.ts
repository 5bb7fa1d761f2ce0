import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { engines, type EngineDatabase } from '../../../test/support/engines.js';
import { migrate } from '../database/migrations.js';
import { agentsMigrations } from './agents.migrations.js';
import { AgentsRepository, type AgentRow } from './agents.repository.js';

const agent = (id: string, lastSeenMs: number): AgentRow => ({
  id,
  hostname: `${id}.example`,
  version: '1.0.0',
  labels: { site: 'par' },
  inventory: {},
  intervalMs: 10_000,
  firstSeenMs: 1_000,
  lastSeenMs,
  spoolPending: 0,
  spoolDropped: 0,
});

describe.each(engines('agents.repository.spec'))('AgentsRepository on $name', (engine) => {
  let opened: EngineDatabase;
  let repo: AgentsRepository;

  beforeEach(async () => {
    opened = await engine.open();
    await migrate(opened.db, agentsMigrations);
    repo = new AgentsRepository(opened.db);
  });

  afterEach(async () => {
    await opened.dispose();
  });

  it('touches many agents in one statement: an update older than the stored last seen changes nothing, others untouched', async () => {
    for (const a of [agent('a-1', 5_000), agent('a-2', 9_000), agent('a-3', 7_000)]) await repo.upsert(a);
    await repo.touch([
      { id: 'a-1', lastSeenMs: 6_000, spoolPending: 12, spoolDropped: 3 },
      { id: 'a-2', lastSeenMs: 8_000, spoolPending: 0, spoolDropped: 1 },
      { id: 'gone', lastSeenMs: 8_000, spoolPending: 4, spoolDropped: 4 },
    ]);
    expect((await repo.all()).map((a) => [a.id, a.lastSeenMs, a.spoolPending, a.spoolDropped])).toEqual([
      ['a-1', 6_000, 12, 3],
      ['a-2', 9_000, 0, 0], // a collector the agent has left must not write its figures back
      ['a-3', 7_000, 0, 0],
    ]);
  });

  it('upserts many agents in one statement as writing them one by one would: older rows change nothing, the last of the newest rows of one agent wins', async () => {
    const oneByOne = await engine.open();
    try {
      await migrate(oneByOne.db, agentsMigrations);
      const single = new AgentsRepository(oneByOne.db);
      const before = [agent('a-1', 5_000), agent('a-2', 9_000)];
      const rows: AgentRow[] = [
        { ...agent('a-1', 6_000), hostname: 'first.example', labels: { site: 'ams' }, inventory: { os: 'linux' }, intervalMs: 1_000, firstSeenMs: 6_000 },
        { ...agent('a-2', 8_000), hostname: 'stale.example' }, // older than stored: a collector the agent has left
        { ...agent('a-3', 7_000), spoolPending: 4, spoolDropped: 2 },
        { ...agent('a-1', 6_000), hostname: 'second.example' }, // same time, later: wins
        { ...agent('a-3', 6_500), hostname: 'older.example' }, // older than an earlier row of the same statement
        { ...agent('a-4', 1_000), version: '2.0.0' },
        { ...agent('a-4', 2_000), version: '2.0.1' },
      ];
      await repo.upsertMany(before);
      await repo.upsertMany(rows);
      for (const a of before) await single.upsert(a);
      for (const a of rows) await single.upsert(a);
      const stored = await repo.all();
      expect(stored).toEqual(await single.all());
      expect(stored.map((a) => [a.id, a.hostname, a.version, a.firstSeenMs, a.lastSeenMs])).toEqual([
        ['a-1', 'second.example', '1.0.0', 1_000, 6_000],
        ['a-2', 'a-2.example', '1.0.0', 1_000, 9_000],
        ['a-3', 'a-3.example', '1.0.0', 1_000, 7_000],
        ['a-4', 'a-4.example', '2.0.1', 1_000, 2_000],
      ]);
    } finally {
      await oneByOne.dispose();
    }
  });
});
