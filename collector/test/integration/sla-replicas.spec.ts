// SLA figures when several collectors share one database: the leader folds in what every replica
// stored, a new leader loses and doubles no minute, a follower serves the leader's figures once it
// flushed, and a deposed leader's writes are refused. Two SLA stacks (Nest apps with real HTTP) on one
// database of each engine, a leadership the spec switches, and raw samples shared through followPeers.
import 'reflect-metadata';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NestFactory } from '@nestjs/core';
import { Module, type INestApplication } from '@nestjs/common';
import { Registry } from 'prom-client';
import { ManualClock } from '../../src/common/clock.js';
import { CollectorEvents } from '../../src/common/events.js';
import { CoreModule } from '../../src/core/core.module.js';
import { buildConfig } from '../../src/config/config.loader.js';
import { migrate } from '../../src/database/migrations.js';
import { ApiExceptionFilter } from '../../src/api/api-exception.filter.js';
import { NotLeaderError } from '../../src/leadership/leadership.js';
import { SlaModule } from '../../src/sla/sla.module.js';
import { slaMigrations } from '../../src/sla/sla.migrations.js';
import { SlaService } from '../../src/sla/sla.service.js';
import { SlaFollower } from '../../src/sla/sla-follower.js';
import { SlaRebuilder } from '../../src/sla/sla-rebuilder.js';
import { PROBE_DURATION, PROBE_SUCCESS } from '../../src/sla/probe-metrics.js';
import type { StoredSeriesSamples } from '../../src/storage/storage.types.js';
import { engines, type EngineDatabase } from '../../../test/support/engines.js';
import { FakeElection, type FakeLeadership } from '../support/fake-leadership.js';
import { SharedSampleStore, type ReplicaSampleStore } from '../support/shared-sample-store.js';
import { SHOP_SERVICE, mondayResult } from '../support/sla-monday.js';

@Module({})
class TestRoot {}
const MIN = 60_000;
const utc = (t: string) => Date.parse(`${t}Z`);

const API = 'api-token-123';
const config = buildConfig({
  auth: { api_tokens: [API] },
  services: [SHOP_SERVICE],
  maintenance: [{ id: 'hotfix', services: ['shop'], start: '2026-11-16T09:10', end: '2026-11-16T09:30', timezone: 'Europe/Berlin', change: 'CHG-7' }],
});

/**
 * What one collector that received every result of Monday computes (as in sla.spec.ts, whose
 * retroactive hotfix window is configured here).
 */
const MONDAY = {
  service: 'shop',
  window: '2026-11-16',
  availability: Math.round((555 / 575) * 1e9) / 1e9,
  minutes: { service_hours: 600, counted: 580, good: 555, bad: 20, unknown: 5, planned_maintenance: 20, planned_downtime: 10, unplanned_downtime: 20 },
  latency: { threshold_ms: 300, target: 0.95, fast_results: 1635, results: 1725, attainment: Math.round((1635 / 1725) * 1e9) / 1e9, met: false },
  problems: ['probe shop-http has not reported since 2026-11-16T17:59:30.000Z', 'probe shop-tcp has never reported'],
};

interface Replica {
  name: string;
  leadership: FakeLeadership;
  store: ReplicaSampleStore;
  app: INestApplication;
  base: string;
  sla: SlaService;
}

describe.each(engines('sla-replicas.spec'))('SLA on two collectors sharing $name', (engine) => {
  let database: EngineDatabase;
  let clock: ManualClock;
  let election: FakeElection;
  let shared: SharedSampleStore;
  const running: Replica[] = [];

  beforeEach(async () => {
    database = await engine.open();
    await migrate(database.db, slaMigrations);
    clock = new ManualClock(utc('2026-11-16T06:00'));
    election = new FakeElection();
    shared = new SharedSampleStore();
  });

  afterEach(async () => {
    for (const r of running.splice(0)) await r.app.close();
    await database.dispose();
  });

  /** A collector with its own database connection; it leads from the start when the election says so. */
  async function boot(name: string, replicaClock = clock): Promise<Replica> {
    const leadership = election.member(name);
    leadership.notify();
    const store = shared.view();
    const db = await database.reopen();
    const app = await NestFactory.create(
      { module: TestRoot, imports: [CoreModule.forRoot({ config, clock: replicaClock, database: db, store, registry: new Registry(), leadership }), SlaModule] },
      { logger: false },
    );
    app.useGlobalFilters(new ApiExceptionFilter());
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address() as { port: number };
    const replica = { name, leadership, store, app, base: `http://127.0.0.1:${port}`, sla: app.get(SlaService) };
    running.push(replica);
    return replica;
  }

  /** Collector a, the leader, and collector b, a follower. */
  async function leaderAndFollower(): Promise<[Replica, Replica]> {
    election.leader = 'a';
    return [await boot('a'), await boot('b')];
  }

  async function stop(replica: Replica): Promise<void> {
    running.splice(running.indexOf(replica), 1);
    await replica.app.close();
  }

  /** The agents' results of [fromMs, toMs) as stored by one replica and announced on its bus. */
  function ingest(replica: Replica, agents: string[], fromMs: number, toMs: number): void {
    const out: StoredSeriesSamples[] = [];
    for (const agent of agents) {
      const success: [number, number][] = [];
      const duration: [number, number][] = [];
      for (let m = fromMs; m < toMs; m += MIN) {
        const r = mondayResult(m, agent);
        if (!r) continue;
        success.push([m + 30_000, r.ok ? 1 : 0]);
        duration.push([m + 30_000, r.seconds]);
      }
      const labels = { probe: 'shop-http', type: 'http', target: 'https://shop', agent, host: `h-${agent}` };
      out.push(replica.store.put(PROBE_SUCCESS, labels, success), replica.store.put(PROBE_DURATION, labels, duration));
    }
    replica.app.get(CollectorEvents).emit('samples', out);
  }

  /** 10-minute blocks in real time: agent a1 reports to `first`, a2 and a3 to `second`; the leader ticks. */
  function feed(first: Replica, second: Replica, leader: Replica, fromMs: number, toMs: number): void {
    for (let t = fromMs; t < toMs; t += 10 * MIN) {
      clock.set(t + 10 * MIN + 5_000);
      ingest(first, ['a1'], t, t + 10 * MIN);
      ingest(second, ['a2', 'a3'], t, t + 10 * MIN);
      leader.sla.tick();
    }
  }

  const json = async (replica: Replica, path: string) => {
    const res = await fetch(replica.base + path);
    expect(res.status).toBe(200);
    return res.json() as Promise<Record<string, unknown>>;
  };

  /** Monday's figures, the month so far and the service view, as a replica serves them. */
  async function figures(replica: Replica) {
    return {
      monday: await json(replica, '/api/services/shop/sla?period=2026-11-16'),
      month: await json(replica, '/api/services/shop/sla?period=2026-11'),
      service: await json(replica, '/api/services/shop'),
    };
  }

  it('the leader folds in what both replicas stored; a follower serves the same figures once the leader flushed', async () => {
    const [a, b] = await leaderAndFollower();
    feed(a, b, a, utc('2026-11-16T06:00'), utc('2026-11-16T18:00'));
    clock.set(utc('2026-11-17T00:00'));
    a.sla.tick();
    const leader = await figures(a);
    expect(leader.monday).toMatchObject(MONDAY);

    // Nothing flushed yet: the follower's copy has no measured minute.
    await b.app.get(SlaFollower).refresh();
    expect((await figures(b)).monday).toMatchObject({ minutes: { good: 0, bad: 0 }, latency: { results: 0 } });

    await a.sla.flush();
    await b.app.get(SlaFollower).refresh();
    expect(await figures(b)).toEqual(leader);
    expect(election.refusedWrites.size).toBe(0); // the follower tried no write only the leader may make
    expect(election.fencedWrites.get('a')).toBeGreaterThan(0);
  });

  it('a new leader takes over mid-stream: no minute lost or counted twice, and both replicas serve the same figures', async () => {
    const [first, b] = await leaderAndFollower();
    let a = first; // replaced after it dies
    feed(a, b, a, utc('2026-11-16T06:00'), utc('2026-11-16T08:00'));
    await a.sla.flush(); // the last flush before the leader dies: 08:00-10:00 lives only in its memory
    feed(a, b, a, utc('2026-11-16T08:00'), utc('2026-11-16T10:00'));

    // The leader dies; b wins the election. a's replacement starts as a follower.
    election.leader = 'b';
    a.leadership.notify();
    await a.sla.settled();
    await stop(a);
    a = await boot('a');

    // a stores a block just as b starts following its peers: b's re-read reads it from raw storage,
    // and b receives it again a little later (held, then released) without counting it twice.
    clock.set(utc('2026-11-16T10:10:05'));
    shared.holding = true;
    shared.onFollow = () => ingest(a, ['a1'], utc('2026-11-16T10:00'), utc('2026-11-16T10:10'));
    b.leadership.notify();
    await b.sla.settled();
    shared.onFollow = undefined;
    shared.release();
    ingest(b, ['a2', 'a3'], utc('2026-11-16T10:00'), utc('2026-11-16T10:10'));
    await b.app.get(SlaRebuilder).processQueue();

    feed(a, b, b, utc('2026-11-16T10:10'), utc('2026-11-16T18:00'));
    clock.set(utc('2026-11-17T00:00'));
    b.sla.tick();
    const leader = await figures(b);
    expect(leader.monday).toMatchObject(MONDAY);

    await b.sla.flush();
    await a.app.get(SlaFollower).refresh();
    expect(await figures(a)).toEqual(leader);
    expect(election.refusedWrites.size).toBe(0);
  });

  it("refuses a deposed leader's writes until it learns it was deposed; the new leader's flush then stands", async () => {
    const [a, b] = await leaderAndFollower();
    feed(a, b, a, utc('2026-11-16T06:00'), utc('2026-11-16T07:00'));
    await a.sla.flush();
    const persisted = await database.db.all('SELECT service_id, day, good, bad, latency, updated_ms FROM sla_service_days ORDER BY service_id, day');
    feed(a, b, a, utc('2026-11-16T07:00'), utc('2026-11-16T08:00'));

    // b took over while a, cut off, has not heard of it yet: a's flush is refused and changes nothing.
    election.leader = 'b';
    await expect(a.sla.flush()).rejects.toThrow(NotLeaderError);
    expect(election.refusedWrites.get('a')).toBe(1);
    expect(await database.db.all('SELECT service_id, day, good, bad, latency, updated_ms FROM sla_service_days ORDER BY service_id, day')).toEqual(persisted);

    a.leadership.notify();
    b.leadership.notify();
    await Promise.all([a.sla.settled(), b.sla.settled()]);
    await b.sla.flush();
    await a.app.get(SlaFollower).refresh();
    const monday = await json(b, '/api/services/shop/sla?period=2026-11-16');
    // 07:00-08:00 UTC is in service hours (Berlin 08:00-09:00): 60 good minutes from three agents.
    expect(monday).toMatchObject({ minutes: { good: 60, bad: 0 }, latency: { fast_results: 180, results: 180 } });
    expect(await json(a, '/api/services/shop/sla?period=2026-11-16')).toEqual(monday);
  });

  it("a follower finds what a new leader flushed even when the new leader's clock is behind the old one's", async () => {
    election.leader = 'a';
    const a = await boot('a');
    const behind = new ManualClock(clock.now());
    const b = await boot('b', behind);
    feed(a, b, a, utc('2026-11-16T07:00'), utc('2026-11-16T08:10'));
    await a.sla.flush(); // stamped 08:10:05 by a's clock

    election.leader = 'b';
    a.leadership.notify();
    b.leadership.notify();
    behind.set(utc('2026-11-16T08:08:05'));
    await Promise.all([a.sla.settled(), b.sla.settled()]);
    ingest(a, ['a1'], utc('2026-11-16T08:10'), utc('2026-11-16T08:20'));
    ingest(b, ['a2', 'a3'], utc('2026-11-16T08:10'), utc('2026-11-16T08:20'));
    await b.sla.flush(); // before b's clock reaches a's last stamp
    expect(Number((await database.db.get<{ value: string }>("SELECT value FROM sla_state WHERE key = 'last_flush_ms'"))!.value)).toBeGreaterThan(utc('2026-11-16T08:10:05'));

    clock.set(utc('2026-11-17T00:00'));
    behind.set(utc('2026-11-17T00:00') - 2 * MIN);
    await a.app.get(SlaFollower).refresh();
    // 07:00-08:20 in service hours; 08:00-08:20 bad, its last 10 minutes in the hotfix window.
    const monday = await json(b, '/api/services/shop/sla?period=2026-11-16');
    expect(monday).toMatchObject({ minutes: { good: 60, bad: 10, planned_downtime: 10 }, latency: { results: 210 }, problems: [expect.stringContaining('since 2026-11-16T08:19:30.000Z'), 'probe shop-tcp has never reported'] });
    expect(await json(a, '/api/services/shop/sla?period=2026-11-16')).toEqual(monday);
  });

  it("a service created through a follower's API is judged by the leader from raw samples, and both serve its figures", async () => {
    const [a, b] = await leaderAndFollower();
    feed(a, b, a, utc('2026-11-16T06:00'), utc('2026-11-16T12:00'));
    const created = await fetch(`${b.base}/api/services`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${API}` },
      body: JSON.stringify({ id: 'web', name: 'Web', probes: ['shop-http'], sla: { availability: 99 } }),
    });
    expect(created.status).toBe(201);

    await a.sla.syncDefinitions(); // what its 2-second poll does
    await a.app.get(SlaRebuilder).processQueue();
    await a.sla.flush();
    await b.app.get(SlaFollower).refresh();
    const web = await json(a, '/api/services/web/sla?period=2026-11-16');
    // Round the clock from 06:00 to now (12:00:05): 08:00-08:20 bad, 11:00-11:05 without results.
    expect(web).toMatchObject({ minutes: { good: 335, bad: 20 } });
    expect(await json(b, '/api/services/web/sla?period=2026-11-16')).toEqual(web);
    expect(election.refusedWrites.size).toBe(0);
  });

  it('a takeover refused by fencing is given up whole and tried again until it succeeds', async () => {
    const [a, b] = await leaderAndFollower();
    feed(a, b, a, utc('2026-11-16T07:00'), utc('2026-11-16T08:00'));
    await a.sla.flush();

    // b believes it leads before the election says so: its first leader write is refused.
    b.leadership.tell(true);
    await b.sla.settled();
    expect(election.refusedWrites.get('b')).toBe(1);
    election.leader = 'b';
    a.leadership.notify();
    await a.sla.settled();
    // The retry (5 s later) takes over from the beginning.
    const deadline = Date.now() + 10_000;
    while (!election.fencedWrites.get('b') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    await b.sla.settled();
    feed(a, b, b, utc('2026-11-16T08:00'), utc('2026-11-16T08:20'));
    await b.sla.flush();
    await a.app.get(SlaFollower).refresh();
    const monday = await json(b, '/api/services/shop/sla?period=2026-11-16');
    // 07:00-08:20: 08:00-08:10 bad, 08:10-08:20 bad but in the hotfix window.
    expect(monday).toMatchObject({ minutes: { good: 60, bad: 10, planned_downtime: 10 }, latency: { results: 210 } });
    expect(await json(a, '/api/services/shop/sla?period=2026-11-16')).toEqual(monday);
  }, 30_000);
});
