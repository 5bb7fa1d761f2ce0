// Remote write over a real sample store (SQLite, and PostgreSQL) and a real HTTP receiver on loopback: every stored sample
// arrives, across compaction and store restarts; answers are retried, dropped and counted as the
// protocol says; the backlog limit holds.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { allMigrations } from '../../src/all-migrations.js';
import { systemClock } from '../../src/common/clock.js';
import { type Database } from '../../src/database/database.js';
import { migrate } from '../../src/database/migrations.js';
import { remoteWriteClient } from '../../src/remote-write/remote-write.client.js';
import { remoteWriteTargets, type RemoteWriteTarget } from '../../src/remote-write/remote-write.config.js';
import { RemoteWriteMetrics } from '../../src/remote-write/remote-write.metrics.js';
import { RemoteWriteRepository } from '../../src/remote-write/remote-write.repository.js';
import { TargetShipper } from '../../src/remote-write/target-shipper.js';
import { seriesLabels } from '../../src/remote-write/write-request.js';
import { openSampleStore, type OpenedSampleStore } from '../../src/storage/open-store.js';
import type { IncomingBatch } from '../../src/storage/storage.types.js';
import { RemoteWriteReceiver } from '../support/remote-write-receiver.js';
import { engines, type EngineDatabase } from '../../../test/support/engines.js';

const T0 = Date.parse('2026-11-25T12:00:00Z');

interface Harness {
  db: Database;
  store: OpenedSampleStore;
  repository: RemoteWriteRepository;
  registry: Registry;
  metrics: RemoteWriteMetrics;
  shippers: TargetShipper[];
}

describe.each(engines('remote-write.spec'))('remote write on $name', (engine) => {
let data: EngineDatabase;
let firstDb: Database | undefined;
let receiver: RemoteWriteReceiver;
const open: Harness[] = [];

beforeEach(async () => {
  data = await engine.open();
  firstDb = data.db;
  receiver = await new RemoteWriteReceiver().start();
});

afterEach(async () => {
  for (const h of open.splice(0)) await close(h);
  await receiver.stop();
  await data.dispose();
});

function target(overrides: Record<string, unknown> = {}): RemoteWriteTarget {
  return remoteWriteTargets([{ url: receiver.url, headers: {}, timeout: 5_000, queue: { max_samples_per_send: 50, min_backoff: 10, max_backoff: 200, max_pending_samples: 1_000_000 }, ...overrides }])[0]!;
}

async function openHarness(targets: RemoteWriteTarget[]): Promise<Harness> {
  // The first harness takes the engine's database; later ones reopen it (a restart).
  const db = firstDb ?? (await data.reopen());
  firstDb = undefined;
  await migrate(db, allMigrations);
  const store = await openSampleStore(db, { compaction: { auto: false }, followGraceMs: 0 });
  const repository = new RemoteWriteRepository(db);
  const positions = await repository.syncTargets(targets.map((t) => t.name), systemClock.now());
  await repository.open();
  const registry = new Registry();
  const metrics = new RemoteWriteMetrics(registry);
  const labels = async (id: number) => {
    const s = await store.getSeries(id);
    return s && seriesLabels(s.metric, s.labels);
  };
  const shippers = targets.map((t) => new TargetShipper({ target: t, journal: repository, send: remoteWriteClient(t, () => Date.now()), labels, metrics, clock: systemClock, idlePollMs: 20 }, positions.get(t.name)!));
  metrics.readBacklogsFrom(() => Promise.all(shippers.map((s) => s.backlog())));
  store.onCommit(() => shippers.forEach((s) => s.wake()));
  const h = { db, store, repository, registry, metrics, shippers };
  open.push(h);
  return h;
}

async function close(h: Harness): Promise<void> {
  if (open.includes(h)) open.splice(open.indexOf(h), 1);
  await Promise.all(h.shippers.map((s) => s.stop()));
  await h.repository.close();
  await h.store.close();
  await h.db.close();
}

/** `count` batches of `series` gauges, one point each per batch, one second apart. */
async function ingest(h: Harness, agentId: string, fromSeq: number, count: number, series = 20): Promise<void> {
  for (let seq = fromSeq; seq < fromSeq + count; seq++) {
    const batch: IncomingBatch = {
      agentId,
      epoch: 'e1',
      seq,
      series: Array.from({ length: series }, (_, i) => ({ metric: 'vigil_test_value', labels: { agent: agentId, n: String(i) }, kind: 'gauge' as const, timestamps: [T0 + seq * 1000], values: [seq + i / 100] })),
    };
    await h.store.append(batch);
  }
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function metricValues(registry: Registry, name: string): Promise<Record<string, number>> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
  const out: Record<string, number> = {};
  for (const v of (metric?.values ?? []) as Array<{ labels: Record<string, string>; value: number }>) out[v.labels.reason ?? v.labels.target ?? ''] = v.value;
  return out;
}

/** Every stored sample, "metric{labels}" -> timestamps, from the store's own reads. */
async function storedSamples(store: OpenedSampleStore): Promise<Map<string, number[]>> {
  const out = new Map<string, number[]>();
  for await (const s of store.scanRange(0, T0 + 10 * 86_400_000)) {
    const name = `${s.series.metric}{${seriesLabels(s.series.metric, s.series.labels).filter((l) => l.name !== '__name__').map((l) => `${l.name}="${l.value}"`).join(',')}}`;
    out.set(name, [...s.timestamps]);
  }
  return out;
}

function sorted(map: Map<string, number[]>): Array<[string, number[]]> {
  return [...map.entries()].map(([k, v]): [string, number[]] => [k, [...v].sort((a, b) => a - b)]).sort((a, b) => (a[0] < b[0] ? -1 : 1));
}

describe('from the stored samples', () => {
  it('sends every stored sample once, per series in timestamp order, across compaction and a store restart that restarts log ids', async () => {
    let h = await openHarness([target()]);
    await ingest(h, 'a1', 1, 30);
    await h.store.compact(); // the log rows leave sample_log before anything was sent: the journal keeps copies
    expect((await h.db.get<{ n: number }>('SELECT count(*) AS n FROM remote_write_journal WHERE data IS NOT NULL'))!.n).toBe(30);
    await ingest(h, 'a1', 31, 10);
    h.shippers[0]!.start();
    await until('the first 800 samples', () => receiver.acceptedSamples() === 800);
    expect(await metricValues(h.registry, 'vigil_remote_write_sent_samples_total')).toEqual({ [receiver.url]: 800 });
    expect(await metricValues(h.registry, 'vigil_remote_write_pending_samples')).toEqual({ [receiver.url]: 0 });
    await h.store.compact();
    await close(h);

    // Reopened with an empty log, the store numbers log rows from 1 again; the journal's seq goes on.
    h = await openHarness([target()]);
    await ingest(h, 'a1', 41, 10);
    h.shippers[0]!.start();
    await until('all 1000 samples', () => receiver.acceptedSamples() === 1000);
    await new Promise((r) => setTimeout(r, 100)); // nothing more arrives
    expect(receiver.acceptedSamples()).toBe(1000);
    expect(sorted(receiver.accepted())).toEqual(sorted(await storedSamples(h.store)));
    for (const r of receiver.requests) {
      expect(r.headers['content-encoding']).toBe('snappy');
      expect(r.headers['content-type']).toBe('application/x-protobuf');
      expect(r.headers['x-prometheus-remote-write-version']).toBe('0.1.0');
      expect(r.headers['user-agent']).toMatch(/^vigil-collector\//);
      expect(r.series.reduce((n, s) => n + s.samples.length, 0)).toBeLessThanOrEqual(50);
      for (const s of r.series) expect(s.samples.map((x) => x.timestamp)).toEqual([...s.samples.map((x) => x.timestamp)].sort((a, b) => a - b));
    }
    // Caught up: the journal holds nothing any more.
    await until('the journal pruned', async () => (await h.db.get<{ n: number }>('SELECT count(*) AS n FROM remote_write_journal'))!.n === 0);
  });

  it('retries 5xx and 429 (honouring Retry-After), drops a 400 for good, and counts each by reason', async () => {
    const h = await openHarness([target({ queue: { max_samples_per_send: 20, min_backoff: 10, max_backoff: 2_000, max_pending_samples: 1_000_000 } })]);
    receiver.script.push({ status: 503, body: 'overloaded' }, { status: 500 }, { status: 429, headers: { 'Retry-After': '1' } }, { status: 204 }, { status: 400, body: 'bad labels' });
    await ingest(h, 'a1', 1, 3); // 3 requests of 20 samples
    const started = Date.now();
    h.shippers[0]!.start();
    await until('three requests answered for good', () => receiver.requests.length === 6);
    const statuses = receiver.requests.map((r) => r.status);
    expect(statuses).toEqual([503, 500, 429, 204, 400, 204]);
    // The retry after the 429 waited for its Retry-After (1 s), not the 40 ms backoff.
    expect(receiver.requests[3]!.atMs - receiver.requests[2]!.atMs).toBeGreaterThanOrEqual(950);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    // The same request was retried: same samples each time.
    expect(receiver.requests[1]!.series).toEqual(receiver.requests[0]!.series);
    expect(receiver.requests[3]!.series).toEqual(receiver.requests[0]!.series);
    await until('cursor saved', async () => (await metricValues(h.registry, 'vigil_remote_write_pending_samples'))[receiver.url] === 0);
    expect(await metricValues(h.registry, 'vigil_remote_write_sent_samples_total')).toEqual({ [receiver.url]: 40 });
    expect(await metricValues(h.registry, 'vigil_remote_write_failed_samples_total')).toEqual({ http_5xx: 40, http_429: 20 });
    expect(await metricValues(h.registry, 'vigil_remote_write_dropped_samples_total')).toEqual({ rejected: 20 });
  });

  it('reports pending samples and lag while the receiver is down, and drops the oldest rows past max_pending_samples', async () => {
    const h = await openHarness([target({ queue: { max_samples_per_send: 100, min_backoff: 10, max_backoff: 50, max_pending_samples: 150 } })]);
    await receiver.stop(); // connection refused
    await ingest(h, 'a1', 1, 5); // 5 journal rows of 20
    await new Promise((r) => setTimeout(r, 50));
    const backlog = await h.shippers[0]!.backlog();
    expect(backlog.pendingSamples).toBe(100);
    expect(backlog.lagSeconds).toBeGreaterThan(0.04);
    await ingest(h, 'a1', 6, 5); // 200 pending: over the limit of 150
    const port = Number(new URL(receiver.url).port);
    h.shippers[0]!.start();
    await until('network failures counted', async () => ((await metricValues(h.registry, 'vigil_remote_write_failed_samples_total')).network ?? 0) > 0);
    receiver = await new RemoteWriteReceiver().start(port);
    await until('the rest sent', async () => (await metricValues(h.registry, 'vigil_remote_write_pending_samples'))[receiver.url] === 0);
    expect(await metricValues(h.registry, 'vigil_remote_write_dropped_samples_total')).toEqual({ backlog_full: 60 });
    expect(receiver.acceptedSamples()).toBe(140);
    expect(await metricValues(h.registry, 'vigil_remote_write_lag_seconds')).toEqual({ [receiver.url]: 0 });
  });

  it.runIf(engine.name === 'postgres')('sends every sample once while two collectors commit at the same time (journal seqs in commit order)', async () => {
    const h = await openHarness([target({ queue: { max_samples_per_send: 500, min_backoff: 10, max_backoff: 50, max_pending_samples: 1_000_000 } })]);
    const peerDb = await data.reopen();
    const peer = await openSampleStore(peerDb, { compaction: { auto: false }, followGraceMs: 0 });
    try {
      h.shippers[0]!.start();
      const wakeEvery = setInterval(() => h.shippers[0]!.wake(), 5);
      // Many small concurrent commits from both collectors while the shipper reads the journal.
      await Promise.all([ingest(h, 'a1', 1, 60, 5), ingest({ ...h, store: peer }, 'a2', 1, 60, 5), ingest(h, 'a3', 1, 60, 5), ingest({ ...h, store: peer }, 'a4', 1, 60, 5)]);
      await until('all 1200 samples', () => receiver.acceptedSamples() === 1200);
      clearInterval(wakeEvery);
      await new Promise((r) => setTimeout(r, 100));
      expect(receiver.acceptedSamples()).toBe(1200);
      expect(sorted(receiver.accepted())).toEqual(sorted(await storedSamples(h.store)));
    } finally {
      await peer.close();
      await peerDb.close();
    }
  });

  it('starts a target added later at the log, and forgets a target no longer configured', async () => {
    let h = await openHarness([target({ name: 'first' })]);
    await ingest(h, 'a1', 1, 2);
    await h.store.compact();
    await ingest(h, 'a1', 3, 1);
    await close(h);
    h = await openHarness([target({ name: 'first' }), target({ name: 'second' })]);
    const names = (await h.db.all<{ name: string; next_seq: number }>('SELECT name, next_seq FROM remote_write_target ORDER BY name'));
    // first still owes rows 1-3; second starts at row 3, the only one still in the log.
    expect(names).toEqual([{ name: 'first', next_seq: 1 }, { name: 'second', next_seq: 3 }]);
    await close(h);
    h = await openHarness([target({ name: 'second' })]);
    expect(await h.db.all('SELECT name, next_seq FROM remote_write_target')).toEqual([{ name: 'second', next_seq: 3 }]);
    expect((await h.db.all<{ seq: number }>('SELECT seq FROM remote_write_journal ORDER BY seq')).map((r) => r.seq)).toEqual([3]);
    await close(h);
    h = await openHarness([]);
    expect(await h.db.all('SELECT * FROM remote_write_journal')).toEqual([]);
    await ingest(h, 'a1', 4, 1); // no target: nothing journaled
    expect(await h.db.all('SELECT * FROM remote_write_journal')).toEqual([]);
  });
});
});
