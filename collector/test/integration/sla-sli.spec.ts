import 'reflect-metadata';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NestFactory } from '@nestjs/core';
import { Module, type INestApplication } from '@nestjs/common';
import { Registry } from 'prom-client';
import { ManualClock } from '../../src/common/clock.js';
import { CollectorEvents } from '../../src/common/events.js';
import { CoreModule } from '../../src/core/core.module.js';
import { buildConfig } from '../../src/config/config.loader.js';
import { type Database } from '../../src/database/database.js';
import { migrate } from '../../src/database/migrations.js';
import { ApiExceptionFilter } from '../../src/api/api-exception.filter.js';
import { SlaModule } from '../../src/sla/sla.module.js';
import { slaMigrations } from '../../src/sla/sla.migrations.js';
import { SlaService } from '../../src/sla/sla.service.js';
import { SlaRebuilder } from '../../src/sla/sla-rebuilder.js';
import type { IncomingSeries, SampleStore } from '../../src/storage/storage.types.js';
import { engines, type EngineDatabase } from '../../../test/support/engines.js';
import { engineSampleStores, type EngineSampleStores } from '../support/engine-sample-store.js';

const API = 'api-token-123';
const MIN = 60_000;
const utc = (t: string) => Date.parse(`${t}Z`);
/** Minute i of the test hour, 2026-11-16 10:00 UTC onwards; samples are taken 15 s into it. */
const at = (i: number, seconds = 15) => utc('2026-11-16T10:00') + i * MIN + seconds * 1000;

@Module({})
class TestRoot {}

const RAW_CONFIG = {
  auth: { api_tokens: [API] },
  services: [
    {
      id: 'shop',
      name: 'Web shop',
      sla: {
        availability: 90,
        windows: ['1h'],
        period: 'day',
        sli: { type: 'ratio', good: 'http_requests_total{job="shop",code!~"5.."}', total: 'http_requests_total{job="shop"}' },
      },
    },
    {
      id: 'shop-latency',
      name: 'Web shop latency',
      sla: { availability: 90, windows: ['1h'], period: 'day', sli: { type: 'latency', histogram: 'http_request_duration_seconds{job="shop"}', threshold: '300ms' } },
    },
    {
      id: 'queue',
      name: 'Queue wait',
      sla: { availability: 99, windows: ['1h'], period: 'day', sli: { type: 'latency', histogram: 'queue_wait_seconds{job="shop"}', threshold: '1s' } },
    },
  ],
  maintenance: [{ id: 'deploy', services: ['shop'], start: '2026-11-16T10:20', end: '2026-11-16T10:30', timezone: 'UTC' }],
};

/**
 * Counter values at minute i (0-59) of the hour:
 *  - a200 = 100 + 10 i; a500 = 5 + i, reset at 30 to 2 (i - 29); b200 = 50 + 20 i, reset at 40 to 20 (i - 40) + 7;
 *  - other job's counter (not selected);
 *  - histogram: _count = 1000 + 100 i, le="0.3" = 900 + 90 i, both reset at 50 (to 60 + 100 (i - 50) and
 *    50 + 90 (i - 50)); le="0.1" and "+Inf" as a real histogram has them;
 *  - queue_wait_seconds: _count and _sum, and a _bucket series without an le label.
 */
function seriesAt(i: number): IncomingSeries[] {
  const counter = (metric: string, labels: Record<string, string>, value: number): IncomingSeries => ({ metric, labels, kind: 'counter', timestamps: [at(i)], values: [value] });
  const a500 = i < 30 ? 5 + i : 2 * (i - 29);
  const b200 = i < 40 ? 50 + 20 * i : 20 * (i - 40) + 7;
  const count = i < 50 ? 1000 + 100 * i : 60 + 100 * (i - 50);
  const fast = i < 50 ? 900 + 90 * i : 50 + 90 * (i - 50);
  const h = { job: 'shop', instance: 'a' };
  return [
    counter('http_requests_total', { job: 'shop', instance: 'a', code: '200' }, 100 + 10 * i),
    counter('http_requests_total', { job: 'shop', instance: 'a', code: '500' }, a500),
    counter('http_requests_total', { job: 'shop', instance: 'b', code: '200' }, b200),
    counter('http_requests_total', { job: 'other', instance: 'c', code: '500' }, 7 * i),
    counter('http_request_duration_seconds_bucket', { ...h, le: '0.1' }, Math.floor(fast / 2)),
    counter('http_request_duration_seconds_bucket', { ...h, le: '0.3' }, fast),
    counter('http_request_duration_seconds_bucket', { ...h, le: '+Inf' }, count),
    counter('http_request_duration_seconds_count', h, count),
    counter('http_request_duration_seconds_sum', h, count * 0.2),
    counter('queue_wait_seconds_count', { job: 'shop' }, 10 * i),
    counter('queue_wait_seconds_sum', { job: 'shop' }, 3 * i),
    counter('queue_wait_seconds_bucket', { job: 'shop' }, 10 * i),
  ];
}

describe.each(engines('sla-sli.spec'))('SLIs on metrics through the SLA module, a real $name database and HTTP', (engine) => {
  let opened: EngineDatabase | undefined;
  let samples: EngineSampleStores;
  let db: Database;
  let store: SampleStore;
  let clock: ManualClock;
  let app: INestApplication | undefined;
  let base: string;
  let registry: Registry;
  let seq = 0;
  const config = buildConfig(RAW_CONFIG);

  /** Starts the SLA module on the test's database; again after a close, a restart on the same data. */
  async function boot(): Promise<void> {
    if (opened) db = await opened.reopen();
    else db = (opened = await engine.open()).db;
    await migrate(db, slaMigrations);
    store = await samples.open(db, { clock });
    registry = new Registry();
    app = await NestFactory.create({ module: TestRoot, imports: [CoreModule.forRoot({ config, clock, database: db, store, registry }), SlaModule] }, { logger: false });
    app.useGlobalFilters(new ApiExceptionFilter());
    await app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
  }

  /** Stores a batch durably and announces what was stored, as ingest does. */
  async function ingest(series: IncomingSeries[]): Promise<void> {
    const { stored } = await store.append({ agentId: 'prom-1', epoch: 'e1', seq: ++seq, series });
    app!.get(CollectorEvents).emit('samples', stored);
  }

  /** Minutes [from, to) in blocks of 10, with the clock just after each block and an evaluation tick. */
  async function feed(from: number, to: number): Promise<void> {
    for (let block = from; block < to; block += 10) {
      const end = Math.min(block + 10, to);
      for (let i = block; i < end; i++) await ingest(seriesAt(i));
      clock.set(at(end, 5));
      app!.get(SlaService).tick();
    }
  }

  const json = async (path: string) => (await (await fetch(base + path)).json()) as Record<string, any>;

  beforeEach(async () => {
    opened = undefined;
    samples = engineSampleStores();
    clock = new ManualClock(utc('2026-11-16T10:00'));
    seq = 0;
    await boot();
  });

  afterEach(async () => {
    await app?.close();
    app = undefined;
    await samples.dispose();
    await opened?.dispose();
  });

  it('computes event-based availability, budgets and burn rates exactly, through resets, a late sample and a restart', async () => {
    await feed(0, 60);
    // A late sample of the 5xx counter at 10:45:45 shows it was reset between 10:45:15 (32) and
    // 10:46:15 (34): 32 -> 1 -> 34 means 1 + 33 bad requests there instead of 2.
    await ingest([{ metric: 'http_requests_total', labels: { job: 'shop', instance: 'a', code: '500' }, kind: 'counter', timestamps: [at(45, 45)], values: [1] }]);
    await app!.get(SlaRebuilder).processQueue();
    app!.get(SlaService).tick();

    // Hand-computed over 10:00-11:00 without the 10:20-10:30 maintenance (minutes 0-19 and 30-59):
    //  good: a200 49 x 10 = 490; b200 29 x 20 + 7 (reset at 40) + 19 x 20 = 967 -> 1,457
    //  bad:  a500 19 x 1 + 2 (reset at 30) + 29 x 2 = 79, plus 32 from the late reset -> 111
    const good = 1457;
    const total = 1457 + 111;
    const expectShop = (f: Record<string, any>) =>
      expect(f).toMatchObject({
        service: 'shop',
        window: '1h',
        availability: Math.round((good / total) * 1e9) / 1e9,
        coverage: 1,
        status: 'met',
        met: true,
        events: { good, total },
        // Minute 0 holds only baselines (good); every other counted minute had 5xx responses.
        minutes: { service_hours: 60, counted: 50, good: 1, bad: 49, unknown: 0, planned_maintenance: 10 },
        error_budget: { total_minutes: 5, consumed_minutes: Math.round(((111 / total) * 50) * 1e6) / 1e6, consumed_ratio: Math.round((111 / total / (1 - 0.9)) * 1e9) / 1e9 },
        latency: null,
      });
    expectShop(await json('/api/services/shop/sla?window=1h'));
    expect((await json('/api/services/shop/sla?window=1h')).problems).toEqual([]);

    // Latency: _count 49 x 100 + 60 (reset at 50) + 9 x 100 = 5,860; le="0.3" 49 x 90 + 50 + 9 x 90 = 5,270.
    const latency = await json('/api/services/shop-latency/sla?window=1h');
    expect(latency).toMatchObject({
      availability: Math.round((5270 / 5860) * 1e9) / 1e9,
      events: { good: 5270, total: 5860 },
      status: 'breached',
      minutes: { counted: 60, good: 1, bad: 59, unknown: 0 },
      problems: [],
    });

    // A histogram without le buckets: a clear problem, nothing measured, no events stored.
    const queue = await json('/api/services/queue/sla?window=1h');
    expect(queue).toMatchObject({ availability: null, status: 'insufficient_data', coverage: 0, events: { good: 0, total: 0 }, minutes: { counted: 60, unknown: 60 } });
    expect(queue.problems).toEqual(['histogram queue_wait_seconds{job="shop"} has no _bucket series with an le label: nothing is measured']);

    // Service view and burn rates: the last 5 minutes had 10 bad of 160 requests.
    const shop = await json('/api/services/shop');
    expect(shop.status.map((s: { window: string }) => s.window)).toEqual(['1h', 'day']);
    expect(shop.burn_rates['5m']).toBeCloseTo(10 / 160 / (1 - 0.9), 12);
    expect(shop.burn_rates['1h']).toBeCloseTo(111 / total / (1 - 0.9), 12);
    const metrics = await registry.metrics();
    expect(metrics).toContain(`vigil_sla_availability_ratio{service="shop",window="1h"} ${good / total}`);
    expect(metrics).toContain(`vigil_sla_availability_ratio{service="shop-latency",window="1h"} ${5270 / 5860}`);
    expect(metrics).toContain('vigil_sla_samples_deferred_total{reason="out_of_order"} 1');
    expect(metrics).not.toContain('vigil_sla_availability_ratio{service="queue"');

    // Restart: the event counts come back from the database, and the counters' baselines from raw samples,
    // so the first minute after the restart adds exactly its increases (good +30, bad +2).
    await app!.close();
    app = undefined;
    await boot();
    expectShop(await json('/api/services/shop/sla?window=1h'));
    const stored = await db.get<{ n: number }>("SELECT COUNT(*) AS n FROM sla_service_days WHERE events IS NOT NULL AND service_id = 'queue'");
    expect(stored!.n).toBe(0);
    await feed(60, 61);
    const day = await json('/api/services/shop/sla?period=2026-11-16');
    expect(day.events).toEqual({ good: good + 30, total: total + 32 });
  });

  it('refuses both probes and an sli, neither, or a selector with a function, naming the key', async () => {
    const send = async (body: unknown) => {
      const res = await fetch(`${base}/api/services`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${API}` }, body: JSON.stringify(body) });
      return { status: res.status, body: await res.json() };
    };
    const sli = { type: 'ratio', good: 'rate(http_requests_total{code="200"}[5m])', total: 'http_requests_total' };
    expect(await send({ id: 'api', name: 'API', probes: ['api-http'], sla: { availability: 99, sli: { ...sli, good: 'http_requests_total{code="200"}' } } })).toEqual({
      status: 400,
      body: { error: 'invalid request', issues: ['sla.sli: give either probes or sla.sli, not both'] },
    });
    expect(await send({ id: 'api', name: 'API', sla: { availability: 99 } })).toEqual({
      status: 400,
      body: { error: 'invalid request', issues: ['probes: required: give probes, or sla.sli to measure the service from request metrics'] },
    });
    expect(await send({ id: 'api', name: 'API', sla: { availability: 99, sli } })).toEqual({
      status: 400,
      body: {
        error: 'invalid request',
        issues: ['sla.sli.good: invalid series selector "rate(http_requests_total{code=\\"200\\"}[5m])": a function call is not allowed: give only a series selector such as http_requests_total{job="shop"}'],
      },
    });
    const created = await fetch(`${base}/api/services`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${API}` },
      body: JSON.stringify({ id: 'api', name: 'API', sla: { availability: 99, sli: { ...sli, good: 'http_requests_total{code="200"}' } } }),
    });
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({
      id: 'api',
      sla: { sli: { type: 'ratio', good: 'http_requests_total{code="200"}', total: 'http_requests_total' } },
      problems: ['no series matching the total selector http_requests_total has reported', 'no series matching the good selector http_requests_total{code="200"} has reported (every event counts as bad)'],
    });
  });
});
