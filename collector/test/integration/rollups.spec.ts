import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NestFactory } from '@nestjs/core';
import { Global, Module, type INestApplicationContext } from '@nestjs/common';
import { ManualClock } from '../../src/common/clock.js';
import { CollectorEvents } from '../../src/common/events.js';
import { buildConfig } from '../../src/config/config.loader.js';
import { CoreModule } from '../../src/core/core.module.js';
import { type Database } from '../../src/database/database.js';
import { migrate } from '../../src/database/migrations.js';
import { RollupsModule } from '../../src/rollups/rollups.module.js';
import { rollupsMigrations } from '../../src/rollups/rollups.migrations.js';
import { RollupsRepository } from '../../src/rollups/rollups.repository.js';
import { ROLLUPS_OPTIONS, RollupsService, type RollupsOptions } from '../../src/rollups/rollups.service.js';
import type { SqliteSampleStore } from '../../src/storage/sqlite-sample-store.js';
import type { IncomingSeries, MetricKind } from '../../src/storage/storage.types.js';
import type { PendingBucket } from '../../src/rollups/domain/accumulator.js';
import { mergeBucket, newBucket, type Bucket } from '../../src/rollups/domain/buckets.js';
import { seededRandom } from '../../src/storage/prng.js';
import { engines, type EngineDatabase } from '../../../test/support/engines.js';
import { engineSampleStores, type EngineSampleStores } from '../support/engine-sample-store.js';

const M = 60_000;
const H = 3_600_000;
const D = 86_400_000;
const T0 = Date.UTC(2026, 10, 2, 10); // a whole hour

describe.each(engines('rollups.spec'))('rollups on $name', (engine) => {
  let opened: EngineDatabase;
  let db: Database;
  let samples: EngineSampleStores;
  let store: SqliteSampleStore;
  let clock: ManualClock;
  let app: INestApplicationContext | undefined;
  let seq = 0;

  beforeEach(async () => {
    opened = await engine.open();
    db = opened.db;
    await migrate(db, rollupsMigrations);
    samples = engineSampleStores();
    store = await samples.open(db, { compaction: { auto: false } });
    clock = new ManualClock(T0);
    seq = 0;
  });

  afterEach(async () => {
    if (app) await app.close(); // closes store and database (CoreModule)
    else {
      await store.close();
      await db.close();
    }
    app = undefined;
    await samples.dispose();
    await opened.dispose();
  });

  async function start(retention: Record<string, string> = {}, options: Partial<RollupsOptions> = {}): Promise<{ rollups: RollupsService; events: CollectorEvents; repo: RollupsRepository }> {
    const config = buildConfig({ retention });
    @Global()
    @Module({ providers: [{ provide: ROLLUPS_OPTIONS, useValue: options }], exports: [ROLLUPS_OPTIONS] })
    class OptionsModule {}
    @Module({ imports: [CoreModule.forRoot({ config, clock, database: db, store }), OptionsModule, RollupsModule] })
    class TestRoot {}
    const context = await NestFactory.createApplicationContext(TestRoot, { logger: false });
    app = context;
    return { rollups: context.get(RollupsService), events: context.get(CollectorEvents), repo: context.get(RollupsRepository) };
  }

  /** What ingest does: store durably, then tell the listeners. */
  async function ingest(events: CollectorEvents | undefined, metric: string, kind: MetricKind, points: Array<[number, number]>): Promise<number> {
    const series: IncomingSeries = { metric, labels: { host: 'web-1' }, kind, timestamps: points.map((p) => p[0]), values: points.map((p) => p[1]) };
    const { stored } = await store.append({ agentId: 'agent-1', epoch: 'e1', seq: ++seq, series: [series] });
    events?.emit('samples', stored);
    return stored[0]!.series.id;
  }

  it('writes 1m and 1h buckets when they close and answers queries from the tier that fits', async () => {
    const { rollups, events, repo } = await start();
    const id = await ingest(events, 'vigil_memory_used_ratio', 'gauge', [[T0 + 10_000, 0.5], [T0 + 20_000, 0.7], [T0 + M + 5_000, 0.6]]);
    clock.set(T0 + 2 * M + 15_000);
    await rollups.flush();
    expect(await repo.range('1m', id, 0, T0 + H)).toEqual([
      [T0, { count: 2, sum: 1.2, min: 0.5, max: 0.7, last: 0.7, lastMs: T0 + 20_000 }],
      [T0 + M, { count: 1, sum: 0.6, min: 0.6, max: 0.6, last: 0.6, lastMs: T0 + M + 5_000 }],
    ]);
    expect(await repo.range('1h', id, 0, T0 + H)).toEqual([]); // the hour is still open...
    const hourly = await rollups.queryTiered(id, T0, T0 + H, H); // ...but queries see it
    expect(hourly.resolution).toBe('1h');
    expect(hourly.points).toEqual([{ t: T0, avg: expect.closeTo(0.6, 12), min: 0.5, max: 0.7, last: 0.6, count: 3 }]);
    const minutes = await rollups.queryTiered(id, T0, T0 + 2 * M, M);
    expect(minutes.resolution).toBe('1m');
    expect(minutes.points.map((p) => [p.t, p.count])).toEqual([[T0, 2], [T0 + M, 1]]);
    const raw = await rollups.queryTiered(id, T0, T0 + 2 * M, 10_000);
    expect(raw.resolution).toBe('raw');
    expect(raw.points.map((p) => [p.t, p.avg])).toEqual([[T0 + 10_000, 0.5], [T0 + 20_000, 0.7], [T0 + M, 0.6]]);

    // A late sample for the written minute is merged into its row.
    await ingest(events, 'vigil_memory_used_ratio', 'gauge', [[T0 + 30_000, 0.9]]);
    clock.set(T0 + H + 15_000);
    await rollups.flush();
    expect((await repo.range('1m', id, T0, T0))[0]![1]).toEqual({ count: 3, sum: expect.closeTo(2.1, 12), min: 0.5, max: 0.9, last: 0.9, lastMs: T0 + 30_000 });
    expect(await repo.range('1h', id, T0, T0)).toEqual([[T0, { count: 4, sum: expect.closeTo(2.7, 12), min: 0.5, max: 0.9, last: 0.6, lastMs: T0 + M + 5_000 }]]);
  });

  it('stores counters as rates across a reset, and recomputes when a counter sample arrives late', async () => {
    const { rollups, events, repo } = await start();
    const id = await ingest(events, 'vigil_network_receive_bytes_total', 'counter', [[T0, 1000], [T0 + 10_000, 2000], [T0 + 20_000, 500], [T0 + 40_000, 1500]]);
    // 100 B/s, reset (500 over 10 s) = 50 B/s, then 1000 over 20 s = 50 B/s.
    let q = await rollups.queryTiered(id, T0, T0 + M - 1, M);
    expect(q.unit).toBe('per_second');
    expect(q.points).toEqual([{ t: T0, avg: expect.closeTo(200 / 3, 9), min: 50, max: 100, last: 50, count: 3 }]);
    // A sample at T0+30 s arrives after T0+40 s: rates become 100, 50 (reset), 50 (500 over 10 s), 50 (500 over 10 s).
    await ingest(events, 'vigil_network_receive_bytes_total', 'counter', [[T0 + 30_000, 1000]]);
    expect(rollups.deferredSamples.late_counter_sample).toBe(1);
    await rollups.idle();
    expect(rollups.stats.recomputes.late_counter_sample).toBe(1);
    q = await rollups.queryTiered(id, T0, T0 + M - 1, M);
    expect(q.points).toEqual([{ t: T0, avg: 62.5, min: 50, max: 100, last: 50, count: 4 }]);
    expect(await repo.range('1h', id, T0, T0)).toEqual([[T0, { count: 4, sum: 250, min: 50, max: 100, last: 50, lastMs: T0 + 40_000 }]]);
    // Later samples continue from the newest one.
    await ingest(events, 'vigil_network_receive_bytes_total', 'counter', [[T0 + 50_000, 2500]]);
    q = await rollups.queryTiered(id, T0, T0 + M - 1, M);
    expect(q.points[0]!.count).toBe(5);
    expect(q.points[0]!.last).toBe(100);
  });

  it('rebuilds after a crash what was never written, without counting twice what was', async () => {
    // Before the "crash": samples stored raw; only the first minute's bucket made it to the tier table.
    const id = await ingest(undefined, 'vigil_cpu_utilization_ratio', 'gauge', [[T0 - H + 5_000, 0.1], [T0 + 5_000, 0.2], [T0 + M + 5_000, 0.4]]);
    await db.transaction((tx) => tx.run('INSERT INTO rollup_1m VALUES (?, ?, 1, 0.2, 0.2, 0.2, 0.2, ?)', [id, T0, T0 + 5_000]));
    clock.set(T0 + 2 * M);
    const { rollups, events, repo } = await start();
    // Samples keep arriving while the recovery reads raw data.
    await ingest(events, 'vigil_cpu_utilization_ratio', 'gauge', [[T0 + 2 * M + 5_000, 0.6]]);
    await rollups.whenRecovered();
    await rollups.idle();
    await rollups.flush(true);
    expect(rollups.stats.recomputes.recovery).toBe(1);
    expect((await repo.range('1m', id, 0, T0 + H)).map(([t, b]) => [t, b.count, b.sum])).toEqual([
      [T0 - H, 1, 0.1],
      [T0, 1, 0.2],
      [T0 + M, 1, 0.4],
      [T0 + 2 * M, 1, 0.6],
    ]);
    expect((await repo.range('1h', id, 0, T0 + H)).map(([t, b]) => [t, b.count, b.max])).toEqual([[T0 - H, 1, 0.1], [T0, 3, 0.6]]);
  });

  it('writes a flush in transactions of mergeBatch buckets and puts back only those a failed one did not write', async () => {
    const { rollups, events, repo } = await start({}, { mergeBatch: 2 });
    const ids: number[] = [];
    for (const host of ['a', 'b', 'c']) ids.push(await ingest(events, `vigil_load_${host}`, 'gauge', [[T0 + 5_000, 1]]));
    // The third series' transaction fails (both its buckets, 1m and 1h, share one transaction).
    await db.transaction((tx) =>
      tx.exec(
        engine.name === 'sqlite'
          ? `CREATE TRIGGER refuse BEFORE INSERT ON rollup_1m WHEN NEW.series_id = ${ids[2]} BEGIN SELECT RAISE(ABORT, 'disk says no'); END`
          : `CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'disk says no'; END $$;
             CREATE TRIGGER refuse BEFORE INSERT ON rollup_1m FOR EACH ROW WHEN (NEW.series_id = ${ids[2]}) EXECUTE FUNCTION refuse();`,
      ),
    );
    clock.set(T0 + H + 15_000);
    await rollups.flush();
    // The first two series' transactions committed before the third failed.
    expect(rollups.stats.writeFailures).toBe(1);
    expect(rollups.stats.flushedBuckets).toEqual({ '1m': 2, '1h': 2 });
    expect(rollups.pendingBuckets).toBe(2);
    await db.transaction((tx) => tx.exec(engine.name === 'sqlite' ? 'DROP TRIGGER refuse' : 'DROP TRIGGER refuse ON rollup_1m; DROP FUNCTION refuse()'));
    await rollups.flush();
    for (const id of ids) {
      expect((await repo.range('1m', id, 0, T0 + H)).map(([t, b]) => [t, b.count])).toEqual([[T0, 1]]);
      expect((await repo.range('1h', id, 0, T0 + H)).map(([t, b]) => [t, b.count])).toEqual([[T0, 1]]);
    }
  });

  it('takes a flush\'s buckets slice by slice as it merges them, so a late sample for a series not reached yet joins the same flush', async () => {
    const { rollups, events, repo } = await start({}, { mergeBatch: 50 });
    const series: IncomingSeries[] = Array.from({ length: 300 }, (_, i) => ({ metric: `vigil_slice_${i}`, labels: { host: 'web-1' }, kind: 'gauge', timestamps: [T0 + 5_000], values: [i] }));
    const { stored } = await store.append({ agentId: 'agent-1', epoch: 'e1', seq: ++seq, series });
    events.emit('samples', stored);
    const last = stored.at(-1)!.series;
    // What each merge got, and how many buckets were still in memory when it started.
    const merges: Array<[number, number]> = [];
    const merge = repo.merge.bind(repo);
    repo.merge = async (items) => {
      merges.push([items.length, rollups.pendingBuckets]);
      if (merges.length === 1) {
        const late = await store.append({ agentId: 'agent-1', epoch: 'e1', seq: ++seq, series: [{ metric: last.metric, labels: { host: 'web-1' }, kind: 'gauge', timestamps: [T0 + 50_000], values: [1_000] }] });
        events.emit('samples', late.stored);
      }
      return merge(items);
    };
    clock.set(T0 + H + 15_000);
    await rollups.flush();
    expect(merges.length).toBe(12); // 600 buckets, 50 per transaction
    expect(merges.every(([n]) => n === 50)).toBe(true);
    // The first slice's buckets left memory, the other 550 were still there (taking them all at once held the event loop).
    expect(merges[0]).toEqual([50, 550]);
    expect(rollups.pendingBuckets).toBe(0);
    expect(rollups.stats.flushedBuckets).toEqual({ '1m': 300, '1h': 300 });
    expect((await repo.range('1m', last.id, 0, T0 + H)).map(([t, b]) => [t, b.count, b.sum])).toEqual([[T0, 2, 299 + 1_000]]);
    expect((await repo.range('1h', stored[0]!.series.id, 0, T0 + H)).map(([t, b]) => [t, b.count, b.sum])).toEqual([[T0, 1, 0]]);
  });

  it('stores every double of a merged bucket exactly, whatever its digits', async () => {
    const { repo } = await start();
    const random = seededRandom(14);
    const bits = new Float64Array(1);
    const words = new Uint32Array(bits.buffer);
    // Doubles of every kind: fractions, sums, huge and tiny magnitudes, random bit patterns (finite ones).
    const double = (k: number): number => {
      if (k % 4 === 0) return random() * 10 ** Math.floor(random() * 40 - 20);
      if (k % 4 === 1) return -random();
      if (k % 4 === 2) return (random() * 1e9) / 10.003;
      do [words[0], words[1]] = [Math.floor(random() * 2 ** 32), Math.floor(random() * 2 ** 32)];
      while (!Number.isFinite(bits[0]!));
      return bits[0]!;
    };
    const buckets: PendingBucket[] = Array.from({ length: 4_000 }, (_, k) => ({
      seriesId: 1 + (k % 40),
      tier: '1m',
      start: T0 + Math.floor(k / 40) * M,
      bucket: { count: 1 + k, sum: double(k), min: double(k + 1), max: double(k + 2), last: double(k + 3), lastMs: T0 + k },
    }));
    await repo.merge(buckets);
    const stored = new Map<string, Bucket>();
    for (let seriesId = 1; seriesId <= 40; seriesId++) for (const [start, bucket] of await repo.range('1m', seriesId, 0, T0 + 100 * M)) stored.set(`${seriesId}/${start}`, bucket);
    expect(stored.size).toBe(4_000);
    for (const b of buckets) expect(stored.get(`${b.seriesId}/${b.start}`)).toEqual(b.bucket);
  });

  it('enforces retention per tier and on raw samples', async () => {
    const { rollups, events, repo } = await start({ raw: '1d', '1m': '2d', '1h': '10d' });
    const id = await ingest(events, 'vigil_swap_used_ratio', 'gauge', [[T0, 0.1], [T0 + 1.5 * D, 0.2], [T0 + 5 * D, 0.3]]);
    await rollups.flush(true);
    clock.set(T0 + 5 * D + H);
    await rollups.enforceRetention();
    // Raw: older than 1 day before now goes; 1m: older than 2 days; 1h: older than 10 days (nothing).
    expect(rollups.stats.retentionDeleted).toEqual({ raw: 2, '1m': 2, '1h': 0 });
    expect(await store.queryRange(id, 0, Number.MAX_SAFE_INTEGER)).toEqual([[T0 + 5 * D, 0.3]]);
    expect((await repo.range('1m', id, 0, T0 + 10 * D)).map(([t]) => t)).toEqual([T0 + 5 * D]);
    expect((await repo.range('1h', id, 0, T0 + 10 * D)).length).toBe(3);
    // Older than raw retention: a minute step is answered from the 1m tier, older still from 1h.
    expect((await rollups.queryTiered(id, T0 + 3.5 * D, T0 + 4 * D, 10_000)).resolution).toBe('1m');
    expect((await rollups.queryTiered(id, T0, T0 + 2 * D, M)).resolution).toBe('1h');
  });

  it('merges partial buckets from two collectors sharing the database into the same rows, concurrently and in any order', async () => {
    // Two connections stand for two collectors, each merging the buckets of the samples it received.
    const peer = await opened.reopen();
    const repos = [new RollupsRepository(db), new RollupsRepository(peer)];
    const keys = Array.from({ length: 600 }, (_, k) => ({ seriesId: 1 + (k % 6), slot: Math.floor(k / 6) }));
    // Collector c sends, in round r, the value c * 1000 + r at r seconds (and c ms) into each bucket.
    const rounds = 8;
    const partial = (c: number, r: number): PendingBucket[] =>
      keys.flatMap(({ seriesId, slot }) =>
        (['1m', '1h'] as const).map((tier) => {
          const start = T0 + slot * (tier === '1m' ? M : H); // one bucket per key and merge, as takeClosed gives them
          return { seriesId, tier, start, bucket: newBucket(start + r * 1000 + c, c * 1000 + r) };
        }),
      );
    // Each collector's keys in a different order, several statements per merge: without the
    // repository ordering its writes by key, PostgreSQL detects a deadlock here.
    const runs = repos.map(async (repo, c) => {
      for (let r = 0; r < rounds; r++) await repo.merge(c === 0 ? partial(c, r) : partial(c, r).reverse());
    });
    await Promise.all(runs);
    const expected = new Map<string, Bucket>();
    for (let r = 0; r < rounds; r++)
      for (const c of [1, 0]) // any order gives the same row
        for (const p of partial(c, r)) {
          const key = `${p.tier}/${p.seriesId}/${p.start}`;
          const into = expected.get(key);
          if (into) mergeBucket(into, p.bucket);
          else expected.set(key, { ...p.bucket });
        }
    const stored = new Map<string, Bucket>();
    for (const tier of ['1m', '1h'] as const)
      for (let seriesId = 1; seriesId <= 6; seriesId++)
        for (const [start, bucket] of await repos[1]!.range(tier, seriesId, 0, T0 + 100 * H)) stored.set(`${tier}/${seriesId}/${start}`, bucket);
    expect(stored.size).toBe(2 * 600);
    for (const [key, bucket] of expected) expect([key, stored.get(key)]).toEqual([key, { ...bucket, sum: expect.closeTo(bucket.sum, 6) }]);
    expect(stored.get(`1h/1/${T0}`)).toMatchObject({ count: 2 * rounds, min: 0, max: 1000 + rounds - 1, last: 1000 + rounds - 1 });
  });

  it('rejects bad query parameters and unknown series with clear messages', async () => {
    const { rollups, events } = await start();
    const id = await ingest(events, 'vigil_memory_used_ratio', 'gauge', [[T0, 0.5]]);
    await expect(rollups.queryTiered(id, T0, T0 - 1, M)).rejects.toMatchObject({ response: { issues: [`from/to: need from <= to, got from=${T0} to=${T0 - 1}`] } });
    await expect(rollups.queryTiered(id, T0, T0 + D, 1000)).rejects.toMatchObject({
      response: { issues: ['step: 1000 ms gives more than 11000 points over this range; use a step of at least 7855 ms'] },
    });
    await expect(rollups.queryTiered(id, T0, T0 + D, 0)).rejects.toMatchObject({ response: { issues: ['step: must be at least 1000 ms, got 0'] } });
    await expect(rollups.queryTiered(999, T0, T0 + D, M)).rejects.toMatchObject({ status: 404, response: { message: 'no series with id 999' } });
  });
});
