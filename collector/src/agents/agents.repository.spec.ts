import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Database } from '../database/database.js';
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

describe('AgentsRepository on a real SQLite file', () => {
  let dir: string;
  let db: Database;
  let repo: AgentsRepository;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-agents-'));
    db = await Database.open({ path: join(dir, 'vigil.db') });
    await migrate(db, agentsMigrations);
    repo = new AgentsRepository(db);
  });

  afterEach(async () => {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('touches many agents in one statement: last seen only moves forward, spool figures are replaced, others untouched', async () => {
    for (const a of [agent('a-1', 5_000), agent('a-2', 9_000), agent('a-3', 7_000)]) await repo.upsert(a);
    await repo.touch([
      { id: 'a-1', lastSeenMs: 6_000, spoolPending: 12, spoolDropped: 3 },
      { id: 'a-2', lastSeenMs: 8_000, spoolPending: 0, spoolDropped: 1 },
      { id: 'gone', lastSeenMs: 8_000, spoolPending: 4, spoolDropped: 4 },
    ]);
    expect((await repo.all()).map((a) => [a.id, a.lastSeenMs, a.spoolPending, a.spoolDropped])).toEqual([
      ['a-1', 6_000, 12, 3],
      ['a-2', 9_000, 0, 1],
      ['a-3', 7_000, 0, 0],
    ]);
  });
});
