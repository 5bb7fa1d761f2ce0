import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHmac } from 'node:crypto';
import { ManualClock, systemClock } from '../../src/common/clock.js';
import { DeliveryWorker, type DeliveryOutcome, type DeliverySettings } from '../../src/notify/delivery-worker.js';
import { OutboxRepository } from '../../src/notify/outbox.repository.js';
import { createNotifier } from '../../src/notify/notifiers.js';
import type { NotificationMessage, Notifier } from '../../src/notify/notify.types.js';
import { notifiersSchema } from '../../src/incidents/incidents.config.js';
import { NotLeaderError } from '../../src/leadership/leadership.js';
import type { Database } from '../../src/database/database.js';
import type { Fence } from '../../src/notify/outbox.repository.js';
import { Receiver, eventually, tempDatabase, type TempDb } from './incidents.support.js';
import { engines } from '../../../test/support/engines.js';

const settings: DeliverySettings = { concurrency: 2, maxAttempts: 3, backoffInitialMs: 20, backoffMaxMs: 100, pollIntervalMs: 50 };

function message(overrides: Partial<NotificationMessage> = {}): NotificationMessage {
  return {
    incidentId: 7,
    fingerprint: 'f'.repeat(32),
    event: 'trigger',
    repeat: false,
    refresh: false,
    state: 'open',
    rule: 'disk-almost-full',
    severity: 'warning',
    service: 'shop',
    title: 'Disk / on web-1 at 93%',
    description: '',
    labels: { host: 'web-1', mountpoint: '/' },
    value: 0.93,
    startedMs: Date.UTC(2026, 10, 3, 10, 0, 0),
    openedMs: Date.UTC(2026, 10, 3, 10, 5, 0),
    acknowledgedMs: null,
    acknowledgedBy: null,
    resolvedMs: null,
    url: 'http://localhost:8080/incidents/7',
    ...overrides,
  };
}

function notifiers(...configs: unknown[]): Map<string, Notifier> {
  return new Map(notifiersSchema.parse(configs).map((c) => [c.name, createNotifier(c)]));
}

describe.each(engines('notify.spec'))('outbox delivery to real HTTP receivers on $name', (engine) => {
  let tmp: TempDb;
  let receiver: Receiver;
  let worker: DeliveryWorker | undefined;
  let outcomes: DeliveryOutcome[];

  beforeEach(async () => {
    tmp = await tempDatabase(engine);
    receiver = await Receiver.start();
    outcomes = [];
  });
  afterEach(async () => {
    await worker?.stop();
    worker = undefined;
    await receiver.close();
    await tmp.cleanup();
  });

  const start = (map: Map<string, Notifier>, clock = systemClock, s = settings) => {
    worker = new DeliveryWorker(new OutboxRepository(tmp.db), map, clock, s, (o) => outcomes.push(o), undefined, () => 0.5);
    worker.start();
    return worker;
  };
  const enqueue = (entries: Array<{ notifier: string; subject?: string; msg?: NotificationMessage; key: string; dueMs?: number }>) =>
    tmp.db.transaction((tx) =>
      new OutboxRepository(tmp.db).enqueue(
        tx,
        entries.map((e) => ({
          notifier: e.notifier,
          subject: e.subject ?? 'incident:7',
          event: (e.msg ?? message()).event,
          message: JSON.stringify(e.msg ?? message()),
          idempotencyKey: e.key,
          dueMs: e.dueMs ?? 0,
          createdMs: 0,
        })),
      ),
    );

  it('signs webhook bodies with HMAC-SHA256 and marks them delivered after a 2xx', async () => {
    await enqueue([{ notifier: 'ops', key: 'vigil-7-1-ops' }]);
    start(notifiers({ name: 'ops', type: 'webhook', url: `${receiver.url}/hook`, secret: 's3cret', headers: { 'x-team': 'ops' } }));
    await receiver.waitFor(1);
    await worker!.idle();
    const req = receiver.requests[0]!;
    expect(req.path).toBe('/hook');
    const expected = `sha256=${createHmac('sha256', 's3cret').update(req.body).digest('hex')}`;
    expect(req.headers['x-vigil-signature']).toBe(expected);
    expect(req.headers['idempotency-key']).toBe('vigil-7-1-ops');
    expect(req.headers['x-team']).toBe('ops');
    expect(receiver.json(0)).toEqual({
      version: 1,
      event: 'trigger',
      repeat: false,
      idempotency_key: 'vigil-7-1-ops',
      incident: {
        id: 7,
        fingerprint: 'f'.repeat(32),
        state: 'open',
        rule: 'disk-almost-full',
        severity: 'warning',
        service: 'shop',
        title: 'Disk / on web-1 at 93%',
        description: '',
        labels: { host: 'web-1', mountpoint: '/' },
        value: 0.93,
        started_at: '2026-11-03T10:00:00.000Z',
        opened_at: '2026-11-03T10:05:00.000Z',
        acknowledged_at: null,
        acknowledged_by: null,
        resolved_at: null,
        url: 'http://localhost:8080/incidents/7',
      },
    });
    expect(await new OutboxRepository(tmp.db).countByState()).toEqual({ pending: 0, delivered: 1, failed: 0, superseded: 0 });
    expect(outcomes.map((o) => [o.outcome, o.attempts, o.httpStatus])).toEqual([['delivered', 1, 200]]);
  });

  it('retries 5xx with backoff, honours Retry-After, gives up after max_attempts', async () => {
    receiver.script.push({ status: 503, body: 'busy' }, { status: 429, headers: { 'retry-after': '0' } }, { status: 204 });
    await enqueue([{ notifier: 'ops', key: 'k1' }]);
    start(notifiers({ name: 'ops', type: 'webhook', url: receiver.url }));
    await receiver.waitFor(3);
    await eventually(() => outcomes.length === 3, 2000, 'three outcomes');
    expect(outcomes.map((o) => [o.outcome, o.attempts])).toEqual([
      ['retry', 1],
      ['retry', 2],
      ['delivered', 3],
    ]);
    expect(outcomes[0]!.error).toBe('HTTP 503: busy');
    // Same idempotency key on every attempt.
    expect(new Set(receiver.requests.map((r) => r.headers['idempotency-key']))).toEqual(new Set(['k1']));
    // Backoff with jitter 0.5 → exactly the base: 20 ms, then 40 ms.
    expect(outcomes[1]!.nextDueMs! - outcomes[0]!.nextDueMs!).toBeGreaterThanOrEqual(40);

    receiver.fallback = { status: 500 };
    await enqueue([{ notifier: 'ops', key: 'k2', subject: 'incident:8' }]);
    worker!.wake();
    await eventually(() => outcomes.length === 6, 3000, 'give up');
    expect(outcomes.slice(3).map((o) => [o.outcome, o.attempts])).toEqual([
      ['retry', 1],
      ['retry', 2],
      ['failed', 3],
    ]);
    expect(outcomes[5]!.error).toBe('HTTP 500: {} (gave up after 3 attempts)');
  });

  it('does not retry permanent 4xx; times out hanging receivers and retries them', async () => {
    receiver.script.push({ status: 400, body: 'bad payload' }, 'hang', { status: 200 });
    await enqueue([
      { notifier: 'ops', key: 'a', subject: 'incident:1' },
      { notifier: 'slow', key: 'b', subject: 'incident:2' },
    ]);
    const map = notifiers({ name: 'ops', type: 'webhook', url: receiver.url }, { name: 'slow', type: 'webhook', url: receiver.url, timeout: '150ms' });
    start(map, systemClock, { ...settings, concurrency: 1 });
    await eventually(() => outcomes.length === 3, 3000, 'three outcomes');
    expect(outcomes.map((o) => [o.row.idempotency_key, o.outcome, o.error])).toEqual([
      ['a', 'failed', 'HTTP 400: bad payload'],
      ['b', 'retry', 'timeout after 150 ms'],
      ['b', 'delivered', undefined],
    ]);
  });

  it('keeps order per subject while a receiver fails, bounds concurrency, and never blocks other subjects', async () => {
    let failed = false;
    receiver.respond = (r) => (r.headers['idempotency-key'] === 'trigger-1' && !failed ? ((failed = true), { status: 503 }) : { status: 200 });
    await enqueue([
      { notifier: 'ops', key: 'trigger-1', subject: 'incident:1' },
      { notifier: 'ops', key: 'resolve-1', subject: 'incident:1', msg: message({ event: 'resolve', state: 'resolved' }) },
      { notifier: 'ops', key: 'trigger-2', subject: 'incident:2' },
    ]);
    start(notifiers({ name: 'ops', type: 'webhook', url: receiver.url }));
    await receiver.waitFor(4);
    await worker!.idle();
    const keys = receiver.requests.map((r) => r.headers['idempotency-key']);
    expect(keys.filter((k) => k !== 'trigger-2')).toEqual(['trigger-1', 'trigger-1', 'resolve-1']);
    expect(keys.indexOf('trigger-2')).toBeLessThan(2);
    expect(receiver.maxConcurrent).toBeLessThanOrEqual(2);
  });

  it('survives a restart: pending entries are delivered once, delivered ones never again', async () => {
    const clock = new ManualClock(1_000_000);
    await enqueue([
      { notifier: 'ops', key: 'now', subject: 'incident:1', dueMs: 1_000_000 },
      { notifier: 'ops', key: 'later', subject: 'incident:2', dueMs: 1_005_000 },
    ]);
    const map = notifiers({ name: 'ops', type: 'webhook', url: receiver.url });
    start(map, clock);
    await receiver.waitFor(1);
    await worker!.stop();
    // "Crash": close the database with the group_wait-delayed entry still pending; reopen.
    await tmp.db.close();
    await tmp.reopen();
    clock.advance(5_000);
    start(map, clock);
    await receiver.waitFor(2);
    await worker!.idle();
    await new Promise((r) => setTimeout(r, 100));
    expect(receiver.requests.map((r) => r.headers['idempotency-key'])).toEqual(['now', 'later']);
    expect(await new OutboxRepository(tmp.db).countByState()).toEqual({ pending: 0, delivered: 2, failed: 0, superseded: 0 });
  });

  /** A second collector's worker on its own connection to the same outbox. */
  const peerWorker = (db: Database, map: Map<string, Notifier>, fence?: Fence) =>
    new DeliveryWorker(new OutboxRepository(db), map, systemClock, settings, (o) => outcomes.push(o), undefined, () => 0.5, fence);
  const keysSent = () => receiver.requests.map((r) => r.headers['idempotency-key']);

  it('two collectors polling the same outbox send each entry once: claims are a compare-and-set', async () => {
    const keys = Array.from({ length: 12 }, (_, i) => `key-${String(i).padStart(2, '0')}`);
    await enqueue(keys.map((key, i) => ({ notifier: 'ops', key, subject: `incident:${i}` })));
    const map = notifiers({ name: 'ops', type: 'webhook', url: receiver.url });
    const peer = peerWorker(await tmp.peer(), map);
    try {
      peer.start();
      start(map);
      await receiver.waitFor(12);
      await eventually(() => outcomes.length === 12, 3000, 'twelve outcomes');
      await new Promise((r) => setTimeout(r, 150)); // both keep polling: nothing goes out again
    } finally {
      await peer.stop();
    }
    expect(keysSent().sort()).toEqual(keys);
    expect(outcomes.map((o) => [o.outcome, o.attempts]).every(([outcome, attempts]) => outcome === 'delivered' && attempts === 1)).toBe(true);
    expect(await new OutboxRepository(tmp.db).countByState()).toEqual({ pending: 0, delivered: 12, failed: 0, superseded: 0 });
  });

  it('an attempt in flight is leased: another collector does not send it again until it timed out', async () => {
    receiver.script.push('hang', { status: 200 });
    await enqueue([{ notifier: 'slow', key: 'leased' }]);
    const map = notifiers({ name: 'slow', type: 'webhook', url: receiver.url, timeout: '1500ms' });
    const peer = peerWorker(await tmp.peer(), map);
    start(map);
    await eventually(() => receiver.requests.length === 1, 2000, 'the first attempt'); // (waitFor counts answered requests)
    try {
      peer.start();
      await new Promise((r) => setTimeout(r, 400)); // the first attempt still hangs; the peer polls every 50 ms meanwhile
      expect(keysSent()).toEqual(['leased']);
      await eventually(() => outcomes.some((o) => o.outcome === 'delivered'), 3000, 'the retry after the timeout');
    } finally {
      await peer.stop();
    }
    expect(keysSent()).toEqual(['leased', 'leased']);
    expect(outcomes.map((o) => [o.outcome, o.attempts, o.error])).toEqual([
      ['retry', 1, 'timeout after 1500 ms'],
      ['delivered', 2, undefined],
    ]);
  });

  it('a collector that no longer leads claims nothing (its fence rolls the claim back); the leader delivers', async () => {
    await enqueue([{ notifier: 'ops', key: 'fenced' }]);
    const map = notifiers({ name: 'ops', type: 'webhook', url: receiver.url });
    const deposed = peerWorker(await tmp.peer(), map, async () => {
      throw new NotLeaderError('term 1 ended, term 2 leads');
    });
    deposed.start();
    await new Promise((r) => setTimeout(r, 200));
    await deposed.stop();
    expect(receiver.requests).toHaveLength(0);
    expect((await new OutboxRepository(tmp.db).history('incident:7')).map((r) => [r.state, r.attempts])).toEqual([['pending', 0]]);
    const fenced: string[] = [];
    worker = new DeliveryWorker(new OutboxRepository(tmp.db), map, systemClock, settings, (o) => outcomes.push(o), undefined, () => 0.5, async (tx) => {
      fenced.push(tx.dialect);
    });
    worker.start();
    await receiver.waitFor(1);
    await worker.idle();
    expect(keysSent()).toEqual(['fenced']);
    expect(fenced).toEqual([engine.name]);
    expect(outcomes.map((o) => [o.outcome, o.attempts])).toEqual([['delivered', 1]]);
  });

  it('a resolve supersedes only entries nobody claimed: one another collector claimed meanwhile stays pending', async () => {
    await enqueue([
      { notifier: 'ops', key: 'claimed', subject: 'incident:7' },
      { notifier: 'ops', key: 'idle', subject: 'incident:8' },
    ]);
    const repo = new OutboxRepository(tmp.db);
    const [claimed, idle] = [...(await repo.history('incident:7')), ...(await repo.history('incident:8'))];
    expect(await new OutboxRepository(await tmp.peer()).claim(claimed!.id, 1, 60_000)).toBe(true);
    expect(await tmp.db.transaction((tx) => repo.supersede(tx, [claimed!.id, idle!.id], 5_000))).toBe(1);
    const rows = [...(await repo.history('incident:7')), ...(await repo.history('incident:8'))];
    expect(rows.map((r) => [r.idempotency_key, r.state, r.attempts])).toEqual([
      ['claimed', 'pending', 1],
      ['idle', 'superseded', 0],
    ]);
  });

  it('fails entries of notifiers removed from the configuration instead of retrying forever', async () => {
    await enqueue([{ notifier: 'gone', key: 'x' }]);
    start(notifiers({ name: 'ops', type: 'webhook', url: receiver.url }));
    await eventually(() => outcomes.length === 1, 2000, 'outcome');
    expect([outcomes[0]!.outcome, outcomes[0]!.error]).toEqual(['failed', 'notifier "gone" is no longer configured']);
    expect(receiver.requests).toHaveLength(0);
  });
});
