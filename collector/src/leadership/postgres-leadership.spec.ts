import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { postgresEngine, type EngineDatabase } from '../../../test/support/engines.js';
import type { Database } from '../database/database.js';
import { migrate } from '../database/migrations.js';
import type { PostgresDatabase } from '../database/postgres-database.js';
import { NotLeaderError } from './leadership.js';
import { leadershipMigrations } from './leadership.migrations.js';
import { PostgresLeadership } from './postgres-leadership.js';

const postgres = postgresEngine('postgres-leadership.spec');
const POLL_MS = 150;

describe.runIf(postgres)('PostgresLeadership', () => {
  let opened: EngineDatabase;
  let dbA: PostgresDatabase;
  let dbB: PostgresDatabase;
  let admin: pg.Client;
  const started: PostgresLeadership[] = [];

  beforeAll(async () => {
    opened = await postgres!.open();
    dbA = opened.db as PostgresDatabase;
    dbB = (await opened.reopen()) as PostgresDatabase;
    await migrate(dbA, leadershipMigrations);
    await dbA.transaction((tx) => tx.exec('CREATE TABLE writes (what TEXT NOT NULL)'));
    admin = new pg.Client(dbA.clientConfig('leadership-spec-admin'));
    await admin.connect();
  });
  afterEach(async () => {
    await Promise.all(started.splice(0).map((l) => l.close()));
    await dbA.transaction((tx) => tx.run('DELETE FROM writes'));
  });
  afterAll(async () => {
    await admin?.end();
    await opened?.dispose();
  });

  /** A collector's leadership on its own database handle, with a session named after it. */
  async function replica(name: string, db: PostgresDatabase, pollIntervalMs = POLL_MS): Promise<{ leadership: PostgresLeadership; changes: boolean[] }> {
    const leadership = new PostgresLeadership({ client: db.clientConfig(`leader-${name}`), replicaId: name, pollIntervalMs });
    const changes: boolean[] = [];
    leadership.onChange((leader) => changes.push(leader));
    started.push(leadership);
    await leadership.start();
    return { leadership, changes };
  }

  async function until(condition: () => boolean, withinMs: number): Promise<number> {
    const start = performance.now();
    while (!condition()) {
      if (performance.now() - start > withinMs) throw new Error(`condition not met within ${withinMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return performance.now() - start;
  }

  const killSession = (name: string) => admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1", [`leader-${name}`]);
  const fencedWrite = (db: Database, leadership: PostgresLeadership, what: string) =>
    db.transaction(async (tx) => {
      await leadership.assertLeader(tx);
      await tx.run('INSERT INTO writes (what) VALUES (?)', [what]);
    });
  const written = async () => (await dbA.all<{ what: string }>('SELECT what FROM writes ORDER BY what')).map((r) => r.what);

  it('elects exactly one of two collectors, with a new term recorded for it', async () => {
    const a = await replica('a', dbA);
    const b = await replica('b', dbB);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS * 3));
    expect([a.leadership.isLeader(), b.leadership.isLeader()]).toEqual([true, false]);
    expect(a.changes).toEqual([true]);
    expect(b.changes).toEqual([]);
    const row = await dbA.get<{ term: number; holder: string }>('SELECT term, holder FROM leadership');
    expect(row).toEqual({ term: a.leadership.term, holder: 'a' });
    await fencedWrite(dbA, a.leadership, 'from a');
    await expect(fencedWrite(dbB, b.leadership, 'from b')).rejects.toThrow(new NotLeaderError('b is a standby'));
    expect(await written()).toEqual(['from a']);
  });

  it('hands over within one poll when the leader session is killed, and the old leader steps down at once', async () => {
    const a = await replica('a', dbA);
    const b = await replica('b', dbB);
    const oldTerm = a.leadership.term!;
    await killSession('a');
    await until(() => !a.leadership.isLeader(), 1_000);
    expect(a.changes).toEqual([true, false]);
    const waited = await until(() => b.leadership.isLeader(), 2_000);
    expect(waited).toBeLessThan(POLL_MS * 3);
    expect(b.leadership.term).toBe(oldTerm + 1);
    // The old leader keeps polling as a standby and does not take the lock back.
    await new Promise((resolve) => setTimeout(resolve, POLL_MS * 3));
    expect(a.leadership.isLeader()).toBe(false);
    expect(a.changes).toEqual([true, false]);
  });

  it('hands over within one poll when the leader closes', async () => {
    const a = await replica('a', dbA);
    const b = await replica('b', dbB);
    await a.leadership.close();
    expect(a.changes).toEqual([true, false]);
    expect(await until(() => b.leadership.isLeader(), 2_000)).toBeLessThan(POLL_MS * 3);
  });

  it('fails a deposed leader\'s fenced transaction with NotLeaderError, writes nothing, and steps it down', async () => {
    // A leader that has not yet noticed it lost its session: a successor's term is already recorded.
    const a = await replica('a', dbA, 60_000);
    await admin.query("UPDATE leadership SET term = term + 1, holder = 'successor'");
    await expect(fencedWrite(dbA, a.leadership, 'stale')).rejects.toThrow(NotLeaderError);
    expect(await written()).toEqual([]);
    expect(a.leadership.isLeader()).toBe(false);
    expect(a.changes).toEqual([true, false]);
  });

  it('keeps a successor waiting until the deposed leader\'s fenced transaction ends', async () => {
    const a = await replica('a', dbA);
    const b = await replica('b', dbB);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let fenced!: () => void;
    const passedFence = new Promise<void>((resolve) => (fenced = resolve));
    const inFlight = dbA.transaction(async (tx) => {
      await a.leadership.assertLeader(tx);
      fenced();
      await gate;
      await tx.run('INSERT INTO writes (what) VALUES (?)', ['in flight']);
    });
    await passedFence;
    await killSession('a');
    await until(() => !a.leadership.isLeader(), 1_000);
    // b takes the lock but its term bump waits for the row a's transaction holds FOR SHARE.
    await new Promise((resolve) => setTimeout(resolve, POLL_MS * 4));
    expect(b.leadership.isLeader()).toBe(false);
    release();
    await inFlight;
    await until(() => b.leadership.isLeader(), 2_000);
    expect(await written()).toEqual(['in flight']);
    await expect(fencedWrite(dbA, a.leadership, 'after')).rejects.toThrow(NotLeaderError);
    expect(await written()).toEqual(['in flight']);
  });
});
