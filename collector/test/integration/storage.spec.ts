import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Database } from '../../src/database/database.js';
import { openSampleStore, type OpenedSampleStore } from '../../src/storage/open-store.js';
import type { PostgresSampleStoreOptions } from '../../src/storage/postgres/postgres-sample-store.js';
import { StorageClosedError, StorageInputError, StorageOverloadedError } from '../../src/storage/storage.errors.js';
import type { CommitInfo, IncomingBatch, IncomingSeries, Point } from '../../src/storage/storage.types.js';
import { seededRandom } from '../../src/storage/prng.js';
import { engines, type EngineDatabase } from '../../../test/support/engines.js';

const T0 = 1_700_000_000_000;

function gauge(metric: string, labels: Record<string, string>, points: Array<[number, number]>): IncomingSeries {
  return { metric, labels, kind: 'gauge', timestamps: points.map((p) => p[0]), values: points.map((p) => p[1]) };
}

function batch(seq: number, series: IncomingSeries[], agentId = 'agent-a', epoch = 'e1'): IncomingBatch {
  return { agentId, epoch, seq, series };
}

describe.each(engines('storage.spec'))('sample store on $name', (engine) => {
let data: EngineDatabase;
let firstDb: Database | undefined;
const open: Array<{ store: OpenedSampleStore; db: Database }> = [];

/** Opens the store on the engine's database (the first time) or on a new connection to it (a restart). */
async function openStore(options: PostgresSampleStoreOptions = {}): Promise<{ store: OpenedSampleStore; db: Database }> {
  const db = firstDb ?? (await data.reopen());
  firstDb = undefined;
  // followGraceMs 0: compact() moves every log row (no follower to wait for in these specs).
  const store = await openSampleStore(db, { followGraceMs: 0, ...options, compaction: { auto: false, ...options.compaction } });
  const handle = { store, db };
  open.push(handle);
  return handle;
}

async function closeStore(handle: { store: OpenedSampleStore; db: Database }): Promise<void> {
  open.splice(open.indexOf(handle), 1);
  await handle.store.close();
  await handle.db.close();
}

/** A trigger that fails inserts into `table` where `condition` holds (NEW.column …), in the engine's SQL. */
async function failInserts(db: Database, table: string, condition: string, message: string): Promise<() => Promise<void>> {
  if (db.dialect === 'sqlite') {
    await db.transaction((tx) => tx.exec(`CREATE TEMP TRIGGER inject_failure BEFORE INSERT ON ${table} WHEN ${condition} BEGIN SELECT RAISE(ABORT, '${message}'); END`));
    return () => db.transaction((tx) => tx.exec('DROP TRIGGER inject_failure'));
  }
  await db.transaction((tx) =>
    tx.exec(`CREATE FUNCTION inject_failure() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF ${condition} THEN RAISE EXCEPTION '${message}'; END IF; RETURN NEW; END $$;
      CREATE TRIGGER inject_failure BEFORE INSERT ON ${table} FOR EACH ROW EXECUTE FUNCTION inject_failure();`),
  );
  return () => db.transaction((tx) => tx.exec(`DROP TRIGGER inject_failure ON ${table}; DROP FUNCTION inject_failure()`));
}

beforeEach(async () => {
  data = await engine.open();
  firstDb = data.db;
});

afterEach(async () => {
  for (const h of open.splice(0)) {
    await h.store.close();
    await h.db.close();
  }
  await data.dispose();
});

describe('appends', () => {
  it('keeps series names, labels and stream ids exactly across a restart, whatever characters they hold', async () => {
    const labels = { path: 'C:\\tmp\\"x"', emoji: 'caf\u00e9 \u{1F600}', ctl: 'a\tb\u0000c', json: '{"k":[1]}' };
    const agent = 'agent "\u00e9\\';
    let h = await openStore();
    await h.store.append(batch(7, [gauge('vigil_odd', labels, [[T0, 1]])], agent, 'epoch\n1'));
    await closeStore(h);
    h = await openStore();
    expect((await h.store.findSeries({ metric: 'vigil_odd' })).map((s) => s.labels)).toEqual([labels]);
    expect(await h.store.lastStoredSeq(agent, 'epoch\n1')).toBe(7);
    // The same series again: recognised by its key, not created twice.
    await h.store.append(batch(8, [gauge('vigil_odd', { ...labels }, [[T0 + 1, 2]])], agent, 'epoch\n1'));
    expect(h.store.stats().series).toBe(1);
  });

  it('stores a batch once and answers replays with duplicate, before and after a restart', async () => {
    let h = await openStore();
    const b = batch(1, [gauge('vigil_load1', { host: 'a' }, [[T0, 0.5], [T0 + 10_000, 0.75]]), gauge('vigil_load5', { host: 'a' }, [[T0, 0.25]])]);
    const first = await h.store.append(b);
    expect(first.outcome).toEqual({ status: 'stored', samples: 3 });
    expect(first.stored.map((s) => [s.series.metric, s.series.labels, s.timestamps, s.values])).toEqual([
      ['vigil_load1', { host: 'a' }, [T0, T0 + 10_000], [0.5, 0.75]],
      ['vigil_load5', { host: 'a' }, [T0], [0.25]],
    ]);
    expect(await h.store.lastStoredSeq('agent-a', 'e1')).toBe(1);
    expect(await h.store.lastStoredSeq('agent-a', 'other')).toBe(0);

    expect(await h.store.append(b)).toEqual({ outcome: { status: 'duplicate' }, stored: [] });
    expect(await h.store.countSamples()).toBe(3);
    expect((await h.store.storageFootprint()).logRows).toBe(1);

    await closeStore(h);
    h = await openStore();
    expect(await h.store.lastStoredSeq('agent-a', 'e1')).toBe(1);
    expect(await h.store.append(b)).toEqual({ outcome: { status: 'duplicate' }, stored: [] });
    // A new epoch (wiped agent state) starts its own sequence space.
    expect((await h.store.append(batch(1, [gauge('vigil_load1', { host: 'a' }, [[T0 + 20_000, 1]])], 'agent-a', 'e2'))).outcome).toEqual({ status: 'stored', samples: 1 });
    expect(await h.store.countSamples()).toBe(4);
    const [load1] = await h.store.findSeries({ metric: 'vigil_load1' });
    expect(await h.store.queryRange(load1!.id, 0, Infinity)).toEqual([[T0, 0.5], [T0 + 10_000, 0.75], [T0 + 20_000, 1]]);
    expect(h.store.stats()).toMatchObject({ batchesStored: 1, batchesDuplicate: 1 });
  });

  it('treats an older stored sequence as a duplicate and keeps series identity across label order', async () => {
    const { store } = await openStore();
    // Sequence 3 is stored first (empty): an older sequence is a replay only when it was stored;
    // one never stored fills a hole (see the sequence window tests).
    await store.append(batch(3, []));
    await store.append(batch(5, [gauge('m', { b: '2', a: '1' }, [[T0, 1]])]));
    expect((await store.append(batch(3, [gauge('m', { a: '1', b: '2' }, [[T0 + 1, 2]])]))).outcome.status).toBe('duplicate');
    await store.append(batch(6, [gauge('m', { a: '1', b: '2' }, [[T0 + 2, 3]])]));
    const series = await store.findSeries({ metric: 'm' });
    expect(series).toEqual([{ id: series[0]!.id, metric: 'm', labels: { a: '1', b: '2' }, kind: 'gauge' }]);
    expect(await store.queryRange(series[0]!.id, 0, Infinity)).toEqual([[T0, 1], [T0 + 2, 3]]);
  });

  it('groups 200 concurrent appends into fewer commits, every sample readable', async () => {
    const { store } = await openStore();
    const commits: CommitInfo[] = [];
    store.onCommit((info) => commits.push(info));
    const appends = [];
    for (let agent = 0; agent < 200; agent++) {
      const series = Array.from({ length: 10 }, (_, i) => gauge('vigil_cpu', { host: `h${agent}`, cpu: String(i) }, [[T0, agent + i / 10], [T0 + 1000, agent]]));
      appends.push(store.append(batch(1, series, `agent-${agent}`)));
    }
    const results = await Promise.all(appends);
    expect(results.every((r) => r.outcome.status === 'stored')).toBe(true);
    expect(commits.length).toBeGreaterThan(0);
    expect(commits.length).toBeLessThan(200);
    expect(commits.reduce((n, c) => n + c.batches, 0)).toBe(200);
    expect(commits.reduce((n, c) => n + c.samples, 0)).toBe(4000);
    expect(await store.countSamples()).toBe(4000);
    const all = await store.findSeries({ metric: 'vigil_cpu' });
    expect(all).toHaveLength(2000);
    const one = await store.findSeries({ metric: 'vigil_cpu', labels: { host: 'h17', cpu: '3' } });
    expect(one).toHaveLength(1);
    expect(await store.queryRange(one[0]!.id, T0, T0 + 1000)).toEqual([[T0, 17.3], [T0 + 1000, 17]]);
    expect(await store.findSeries({ metric: 'vigil_cpu', limit: 5 })).toHaveLength(5);
    expect(await store.getSeries(one[0]!.id)).toEqual({ id: one[0]!.id, metric: 'vigil_cpu', labels: { host: 'h17', cpu: '3' }, kind: 'gauge' });
    expect(await store.getSeries(999_999)).toBeUndefined();
  });

  it('fails every batch of a failed commit, stores nothing of them, and lets the next group through', async () => {
    const { store, db } = await openStore();
    // PostgreSQL inserts a sequence row for each stream of the group before judging it.
    const removeTrigger = await failInserts(db, 'stream_seq', "NEW.agent_id LIKE 'doomed%'", 'injected failure');
    const doomed = [store.append(batch(1, [gauge('m', { x: '1' }, [[T0, 1]])], 'doomed-1')), store.append(batch(1, [gauge('m', { x: '2' }, [[T0, 2]])], 'other'))];
    const settled = await Promise.allSettled(doomed);
    const message = engine.name === 'sqlite' ? 'SQLITE_CONSTRAINT: injected failure' : 'injected failure';
    expect(settled.map((s) => (s.status === 'rejected' ? (s.reason as Error).message : 'ok'))).toEqual([message, message]);
    expect(store.stats().commitFailures).toBe(1);
    expect(await store.countSamples()).toBe(0);
    expect(await store.findSeries({})).toEqual([]);
    expect(await store.lastStoredSeq('other', 'e1')).toBe(0);
    await removeTrigger();
    expect((await store.append(batch(1, [gauge('m', { x: '2' }, [[T0, 2]])], 'other'))).outcome).toEqual({ status: 'stored', samples: 1 });
    expect(await store.latest()).toEqual(new Map([[(await store.findSeries({}))[0]!.id, [T0, 2]]]));
  });

  it('rejects invalid input, overload and appends after close with named errors, and counts them', async () => {
    const h = await openStore({ maxQueuedSamples: 3 });
    const { store } = h;
    await expect(store.append(batch(1, [gauge('m', {}, [[-5, 1]])]))).rejects.toThrow(new StorageInputError('batch 1 of agent agent-a, series[0] m: timestamp -5 is not an integer ms value >= 0'));
    await expect(store.append(batch(1, [gauge('m', {}, [[T0, Number.NaN]])]))).rejects.toThrow(`value NaN at ${T0} is not finite`);
    await expect(store.append(batch(0, []))).rejects.toThrow('batch.seq must be a positive integer, got 0 (agent agent-a)');
    // Appends of one tick queue together; the second would take the queue past 3 samples.
    const first = store.append(batch(1, [gauge('m', {}, [[T0, 1], [T0 + 1, 1]])]));
    const second = store.append(batch(1, [gauge('m', {}, [[T0 + 2, 1], [T0 + 3, 1]])], 'agent-b'));
    await expect(second).rejects.toThrow(new StorageOverloadedError('queue_full', 'storage write queue full: 2 samples queued, limit 3'));
    await first;
    expect(store.stats().rejected).toEqual({ queue_full: 1, log_full: 0, closed: 0, invalid: 3 });
    await closeStore(h);
    await store.close(); // idempotent
    await expect(store.append(batch(2, []))).rejects.toThrow(StorageClosedError);
  });

  it('bounds the uncompacted log: appends fail with log_full until compaction catches up', async () => {
    const { store } = await openStore({ maxLogSamples: 4 });
    await store.append(batch(1, [gauge('m', {}, [[T0, 1], [T0 + 1, 1], [T0 + 2, 1]])]));
    await expect(store.append(batch(2, [gauge('m', {}, [[T0 + 3, 1], [T0 + 4, 1]])]))).rejects.toThrow('storage log full: 3 samples await compaction, limit 4');
    await store.compact();
    expect((await store.append(batch(2, [gauge('m', {}, [[T0 + 3, 1], [T0 + 4, 1]])]))).outcome.status).toBe('stored');
  });

  it('keeps the first kind of a series and counts the conflict', async () => {
    const { store } = await openStore();
    await store.append(batch(1, [gauge('m', {}, [[T0, 1]])]));
    await store.append(batch(2, [{ ...gauge('m', {}, [[T0 + 1, 2]]), kind: 'counter' }]));
    expect((await store.findSeries({ metric: 'm' }))[0]!.kind).toBe('gauge');
    expect(store.stats().kindConflicts).toBe(1);
  });
});

/** Reference model: per series, timestamp -> last written value. */
class Model {
  readonly series = new Map<string, Map<number, number>>();
  write(name: string, ts: number, v: number): void {
    let m = this.series.get(name);
    if (!m) this.series.set(name, (m = new Map()));
    m.set(ts, v);
  }
  points(name: string, from = 0, to = Infinity): Point[] {
    return [...(this.series.get(name) ?? new Map<number, number>())].filter(([t]) => t >= from && t <= to).sort((a, b) => a[0] - b[0]);
  }
}

async function expectMatchesModel(store: OpenedSampleStore, model: Model, rnd: () => number): Promise<void> {
  const latest = await store.latest();
  for (const name of model.series.keys()) {
    const [ref] = await store.findSeries({ metric: 'vigil_m', labels: { s: name } });
    const all = model.points(name);
    expect(await store.queryRange(ref!.id, 0, Number.MAX_SAFE_INTEGER)).toEqual(all);
    expect(latest.get(ref!.id)).toEqual(all.at(-1));
    const a = T0 + Math.floor(rnd() * 400_000);
    const b = a + Math.floor(rnd() * 200_000);
    expect(await store.queryRange(ref!.id, a, b)).toEqual(model.points(name, a, b));
  }
}

describe('reads across log and chunks', () => {
  it('matches a reference model with late samples and rewrites, before/after compaction and reopen (seeded)', async () => {
    const rnd = seededRandom(2024);
    const model = new Model();
    const options = { chunk: { maxSamples: 8 }, compaction: { auto: false, stepSeries: 2 } };
    let h = await openStore(options);
    const names = ['a', 'b', 'c', 'd', 'e'];
    const clock = new Map(names.map((n) => [n, T0]));
    let seq = 0;
    for (let round = 0; round < 6; round++) {
      for (let i = 0; i < 25; i++) {
        const series: IncomingSeries[] = [];
        for (const name of names) {
          if (rnd() < 0.3) continue;
          const points: Array<[number, number]> = [];
          const n = 1 + Math.floor(rnd() * 4);
          for (let k = 0; k < n; k++) {
            let ts: number;
            const kind = rnd();
            if (kind < 0.75) ts = clock.get(name)! + 1000 + Math.floor(rnd() * 3) * 500; // in order
            else if (kind < 0.9) ts = clock.get(name)! - Math.floor(rnd() * 20) * 1000; // late or rewrite
            else ts = clock.get(name)! + 3 * 60 * 60 * 1000; // gap beyond the chunk span
            clock.set(name, Math.max(clock.get(name)!, ts));
            const v = Math.round(rnd() * 1000) / 10 - 50;
            points.push([ts, v]);
          }
          series.push(gauge('vigil_m', { s: name }, points));
          for (const [t, v] of points) model.write(name, t, v);
        }
        await h.store.append(batch(++seq, series));
      }
      await expectMatchesModel(h.store, model, rnd);
      if (round % 2 === 0) await h.store.compact();
      await expectMatchesModel(h.store, model, rnd);
      if (round % 3 === 1) {
        await closeStore(h);
        h = await openStore(options);
        await expectMatchesModel(h.store, model, rnd);
      }
    }
    await h.store.compact();
    await expectMatchesModel(h.store, model, rnd);
    const footprint = await h.store.storageFootprint();
    expect(footprint.logRows).toBe(0);
    expect(footprint.chunks).toBeGreaterThan(names.length);
    expect(h.store.stats().lateSamples).toBeGreaterThan(0);
  });

  it('compacts in background when the log passes its trigger, and queries stay exact meanwhile', async () => {
    const h = await openStore({ compaction: { auto: true, triggerSamples: 50, stepSamples: 30 } });
    const steps: number[] = [];
    h.store.onCompaction((info) => steps.push(info.samples));
    const appends = [];
    for (let seq = 1; seq <= 40; seq++) appends.push(h.store.append(batch(seq, [gauge('m', { s: '1' }, [[T0 + seq * 1000, seq]]), gauge('m', { s: '2' }, [[T0 + seq * 1000, -seq]])])));
    await Promise.all(appends);
    const [s1] = await h.store.findSeries({ labels: { s: '1' } });
    const expected = Array.from({ length: 40 }, (_, i) => [T0 + (i + 1) * 1000, i + 1]);
    for (let i = 0; i < 20 && steps.length === 0; i++) {
      expect(await h.store.queryRange(s1!.id, 0, Infinity)).toEqual(expected);
      await new Promise((r) => setTimeout(r, 5));
    }
    await h.store.compact();
    expect(steps.length).toBeGreaterThan(0);
    expect(steps.reduce((a, b) => a + b, 0)).toBe(80);
    expect(await h.store.queryRange(s1!.id, 0, Infinity)).toEqual(expected);
    expect(await h.store.countSamples()).toBe(80);
  });
});

describe.runIf(engine.name === 'sqlite')('SqliteSampleStore: compaction rounds', () => {
  it('slows writers down near the log bound instead of refusing them: compaction gets the writer first', async () => {
    // One series per step and a 1 ms turn: compaction alone falls behind these writers at once.
    const { store } = await openStore({ maxLogSamples: 240, compaction: { auto: true, triggerSamples: 10, stepSeries: 1, jobSliceMs: 1 } });
    let logPeak = 0;
    store.onCommit(() => (logPeak = Math.max(logPeak, store.stats().logSamples)));
    // Four agents, each with two batches of six samples in flight (a closed loop, as agents send).
    const writer = async (agent: string) => {
      const sent: Array<Promise<unknown>> = [];
      for (let seq = 1; seq <= 30; seq++) {
        sent.push(store.append(batch(seq, ['a', 'b', 'c', 'd', 'e', 'f'].map((s, i) => gauge('m', { s, agent }, [[T0 + seq * 1000, seq * 10 + i]])), agent)));
        if (sent.length >= 2) await sent.shift();
      }
      await Promise.all(sent);
    };
    await Promise.all(['w1', 'w2', 'w3', 'w4'].map(writer));
    expect(store.stats().rejected).toEqual({ queue_full: 0, log_full: 0, closed: 0, invalid: 0 });
    expect(store.stats().samplesStored).toBe(4 * 30 * 6);
    expect(logPeak).toBeLessThanOrEqual(240);
    expect(await store.countSamples()).toBe(4 * 30 * 6);
  });

  it('holds an append behind compaction steps for one turn at most, and finishes the round while appends keep coming', async () => {
    // A turn (compaction.jobSliceMs) of 10 ms; steps of two series, a few ms each.
    const { store } = await openStore({ compaction: { auto: false, stepSeries: 2, jobSliceMs: 10 } });
    const wide = (seq: number, n: number, samples: number) => batch(seq, Array.from({ length: n }, (_, i) => gauge('m', { s: String(i) }, Array.from({ length: samples }, (_, k): [number, number] => [T0 + seq * 1000 + k, i + k]))));
    for (let seq = 1; seq <= 10; seq++) await store.append(wide(seq, 400, 5));
    // When each step ran (the listener fires as it ends), and how long the writer's commits took.
    const steps: Array<[number, number]> = [];
    let longestCommit = 0;
    store.onCompaction((info) => steps.push([performance.now() - info.durationMs, performance.now()]));
    store.onCommit((info) => (longestCommit = Math.max(longestCommit, info.durationMs)));
    let done = false;
    const round = store.compact().then(() => (done = true));
    // A writer that never lets the queue stay empty for long: a batch every millisecond or so.
    const waits: Array<[number, number]> = [];
    const inFlight: Array<Promise<unknown>> = [];
    for (let seq = 11; !done; seq++) {
      const queued = performance.now();
      inFlight.push(store.append(wide(seq, 10, 1)).then(() => waits.push([queued, performance.now()])));
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await round;
    await Promise.all(inFlight);
    expect(steps.length).toBe(200); // 400 series, two a step: the round finished between the writer's commits
    // The 20,000 samples written before the round are in chunks; at most the writer's are left in the log.
    expect(store.stats().logSamples).toBeLessThanOrEqual(inFlight.length * 10);
    expect(await store.countSamples()).toBe(20_000 + inFlight.length * 10);
    // Queued during a commit, an append waits for it, then for the jobs' turn (10 ms, or as long as that commit
    // took) and the step that overran it, then for its own commit: the steps it waited behind took no longer
    // than the turn and one step (a turn of 50 ms here holds appends 50 ms and more).
    const longestStep = Math.max(...steps.map(([from, to]) => to - from));
    const heldBySteps = waits.map(([queued, committed]) => steps.reduce((sum, [from, to]) => sum + Math.max(0, Math.min(to, committed) - Math.max(from, queued)), 0));
    expect(waits.length).toBeGreaterThan(20);
    expect(Math.max(...heldBySteps)).toBeLessThanOrEqual(Math.max(10, longestCommit) + longestStep + 5);
  });

  it('resumes a round cut short by a failed step after reopen, without compacting anything twice', async () => {
    let h = await openStore({ compaction: { auto: false, stepSeries: 2 } });
    const steps: number[] = [];
    for (let seq = 1; seq <= 10; seq++) {
      await h.store.append(batch(seq, ['a', 'b', 'c', 'd', 'e', 'f'].map((s, i) => gauge('m', { s }, [[T0 + seq * 1000, seq * 10 + i]]))));
    }
    const ids = (await h.store.findSeries({ metric: 'm' })).map((r) => r.id);
    // Series are compacted in id order, two per step: fail the second step (series c and d).
    await h.db.transaction((tx) => tx.exec(`CREATE TEMP TRIGGER fail_step BEFORE INSERT ON chunk WHEN NEW.series_id = ${ids[2]} BEGIN SELECT RAISE(ABORT, 'disk on fire'); END`));
    h.store.onCompaction((info) => steps.push(info.series));
    await expect(h.store.compact()).rejects.toThrow('disk on fire');
    expect(steps).toEqual([2]);
    expect(h.store.stats().compactionFailures).toBe(1);
    expect((await h.db.all('SELECT series_id, log_id FROM compaction_progress ORDER BY series_id')).length).toBe(2);
    await closeStore(h);

    h = await openStore({ compaction: { auto: false, stepSeries: 2 } });
    expect(h.store.stats().logSamples).toBe(40); // a and b were already moved
    expect(await h.store.countSamples()).toBe(60);
    await h.store.compact();
    expect(await h.store.countSamples()).toBe(60);
    expect((await h.store.storageFootprint()).logRows).toBe(0);
    expect(await h.db.all('SELECT * FROM compaction_progress')).toEqual([]);
    for (const [i, id] of ids.entries()) {
      expect(await h.store.queryRange(id, 0, Infinity)).toEqual(Array.from({ length: 10 }, (_, k) => [T0 + (k + 1) * 1000, (k + 1) * 10 + i]));
    }
  });
});

describe('retention', () => {
  it('deletes samples before the cutoff from chunks and from the log, rewriting straddling chunks', async () => {
    const { store } = await openStore({ chunk: { maxSamples: 10 } });
    // 3 series × 100 samples 1 s apart; half compacted, the rest still in the log.
    for (let seq = 1; seq <= 100; seq++) {
      const ts = T0 + seq * 1000;
      await store.append(batch(seq, ['x', 'y', 'z'].map((s) => gauge('m', { s }, [[ts, seq]]))));
      if (seq === 50) await store.compact();
    }
    const cutoff = T0 + 75_500; // samples 1..75 go, 76..100 stay
    expect(await store.deleteBefore(cutoff)).toBe(3 * 75);
    expect(await store.countSamples()).toBe(3 * 25);
    for (const ref of await store.findSeries({ metric: 'm' })) {
      expect(await store.queryRange(ref.id, 0, Infinity)).toEqual(Array.from({ length: 25 }, (_, i) => [T0 + (76 + i) * 1000, 76 + i]));
    }
    expect(await store.deleteBefore(cutoff)).toBe(0);
    // Appending after a rewrite continues the series normally.
    await store.append(batch(101, [gauge('m', { s: 'x' }, [[T0 + 101_000, 101]])]));
    await store.compact();
    const [x] = await store.findSeries({ labels: { s: 'x' } });
    expect((await store.queryRange(x!.id, T0 + 99_000, Infinity)).map((p) => p[1])).toEqual([99, 100, 101]);
    expect(await store.deleteBefore(T0 + 1_000_000)).toBe(3 * 25 + 1);
    expect(await store.latest()).toEqual(new Map());
  });

  it('scans a time range series by series for rollup rebuilds', async () => {
    const { store } = await openStore();
    await store.append(batch(1, [gauge('m', { s: 'a' }, [[T0, 1], [T0 + 1000, 2]]), gauge('m', { s: 'b' }, [[T0 + 5000, 3]]), gauge('n', {}, [[T0, 9]])]));
    const seen = [];
    for await (const s of store.scanRange(T0, T0 + 1000, { metric: 'm' })) seen.push([s.series.labels, s.timestamps, s.values]);
    expect(seen).toEqual([[{ s: 'a' }, [T0, T0 + 1000], [1, 2]]]);
  });
});
});
