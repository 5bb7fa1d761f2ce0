// Several collectors sharing one database: per-sample rules run on whichever collector received
// the sample, so two of them may open, reopen or resolve the same condition at the same moment.
// The database keeps one active incident per condition (incidents_one_active) and the losers fold
// into the winner's incident instead of failing.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/common/clock.js';
import type { Transaction } from '../../src/database/database.js';
import { NotLeaderError, type Leadership } from '../../src/leadership/leadership.js';
import { OutboxRepository } from '../../src/notify/outbox.repository.js';
import { IncidentsRepository, newIncident, type NewIncident } from '../../src/incidents/incidents.repository.js';
import { Receiver, startIncidentsApp, tempDatabase, type IncidentsApp, type TempDb } from './incidents.support.js';
import { engines } from '../../../test/support/engines.js';

const T0 = Date.UTC(2026, 10, 3, 10, 0, 0);
const DISK = 'vigil_filesystem_used_ratio';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function incident(fingerprint: string, state: 'open' | 'resolved' = 'open'): NewIncident {
  const opened = newIncident({ fingerprint, rule: 'disk-almost-full', severity: 'warning', service: 'shop', title: 'Disk / on web-1 at 95%', description: '', labels: '{}', state: 'open', value: 0.95, started_ms: T0, opened_ms: T0, suppressed_by: null });
  return state === 'resolved' ? { ...opened, state, resolved_ms: T0 } : opened;
}

/** A collector whose term ended: it still opens incidents, but its leader-only writes are refused. */
class DeposedLeadership implements Leadership {
  readonly replicaId = 'deposed';
  isLeader(): boolean {
    return false;
  }
  onChange(): () => void {
    return () => undefined;
  }
  async assertLeader(): Promise<void> {
    throw new NotLeaderError('term 1 ended, term 2 leads');
  }
}

describe.each(engines('incidents-replicas.spec'))('one active incident per condition across collectors on $name', (engine) => {
  let tmp: TempDb;
  let hook: Receiver;
  let apps: IncidentsApp[] = [];

  beforeEach(async () => {
    tmp = await tempDatabase(engine);
    hook = await Receiver.start();
  });
  afterEach(async () => {
    for (const app of apps) await app.close();
    apps = [];
    await hook.close();
    await tmp.cleanup();
  });

  /**
   * Transaction `first` makes its change and holds it uncommitted for a moment while `second`, on
   * another connection, makes the same change: on PostgreSQL the second waits on the first's row,
   * on SQLite on its write lock; either way it must see it was beaten.
   */
  async function race<T>(first: (repo: IncidentsRepository, tx: Transaction) => Promise<T>, second = first): Promise<[T, T]> {
    const peer = await tmp.peer();
    let changed!: () => void;
    const firstChanged = new Promise<void>((resolve) => (changed = resolve));
    const a = tmp.db.transaction(async (tx) => {
      const result = await first(new IncidentsRepository(tmp.db), tx);
      changed();
      await sleep(150);
      return result;
    });
    await firstChanged;
    const b = peer.transaction((tx) => second(new IncidentsRepository(peer), tx));
    return Promise.all([a, b]);
  }

  const activeCount = async (fingerprint: string) =>
    (await tmp.db.get<{ n: number }>(`SELECT COUNT(*) AS n FROM incidents WHERE fingerprint = ? AND state IN ('open', 'acknowledged', 'suppressed')`, [fingerprint]))!.n;

  it('two connections opening the same condition at once: the second is told it is taken', async () => {
    expect(await race((repo, tx) => repo.insertActive(tx, incident('fp-1')))).toEqual([1, undefined]);
    expect(await activeCount('fp-1')).toBe(1);
  });

  it('two connections reopening the same resolved incident at once: only the first reopens it', async () => {
    await tmp.db.transaction((tx) => new IncidentsRepository(tmp.db).insertActive(tx, incident('fp-2', 'resolved')));
    const reopen = (repo: IncidentsRepository, tx: Transaction) =>
      repo.update(tx, 1, { state: 'open', resolved_ms: null, reopen_count: 1 }, 'resolved');
    expect(await race(reopen)).toEqual([true, false]);
    expect(await activeCount('fp-2')).toBe(1);
  });

  it('an incident another collector opened resolves on this one when its agent moved here and the condition recovers', async () => {
    const clock = new ManualClock(T0);
    const rule = { name: 'disk-almost-full', metric: DISK, match: { mountpoint: '/' }, op: '>', threshold: 0.9, for: '0s', severity: 'warning' };
    const options = { raw: { rules: [rule] }, settings: { group_wait: '0s' }, clock };
    apps = [await startIncidentsApp({ ...options, db: tmp.db }), await startIncidentsApp({ ...options, db: await tmp.peer() })];
    const [first, second] = apps as [IncidentsApp, IncidentsApp];
    const disk = (app: IncidentsApp, value: number) => app.samples([{ id: 1, metric: DISK, labels: { host: 'web-1', mountpoint: '/' }, points: [[clock.now(), value]] }]);
    const states = async () => (await second.api('GET', '/api/incidents')).body.incidents.map((i: { state: string; resolved_by: string | null }) => [i.state, i.resolved_by]);
    await disk(first, 0.95);
    clock.advance(1_000);
    await disk(second, 0.5); // the agent moved: the second collector has never seen this condition
    expect(await states()).toEqual([['open', null]]);
    await second.evaluator.adoptIncidents(); // its periodic round finds the incident the first one opened
    clock.advance(1_000);
    await disk(second, 0.5);
    expect(await states()).toEqual([['resolved', null]]);
    const timeline = (await second.api('GET', '/api/incidents/1')).body.timeline.map((e: { type: string }) => e.type);
    expect(timeline).toEqual(['opened', 'resolved']);
  });

  it('only the leader delivers: a deposed collector queues notifications but its claims are fenced', async () => {
    const clock = new ManualClock(T0);
    const rule = { name: 'disk-almost-full', metric: DISK, match: { mountpoint: '/' }, op: '>', threshold: 0.9, for: '0s', severity: 'warning' };
    const options = { raw: { rules: [rule], notifiers: [{ name: 'ops', type: 'webhook', url: `${hook.url}/hook` }] }, settings: { group_wait: '0s' }, clock };
    apps = [await startIncidentsApp({ ...options, db: tmp.db, leadership: new DeposedLeadership() })];
    await apps[0]!.samples([{ id: 1, metric: DISK, labels: { host: 'web-1', mountpoint: '/' }, points: [[T0, 0.95]] }]);
    await apps[0]!.settle();
    await sleep(100);
    expect(hook.requests).toHaveLength(0);
    expect((await new OutboxRepository(tmp.db).history('incident:1')).map((r) => [r.idempotency_key, r.state, r.attempts])).toEqual([['vigil-1-1-ops', 'pending', 0]]);
    apps.push(await startIncidentsApp({ ...options, db: await tmp.peer() })); // the leader
    await hook.waitFor(1);
    await apps[1]!.settle();
    expect(hook.requests.map((r) => r.headers['idempotency-key'])).toEqual(['vigil-1-1-ops']);
  });

  it('two collectors receiving the same samples open, resolve and reopen each condition once, and notify once', async () => {
    const clock = new ManualClock(T0);
    const rule = { name: 'disk-almost-full', metric: DISK, match: { mountpoint: '/' }, op: '>', threshold: 0.9, for: '0s', recover_below: 0.85, severity: 'warning' };
    const options = { raw: { rules: [rule], notifiers: [{ name: 'ops', type: 'webhook', url: `${hook.url}/hook` }] }, settings: { group_wait: '0s' }, clock };
    apps = [await startIncidentsApp({ ...options, db: tmp.db }), await startIncidentsApp({ ...options, db: await tmp.peer() })];
    const hosts = Array.from({ length: 20 }, (_, i) => `web-${i + 1}`);
    const disks = (value: number) =>
      Promise.all(apps.map((app) => app.samples(hosts.map((host, i) => ({ id: i + 1, metric: DISK, labels: { host, mountpoint: '/', service: 'shop' }, points: [[clock.now(), value]] })))));
    const incidents = async () => (await apps[1]!.api('GET', '/api/incidents?limit=100')).body.incidents as Array<{ id: number; state: string; reopen_count: number }>;
    const timelines = async () => {
      const all = await Promise.all((await incidents()).map(async (i) => (await apps[0]!.api('GET', `/api/incidents/${i.id}`)).body.timeline as Array<{ type: string }>));
      return all.map((timeline) => timeline.map((e) => e.type).filter((type) => type === 'opened' || type === 'resolved' || type === 'reopened').join(','));
    };

    // Deliveries finish before the manual clock jumps a minute (the claim of an attempt in flight
    // is leased for its timeout plus 30 s of the collectors' clock).
    const delivered = async (count: number) => {
      await hook.waitFor(count, 10_000);
      await Promise.all(apps.map((app) => app.settle()));
    };
    await disks(0.95);
    expect((await incidents()).map((i) => i.state)).toEqual(hosts.map(() => 'open'));
    await delivered(20);
    clock.advance(60_000);
    await disks(0.5);
    expect((await incidents()).map((i) => i.state)).toEqual(hosts.map(() => 'resolved'));
    await delivered(40);
    clock.advance(60_000);
    await disks(0.96); // within reopen_within (1h): the same incidents reopen
    expect((await incidents()).map((i) => [i.state, i.reopen_count])).toEqual(hosts.map(() => ['open', 1]));
    expect(await timelines()).toEqual(hosts.map(() => 'opened,resolved,reopened'));
    await delivered(60); // trigger, resolve, trigger of each
    const keys = hook.requests.map((r) => r.headers['idempotency-key']);
    expect(new Set(keys).size).toBe(60);
    expect(keys).toHaveLength(60);
    // No collector lost a transition to the race (a lost one would be counted here).
    for (const app of apps) expect((await app.registry.getSingleMetric('vigil_incident_transitions_dropped_total')!.get()).values.filter((v) => v.value > 0)).toEqual([]);
  });
});
