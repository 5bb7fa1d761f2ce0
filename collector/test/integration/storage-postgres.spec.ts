// Several collectors on one PostgreSQL: two PostgresSampleStore instances on one database, each on
// its own connection pool, as two collector processes would be.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../src/database/database.js';
import { PostgresSampleStore, type PostgresSampleStoreOptions } from '../../src/storage/postgres/postgres-sample-store.js';
import type { IncomingBatch, IncomingSeries, StoredSeriesSamples } from '../../src/storage/storage.types.js';
import { classifyStorageError } from '../../src/ingest/ingest.errors.js';
import { postgresEngine } from '../../../test/support/engines.js';
import type { EngineDatabase } from '../../../test/support/engines.js';

const T0 = 1_700_000_000_000;
const DAY = 86_400_000;
const engine = postgresEngine('storage-postgres.spec');

function gauge(metric: string, labels: Record<string, string>, points: Array<[number, number]>): IncomingSeries {
  return { metric, labels, kind: 'gauge', timestamps: points.map((p) => p[0]), values: points.map((p) => p[1]) };
}

function batch(seq: number, series: IncomingSeries[], agentId = 'agent-a', epoch = 'e1'): IncomingBatch {
  return { agentId, epoch, seq, series };
}

describe.runIf(engine)('PostgresSampleStore shared by several collectors', () => {
  let data: EngineDatabase;
  const dbs: Database[] = [];
  const stores: PostgresSampleStore[] = [];

  async function openCollector(options: PostgresSampleStoreOptions = {}): Promise<PostgresSampleStore> {
    const db = dbs.length === 0 ? data.db : await data.reopen();
    dbs.push(db);
    const store = await PostgresSampleStore.open(db, { followGraceMs: 0, followPollMs: 50, ...options, compaction: { auto: false, ...options.compaction } });
    stores.push(store);
    return store;
  }

  beforeEach(async () => {
    data = await engine!.open();
  });

  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close();
    dbs.length = 0;
    await data.dispose();
  });

  it('stores a batch appended to two collectors at once exactly once, the other answering duplicate', async () => {
    const a = await openCollector();
    const b = await openCollector();
    const outcomes: string[] = [];
    for (let seq = 1; seq <= 40; seq++) {
      const sent = batch(seq, [gauge('m', { agent: 'agent-a', s: String(seq % 4) }, [[T0 + seq * 1000, seq]])]);
      // The old collector still commits the batch while the agent already replays it to the new one.
      const both = await Promise.all([a.append(sent), b.append(sent)]);
      outcomes.push(both.map((r) => r.outcome.status).sort().join('+'));
    }
    expect(outcomes).toEqual(new Array(40).fill('duplicate+stored'));
    expect(await a.countSamples()).toBe(40);
    expect(await b.lastStoredSeq('agent-a', 'e1')).toBe(40);
    for (const store of [a, b]) {
      const series = await store.findSeries({ metric: 'm' });
      expect(series).toHaveLength(4);
      const points = (await Promise.all(series.map((s) => store.queryRange(s.id, 0, Infinity)))).flat();
      expect(points).toHaveLength(40);
    }
  });

  it('fails only the batch whose content PostgreSQL refuses with a data exception, committing the rest of its group', async () => {
    const a = await openCollector();
    // A stand-in for content the database cannot store: a data exception raised for one agent's rows.
    await dbs[0]!.transaction((tx) =>
      tx.exec(`CREATE FUNCTION refuse_bad() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.agent_id = 'agent-bad' THEN RAISE EXCEPTION 'value out of range' USING ERRCODE = '22003'; END IF; RETURN NEW; END $$;
        CREATE TRIGGER refuse_bad BEFORE INSERT ON stream_seq FOR EACH ROW EXECUTE FUNCTION refuse_bad();`),
    );
    const [bad, good] = await Promise.allSettled([a.append(batch(1, [gauge('m', { s: 'bad' }, [[T0, 1]])], 'agent-bad')), a.append(batch(1, [gauge('m', { s: 'fine' }, [[T0, 2]])], 'agent-good'))]);
    expect(good).toEqual({ status: 'fulfilled', value: expect.objectContaining({ outcome: { status: 'stored', samples: 1 } }) });
    expect(bad).toEqual({ status: 'rejected', reason: expect.objectContaining({ code: '22003', message: 'value out of range' }) });
    expect(await a.countSamples()).toBe(1);
    expect(await a.lastStoredSeq('agent-bad', 'e1')).toBe(0);
  });

  it('answers retryable when its connections are killed, and stores the retried batch once afterwards', async () => {
    const a = await openCollector();
    const b = await openCollector();
    await a.append(batch(1, [gauge('m', {}, [[T0, 1]])]));
    // An administrator (or a server restart) ends every connection of a's database but b's.
    await b.countSamples();
    const killed = await dbs[1]!.all<{ n: number }>(
      "SELECT count(pg_terminate_backend(pid)) AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name = 'vigil-collector'",
    );
    expect(killed[0]!.n).toBeGreaterThan(0);
    const sent = batch(2, [gauge('m', {}, [[T0 + 1, 2]])]);
    let stored = false;
    for (let attempt = 0; attempt < 5 && !stored; attempt++) {
      try {
        const { outcome } = await a.append(sent);
        expect(['stored', 'duplicate']).toContain(outcome.status);
        stored = true;
      } catch (error) {
        const failure = classifyStorageError(error);
        expect(failure.kind === 'retryable' && failure.error.reason).toBe('storage_unreachable');
      }
    }
    expect(stored).toBe(true);
    expect(await a.append(batch(3, [gauge('m', {}, [[T0 + 2, 3]])]))).toMatchObject({ outcome: { status: 'stored' } });
    expect(await b.countSamples()).toBe(3);
    expect(a.writeState()).toEqual({ writable: true });
  });

  it('judges sequences against the database: a collector that saw the stream long ago neither refuses a gap nor stores a replay', async () => {
    const a = await openCollector({ maxSequenceGap: 5 });
    const b = await openCollector({ maxSequenceGap: 5 });
    await b.append(batch(1, [gauge('m', {}, [[T0, 1]])]));
    for (let seq = 2; seq <= 20; seq++) await a.append(batch(seq, [gauge('m', {}, [[T0 + seq, seq]])]));
    // b last saw seq 1: 21 is a step of 1 past the stored 20, not a gap of 20.
    expect((await b.append(batch(21, [gauge('m', {}, [[T0 + 21, 21]])]))).outcome).toEqual({ status: 'stored', samples: 1 });
    expect((await b.append(batch(15, [gauge('m', {}, [[T0 + 15, -1]])]))).outcome).toEqual({ status: 'duplicate' });
    await expect(a.append(batch(40, []))).rejects.toThrow('batch sequence 40 jumps 19 past the last stored 21 (limit 5, ingest.max_sequence_gap)');
    expect(await a.countSamples()).toBe(21);
  });

  it('gives one id per series when two collectors create the same new series concurrently', async () => {
    const a = await openCollector();
    const b = await openCollector();
    const series = (agent: string, ts: number) => Array.from({ length: 100 }, (_, i) => gauge('vigil_cpu', { cpu: String(i) }, [[ts, i]]));
    const [ra, rb] = await Promise.all([a.append(batch(1, series('x', T0), 'agent-x')), b.append(batch(1, series('y', T0 + 1), 'agent-y'))]);
    const idsA = ra.stored.map((s) => s.series.id);
    const idsB = rb.stored.map((s) => s.series.id);
    expect(new Set(idsA).size).toBe(100);
    expect(idsB).toEqual(idsA);
    expect((await b.findSeries({ metric: 'vigil_cpu' })).map((s) => s.id).sort((x, y) => x - y)).toEqual([...idsA].sort((x, y) => x - y));
    expect(await a.getSeries(idsA[7]!)).toEqual({ id: idsA[7], metric: 'vigil_cpu', labels: { cpu: '7' }, kind: 'gauge' });
    expect(await a.queryRange(idsA[7]!, 0, Infinity)).toEqual([[T0, 7], [T0 + 1, 7]]);
  });

  it('reads what another collector stored as soon as its append resolved, before and after that collector compacted it', async () => {
    const a = await openCollector();
    const b = await openCollector();
    const { stored } = await b.append(batch(1, [gauge('m', { s: '1' }, [[T0, 1], [T0 + 1000, 2]])]));
    const id = stored[0]!.series.id;
    expect(await a.queryRange(id, 0, Infinity)).toEqual([[T0, 1], [T0 + 1000, 2]]);
    expect(await a.latest([id])).toEqual(new Map([[id, [T0 + 1000, 2]]]));
    await b.append(batch(2, [gauge('m', { s: '1' }, [[T0 + 1000, 5], [T0 + 2000, 3]])]));
    await b.compact();
    // a still holds b's rows in memory: the rewrite of T0+1000 must win over them.
    expect(await a.queryRange(id, 0, Infinity)).toEqual([[T0, 1], [T0 + 1000, 5], [T0 + 2000, 3]]);
    expect(a.stats().logRows).toBe(0);
    expect(await a.countSamples()).toBe(4);
  });

  it('follows the samples other collectors store, in their commit order, and not its own', async () => {
    const a = await openCollector();
    const b = await openCollector();
    const c = await openCollector();
    const seen: Array<[string, number[]]> = [];
    const stop = a.followPeers((samples: StoredSeriesSamples[]) => {
      for (const s of samples) seen.push([s.series.labels.from!, s.values]);
    });
    await a.append(batch(1, [gauge('m', { from: 'a' }, [[T0, 0]])], 'agent-a'));
    for (let seq = 1; seq <= 5; seq++) {
      await b.append(batch(seq, [gauge('m', { from: 'b' }, [[T0 + seq, seq]])], 'agent-b'));
      await c.append(batch(seq, [gauge('m', { from: 'c' }, [[T0 + seq, 10 * seq]])], 'agent-c'));
    }
    await a.latest(); // reads sync the follower first
    const byPeer = (peer: string) => seen.filter(([from]) => from === peer).map(([, v]) => v[0]);
    expect(byPeer('b')).toEqual([1, 2, 3, 4, 5]);
    expect(byPeer('c')).toEqual([10, 20, 30, 40, 50]);
    expect(byPeer('a')).toEqual([]);
    // With no grace, b's compaction may take rows a has not read yet: they are counted, not delivered.
    for (let seq = 6; seq <= 9; seq++) await b.append(batch(seq, [gauge('m', { from: 'b' }, [[T0 + seq, seq]])], 'agent-b'));
    await b.compact();
    await b.append(batch(10, [gauge('m', { from: 'b' }, [[T0 + 10, 10]])], 'agent-b'));
    await a.latest();
    expect(byPeer('b').slice(0, 5)).toEqual([1, 2, 3, 4, 5]);
    expect(byPeer('b').at(-1)).toBe(10);
    expect(byPeer('b').length - 5 + a.missedPeerRows).toBe(5);
    stop();
    await c.append(batch(6, [gauge('m', { from: 'c' }, [[T0 + 6, 60]])], 'agent-c'));
    await a.latest();
    expect(byPeer('c')).toEqual([10, 20, 30, 40, 50]);
  });

  it('delivers every peer row to a follower when compaction respects the grace', async () => {
    const a = await openCollector({ followGraceMs: 60_000 });
    const b = await openCollector({ followGraceMs: 60_000 });
    const seen: number[] = [];
    a.followPeers((samples) => {
      for (const s of samples) seen.push(...s.values);
    });
    for (let seq = 1; seq <= 20; seq++) await b.append(batch(seq, [gauge('m', {}, [[T0 + seq, seq]])], 'agent-b'));
    await b.compact(); // nothing is older than the grace: the rows stay for followers
    await a.latest();
    expect(seen).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect((await b.storageFootprint()).logRows).toBe(20);
  });

  it('is woken by the committing collector (NOTIFY): peers\' samples arrive without waiting for the poll', async () => {
    const a = await openCollector({ followPollMs: 60_000 });
    const b = await openCollector({ followPollMs: 60_000 });
    const seen: number[] = [];
    a.followPeers((samples) => {
      for (const s of samples) seen.push(...s.values);
    });
    await new Promise((r) => setTimeout(r, 200)); // a's listening connection is up
    for (let seq = 1; seq <= 3; seq++) await b.append(batch(seq, [gauge('m', {}, [[T0 + seq, seq]])], 'agent-b'));
    const deadline = Date.now() + 5_000;
    while (seen.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(seen).toEqual([1, 2, 3]);
  });

  it('drops whole day partitions for retention and cuts the day holding the cutoff', async () => {
    const a = await openCollector({ chunk: { maxSamples: 10 } });
    const b = await openCollector();
    // 4 days, a sample every hour, from two collectors.
    let seq = 0;
    for (let h = 0; h < 96; h++) {
      const store = h % 2 ? a : b;
      await store.append(batch(++seq, [gauge('m', { s: 'x' }, [[T0 - (T0 % DAY) + h * 3_600_000, h]])]));
    }
    await a.compact();
    const days = async () => (await dbs[0]!.all<{ n: number }>("SELECT count(*) AS n FROM pg_inherits WHERE inhparent = CAST('chunk' AS regclass)"))[0]!.n;
    expect(await days()).toBe(4);
    const cutoff = T0 - (T0 % DAY) + 2 * DAY + 6 * 3_600_000 + 1; // keeps hours 55..95
    expect(await b.deleteBefore(cutoff)).toBe(55);
    expect(await days()).toBe(2);
    const [x] = await a.findSeries({ labels: { s: 'x' } });
    expect((await a.queryRange(x!.id, 0, Infinity)).map((p) => p[1])).toEqual(Array.from({ length: 41 }, (_, i) => 55 + i));
    expect(await a.countSamples()).toBe(41);
    // a's cached head was invalidated by b's retention: appending continues the series correctly.
    await a.append(batch(++seq, [gauge('m', { s: 'x' }, [[T0 - (T0 % DAY) + 96 * 3_600_000, 96]])]));
    await a.compact();
    expect((await b.queryRange(x!.id, 0, Infinity)).length).toBe(42);
  });

  it('keeps every sample exact while two collectors append and compact at the same time', async () => {
    const a = await openCollector({ chunk: { maxSamples: 8 } });
    const b = await openCollector({ chunk: { maxSamples: 8 } });
    const expected = new Map<string, Array<[number, number]>>();
    let seq = 0;
    const work: Array<Promise<unknown>> = [];
    for (let round = 0; round < 30; round++) {
      for (const [store, agent] of [[a, 'agent-a'], [b, 'agent-b']] as const) {
        const points = ['p', 'q', 'r'].map((s) => {
          const point: [number, number] = [T0 + round * 1000, round * 10 + s.charCodeAt(0)];
          // The two agents write the same series (an agent moving between collectors).
          const key = s;
          expected.set(key, [...(expected.get(key) ?? []).filter((p) => p[0] !== point[0]), point]);
          return gauge('m', { s }, [point]);
        });
        work.push(store.append(batch(agent === 'agent-a' ? ++seq : seq, points, agent)));
      }
      if (round % 5 === 4) work.push(a.compact(), b.compact());
      await Promise.all(work.splice(0));
    }
    await Promise.all([a.compact(), b.compact()]);
    for (const store of [a, b]) {
      for (const [s, points] of expected) {
        const [ref] = await store.findSeries({ labels: { s } });
        expect(await store.queryRange(ref!.id, 0, Infinity)).toEqual(points.sort((x, y) => x[0] - y[0]));
      }
    }
    expect((await a.storageFootprint()).logRows).toBe(0);
  });
});
