import 'reflect-metadata';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NestFactory } from '@nestjs/core';
import { Global, Module, type DynamicModule, type INestApplication } from '@nestjs/common';
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
import { SlaRepository } from '../../src/sla/sla.repository.js';
import { PROBE_DURATION, PROBE_SUCCESS } from '../../src/sla/probe-metrics.js';
import { SlaReportModule } from '../../src/reports/reports.module.js';
import { INCIDENT_HISTORY, type IncidentHistory } from '../../src/incidents/incidents.ports.js';
import type { IncidentView } from '../../src/incidents/incident-view.js';
import { parseCsv } from '../../src/reports/render/csv.js';
import { MemorySampleStore } from '../support/memory-sample-store.js';
import { MONDAY_AGENTS, SHOP_SERVICE, mondayResult } from '../support/sla-monday.js';
import type { StoredSeriesSamples } from '../../src/storage/storage.types.js';
import { engines, type EngineDatabase } from '../../../test/support/engines.js';

const API = 'api-token-123';

@Module({})
class TestRoot {}
const MIN = 60_000;
const utc = (t: string) => Date.parse(`${t}Z`);

const RAW_CONFIG = {
  auth: { api_tokens: [API] },
  services: [
    SHOP_SERVICE,
    { id: 'db', name: 'Database', probes: ['db-tcp'], depends_on: [] },
  ],
  maintenance: [{ id: 'patch-night', services: ['shop'], schedule: '0 2 * * SUN', duration: '2h', timezone: 'Europe/Berlin', change: 'CHG-1042' }],
};

/** Every agent's result of a minute of Monday (see sla-monday.ts), or undefined when none reported. */
function resultsFor(minuteMs: number): { agent: string; ok: boolean; seconds: number }[] | undefined {
  const results = MONDAY_AGENTS.flatMap((agent) => {
    const r = mondayResult(minuteMs, agent);
    return r ? [{ agent, ...r }] : [];
  });
  return results.length ? results : undefined;
}

describe.each(engines('sla.spec'))('SLA module over a real $name database and real HTTP', (engine) => {
  /** Databases opened by the running test, disposed after it. */
  let opened: EngineDatabase[];
  let db: Database;
  let store: MemorySampleStore;
  let clock: ManualClock;
  let app: INestApplication | undefined;
  let base: string;
  let registry: Registry;
  const config = buildConfig(RAW_CONFIG);

  async function boot(extra: NonNullable<DynamicModule['imports']> = []): Promise<void> {
    registry = new Registry();
    // @nestjs/testing is not installed: a plain root module does the same job.
    app = await NestFactory.create({ module: TestRoot, imports: [CoreModule.forRoot({ config, clock, database: db, store, registry }), SlaModule, SlaReportModule, ...extra] }, { logger: false });
    app.useGlobalFilters(new ApiExceptionFilter());
    await app.listen(0, '127.0.0.1');
    const addr = app.getHttpServer().address() as { port: number };
    base = `http://127.0.0.1:${addr.port}`;
  }

  async function shutdown(): Promise<void> {
    // CoreModule closes the database at shutdown; keep ours open across restarts.
    const closeDb = db.close.bind(db);
    db.close = async () => undefined;
    await app?.close();
    app = undefined;
    db.close = closeDb;
  }

  /** Stores a block of probe results in the raw store and announces them like ingest does. */
  function ingest(fromMs: number, toMs: number): void {
    const out: StoredSeriesSamples[] = [];
    const series = new Map<string, { ts: number[]; v: number[]; labels: Record<string, string>; metric: string }>();
    for (let m = fromMs; m < toMs; m += MIN) {
      for (const r of resultsFor(m) ?? []) {
        for (const [metric, value] of [[PROBE_SUCCESS, r.ok ? 1 : 0], [PROBE_DURATION, r.seconds]] as const) {
          const key = `${metric}/${r.agent}`;
          let s = series.get(key);
          if (!s) series.set(key, (s = { ts: [], v: [], metric, labels: { probe: 'shop-http', type: 'http', target: 'https://shop', agent: r.agent, host: `h-${r.agent}` } }));
          s.ts.push(m + 30_000);
          s.v.push(value);
        }
      }
    }
    for (const s of series.values()) {
      const ref = store.put(s.metric, s.labels, s.ts.map((t, i) => [t, s.v[i]!]));
      out.push({ series: ref, timestamps: s.ts, values: s.v });
    }
    app!.get(CollectorEvents).emit('samples', out);
  }

  /** Feeds Monday 06:00-18:00 UTC in 10-minute blocks, as agents would in real time. */
  function feedMonday(sla: SlaService): void {
    for (let t = utc('2026-11-16T06:00'); t < utc('2026-11-16T18:00'); t += 10 * MIN) {
      clock.set(t + 10 * MIN + 5_000);
      ingest(t, t + 10 * MIN);
      sla.tick();
    }
  }

  const get = async (path: string) => {
    const res = await fetch(base + path);
    return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
  };
  const json = async (path: string) => JSON.parse((await get(path)).text);
  const send = async (method: string, path: string, body?: unknown, token: string | null = API) => {
    const res = await fetch(base + path, {
      method,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };

  /** A fresh, migrated database of the engine under test. */
  async function freshDatabase(): Promise<Database> {
    const database = await engine.open();
    opened.push(database);
    await migrate(database.db, slaMigrations);
    return database.db;
  }

  beforeEach(async () => {
    opened = [];
    db = await freshDatabase();
    store = new MemorySampleStore();
    clock = new ManualClock(utc('2026-11-16T06:00'));
    await boot();
  });

  afterEach(async () => {
    await shutdown();
    for (const database of opened) await database.dispose();
  });

  it('computes exact figures from ingest, survives a restart and a crash, and serves them over HTTP', async () => {
    const sla = app!.get(SlaService);
    feedMonday(sla);
    clock.set(utc('2026-11-17T00:00'));
    sla.tick();

    // Retroactive maintenance 08:10-08:30 UTC (09:10-09:30 Berlin) over half of the first outage.
    const window = { id: 'hotfix', services: ['shop'], start: '2026-11-16T09:10', end: '2026-11-16T09:30', timezone: 'Europe/Berlin', change: 'CHG-7' };
    expect(await send('POST', '/api/maintenance', window, null)).toMatchObject({ status: 401 });
    expect(await send('POST', '/api/maintenance', window, 'wrong-token-1')).toMatchObject({ status: 401 });
    expect(await send('POST', '/api/maintenance', window)).toEqual({
      status: 400,
      body: { error: 'invalid request', issues: ['reason: required because the window covers time in the past, so it changes SLA history (retroactive)'] },
    });
    const created = await send('POST', '/api/maintenance', { ...window, reason: 'emergency fix, ticket logged late', created_by: 'alice' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: 'hotfix', source: 'api', retroactive: true, created_by: 'alice' });
    expect(created.body.audit).toEqual([
      { action: 'create', at: '2026-11-17T00:00:00.000Z', actor: 'alice', token: expect.stringMatching(/^sha256:[0-9a-f]{12}$/), reason: 'emergency fix, ticket logged late', retroactive: true },
    ]);

    const expectMonday = (body: Record<string, unknown>) => {
      expect(body).toMatchObject({
        service: 'shop',
        window: '2026-11-16',
        kind: 'day',
        from: '2026-11-15T23:00:00.000Z',
        to: '2026-11-16T23:00:00.000Z',
        objective: 0.999,
        availability: Math.round((555 / 575) * 1e9) / 1e9,
        met: false,
        breach: true,
        minutes: { service_hours: 600, counted: 580, good: 555, bad: 20, unknown: 5, planned_maintenance: 20, planned_downtime: 10, unplanned_downtime: 20 },
        error_budget: { total_minutes: 0.575, consumed_minutes: 20 },
        latency: { threshold_ms: 300, target: 0.95, fast_results: 1635, results: 1725, attainment: Math.round((1635 / 1725) * 1e9) / 1e9, met: false },
        outages: [
          { start: '2026-11-16T08:00:00.000Z', end: '2026-11-16T08:20:00.000Z', minutes: 20, unplanned_minutes: 10, planned_minutes: 10 },
          { start: '2026-11-16T16:50:00.000Z', end: '2026-11-16T17:10:00.000Z', minutes: 20, unplanned_minutes: 10, planned_minutes: 0 },
        ],
        problems: ['probe shop-http has not reported since 2026-11-16T17:59:30.000Z', 'probe shop-tcp has never reported'],
      });
    };
    expectMonday(await json('/api/services/shop/sla?period=2026-11-16'));

    // The calendar month in Berlin, evaluated up to now: 11 working days so far = 6,600 minutes.
    const month = await json('/api/services/shop/sla?period=2026-11');
    expect(month).toMatchObject({ from: '2026-10-31T23:00:00.000Z', to: '2026-11-30T23:00:00.000Z', evaluated_to: '2026-11-17T00:00:00.000Z' });
    expect(month.minutes).toEqual({ service_hours: 6600, counted: 6580, good: 555, bad: 20, unknown: 6005, planned_maintenance: 20, planned_downtime: 10, unplanned_downtime: 20 });

    // Restart: figures come back from the database.
    await shutdown();
    await boot();
    expectMonday(await json('/api/services/shop/sla?period=2026-11-16'));

    // Crash: nothing of Monday was flushed. The restart re-reads raw samples from the last flush on.
    await shutdown();
    await db.transaction(async (tx) => {
      await tx.run('DELETE FROM sla_service_days');
      await tx.run("UPDATE sla_state SET value = ? WHERE key = 'last_flush_ms'", [String(utc('2026-11-16T05:00'))]);
    });
    await boot();
    expectMonday(await json('/api/services/shop/sla?period=2026-11-16'));

    // Service view: problems, current windows, burn rates.
    const shop = await json('/api/services/shop');
    expect(shop.problems).toEqual(['probe shop-http has not reported since 2026-11-16T17:59:30.000Z', 'probe shop-tcp has never reported']);
    expect(shop.status.map((s: { window: string }) => s.window)).toEqual(['7d', '30d', 'month']);
    expect(Object.keys(shop.burn_rates)).toEqual(['1h', '5m', '6h', '30m', '1d', '2h', '3d']);
    for (const w of ['5m', '30m', '1h', '2h', '6h']) expect(shop.burn_rates[w]).toBe(0); // outside service hours
    expect(shop.burn_rates['1d']).toBeCloseTo((20 / 575) * 1000, 9);
    expect(shop.burn_rates['3d']).toBeCloseTo((20 / 575) * 1000, 9);

    // Metrics on the injected registry, exact names and labels.
    const metrics = await registry.metrics();
    expect(metrics).toContain('vigil_sla_objective_ratio{service="shop"} 0.999');
    expect(metrics).toContain('vigil_sla_downtime_seconds{service="shop",window="7d",kind="planned"} 600');
    expect(metrics).toContain('vigil_sla_downtime_seconds{service="shop",window="month",kind="unplanned"} 1200');
    expect(metrics).toContain(`vigil_sla_availability_ratio{service="shop",window="30d"} ${555 / 575}`);
    expect(metrics).toContain('vigil_sla_unknown_seconds{service="shop",window="7d"} 144300'); // 5 working days Tue-Mon: (3000 - 20 - 575) minutes
    expect(metrics).toContain(`vigil_sla_latency_attainment_ratio{service="shop",window="7d"} ${1635 / 1725}`);
    expect(metrics).toContain('vigil_sla_burn_rate{service="shop",window="1d"}');
    expect(metrics).not.toContain('service="db"'); // no sla section: no figures
  });

  it('folds a late replay (one batch per minute, after the late-data window) into the same exact figures as live data, saving coalesced re-read requests', async () => {
    feedMonday(app!.get(SlaService));
    clock.set(utc('2026-11-17T00:00'));
    app!.get(SlaService).tick();
    const live = await json('/api/services/shop/sla?period=2026-11-16');
    expect(live.minutes).toMatchObject({ counted: 600, good: 565, bad: 30, unknown: 5 });

    // A second collector on a fresh database: the agents were cut off all Monday and replay their spools on Tuesday.
    await shutdown();
    await db.close();
    db = await freshDatabase();
    store = new MemorySampleStore();
    await boot();
    for (let t = utc('2026-11-16T06:00'); t < utc('2026-11-16T18:00'); t += MIN) ingest(t, t + MIN);
    // 720 batches of late results: one saved re-read request per service and day, not one per sample.
    let saved: unknown[] = [];
    for (let i = 0; i < 100 && saved.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 10));
      saved = await db.all('SELECT service_id, day, from_minute, to_minute FROM sla_rebuild_queue');
    }
    const day = Math.floor(utc('2026-11-16T00:00') / 86_400_000);
    expect(saved).toEqual([{ service_id: 'shop', day, from_minute: utc('2026-11-16T06:00') / MIN, to_minute: utc('2026-11-16T18:00') / MIN }]);

    // Restarted before the re-read ran: the saved request does it, to the figures of live ingest.
    await shutdown();
    await boot();
    expect(await json('/api/services/shop/sla?period=2026-11-16')).toEqual(live);
    expect(await db.all('SELECT * FROM sla_rebuild_queue')).toEqual([]);
  });

  it('manages services and maintenance through the API with clear errors', async () => {
    expect((await json('/api/services')).map((s: { id: string; source: string }) => [s.id, s.source])).toEqual([['db', 'config'], ['shop', 'config']]);
    expect(await send('PUT', '/api/services/shop', { id: 'shop', name: 'x', probes: ['p'] })).toMatchObject({
      status: 409,
      body: { message: 'service "shop" is defined in collector.yaml and is read-only' },
    });
    expect(await send('POST', '/api/services', { id: 'api', name: 'API', probes: ['bad probe!'], depends_on: ['nope'], sla: { availability: 100 } })).toEqual({
      status: 400,
      body: {
        error: 'invalid request',
        issues: [
          'probes.0: must be 1-128 letters, digits, ".", "_", ":", "/" or "-", starting with a letter or digit',
          'sla.availability: must be below 100 (a 100 % objective leaves no error budget)',
        ],
      },
    });
    expect(await send('POST', '/api/services', { id: 'api', name: 'API', probes: ['api-http'], depends_on: ['nope'] })).toEqual({
      status: 400,
      body: { error: 'invalid request', issues: ['depends_on[0]: unknown service "nope"'] },
    });
    const created = await send('POST', '/api/services', { id: 'api', name: 'API', probes: ['api-http'], depends_on: ['db'], sla: { availability: 99.5 } });
    expect(created).toMatchObject({ status: 201, body: { id: 'api', source: 'api', problems: ['probe api-http has never reported'] } });
    // A cycle through an API-managed service is refused.
    expect(await send('POST', '/api/services', { id: 'edge', name: 'Edge', probes: ['e'], depends_on: ['api'] })).toMatchObject({ status: 201 });
    expect(await send('PUT', '/api/services/api', { name: 'API', probes: ['api-http'], depends_on: ['edge'] })).toEqual({
      status: 400,
      body: { error: 'invalid request', issues: ['depends_on: dependency cycle api -> edge -> api'] },
    });
    expect(await send('DELETE', '/api/services/api')).toMatchObject({ status: 409, body: { message: 'service "api" is a dependency of edge' } });
    expect(await send('GET', '/api/services/nope')).toMatchObject({ status: 404, body: { message: 'service "nope" does not exist' } });
    expect(await send('GET', '/api/services/api/sla?window=fortnight')).toMatchObject({
      status: 400,
      body: { issues: ['window: invalid window "fortnight" (use e.g. 7d, 30d, 1h, or month)'] },
    });
    expect(await send('GET', '/api/services/db/sla')).toMatchObject({ status: 400, body: { issues: ['service: service "db" has no sla section'] } });

    // Maintenance: future recurring window, no reason needed; config windows are read-only.
    const weekly = { id: 'api-weekly', services: ['api'], weekly: 'Sun 03:00-04:00', timezone: 'Europe/Berlin' };
    const w = await send('POST', '/api/maintenance', weekly);
    expect(w).toMatchObject({ status: 201, body: { retroactive: false, valid_from: '2026-11-16T06:00:00Z' } });
    expect(await send('POST', '/api/maintenance', weekly)).toMatchObject({ status: 409 });
    expect(await send('POST', '/api/maintenance', { ...weekly, id: 'x', services: ['ghost'] })).toEqual({
      status: 400,
      body: { error: 'invalid request', issues: ['services[0]: unknown service "ghost"'] },
    });
    expect(await send('POST', '/api/maintenance', { id: 'y', services: ['api'], schedule: '0 2 * * MON' })).toEqual({
      status: 400,
      body: { error: 'invalid request', issues: ['duration: required with schedule'] },
    });
    expect(await send('DELETE', '/api/maintenance/patch-night')).toMatchObject({ status: 409 });
    expect((await send('DELETE', '/api/services/edge')).status).toBe(204);
    expect(await send('DELETE', '/api/services/api')).toMatchObject({ status: 409, body: { message: 'service "api" is used by maintenance window(s) api-weekly' } });
    // Once the window has covered past time, deleting it rewrites history: a reason is required.
    clock.set(utc('2026-11-23T12:00'));
    expect(await send('DELETE', '/api/maintenance/api-weekly')).toMatchObject({ status: 400, body: { issues: ['reason: required because deleting a window that already covered past time changes SLA history'] } });
    expect((await send('DELETE', '/api/maintenance/api-weekly?reason=cancelled%20change')).status).toBe(204);
    const audit = await db.all<{ action: string; reason: string | null; retroactive: number }>("SELECT action, reason, retroactive FROM sla_audit WHERE entity_id = 'api-weekly' ORDER BY seq");
    expect(audit).toEqual([
      { action: 'create', reason: null, retroactive: 0 },
      { action: 'delete', reason: 'cancelled change', retroactive: 1 },
    ]);
    expect((await send('DELETE', '/api/services/api')).status).toBe(204);
    expect((await json('/api/services')).map((s: { id: string }) => s.id)).toEqual(['db', 'shop']);
  });

  it('widens probe first/last-seen times and saved re-read ranges the same whichever of two collectors writes first', async () => {
    // Two connections stand for two collectors sharing the database, writing at once.
    const repos = [new SlaRepository(db), new SlaRepository(await opened[0]!.reopen())];
    const day = 20_408;
    await Promise.all(
      repos.map(async (repo, c) => {
        for (let i = 0; i < 10; i++) {
          await repo.saveProbeSeen([{ service: 'shop', probe: 'shop-http', firstMs: 1_000 - i - 10 * c, lastMs: 2_000 + i + 10 * c }]);
          await repo.queueRebuild([{ service_id: 'shop', day, from_minute: 600 - i - c, to_minute: 700 + i + c }]);
        }
      }),
    );
    expect(await repos[1]!.loadProbeSeen()).toEqual([{ service_id: 'shop', probe: 'shop-http', first_ms: 981, last_ms: 2_019 }]);
    expect(await repos[1]!.loadRebuildQueue()).toEqual([{ service_id: 'shop', day, from_minute: 590, to_minute: 710 }]);
    // A rebuild of less than the saved range leaves it queued; of all of it, removes it.
    await repos[0]!.dequeueRebuild({ service_id: 'shop', day, from_minute: 595, to_minute: 710 });
    expect(await repos[1]!.loadRebuildQueue()).toHaveLength(1);
    await repos[0]!.dequeueRebuild({ service_id: 'shop', day, from_minute: 590, to_minute: 710 });
    expect(await repos[1]!.loadRebuildQueue()).toEqual([]);
  });

  it('renders the SLA review report as JSON, CSV and self-contained HTML', async () => {
    const sla = app!.get(SlaService);
    feedMonday(sla);
    clock.set(utc('2026-12-01T08:00'));
    sla.tick();

    const jsonReport = await get('/api/reports/sla?period=2026-11&format=json');
    expect(jsonReport.status).toBe(200);
    const report = JSON.parse(jsonReport.text);
    expect(report.unmeasured_services).toEqual(['db']);
    expect(report.services).toHaveLength(1);
    expect(report.services[0]).toMatchObject({ service: 'shop', name: 'Web shop', owner: 'ops@example.com', breach: true, minutes: { service_hours: 12600, good: 565, bad: 30, unknown: 12005 } });
    expect(report.services[0].daily).toHaveLength(30);
    expect(report.services[0].daily[15]).toEqual({ date: '2026-11-16', availability: Math.round((565 / 595) * 1e9) / 1e9, coverage: Math.round((595 / 600) * 1e9) / 1e9, good: 565, bad: 30, unknown: 5, planned_downtime: 0 });
    expect(report.services[0].incidents).toBeUndefined();

    const csv = await get('/api/reports/sla?period=2026-11&format=csv&service=shop');
    expect(csv.type).toBe('text/csv; charset=utf-8');
    const rows = parseCsv(csv.text);
    expect(rows[0]!.slice(0, 8)).toEqual(['record', 'service', 'name', 'owner', 'period', 'timezone', 'objective', 'availability']);
    expect(rows.map((r) => r[0])).toEqual(['record', 'service', 'outage', 'outage']);
    expect(rows.every((r) => r.length === rows[0]!.length)).toBe(true);
    expect(rows[1]!.slice(9, 14)).toEqual(['12600', '565', '30', '0', '12005']);

    // Incidents appear once the application has an incident history (the incidents module's port).
    const history: IncidentHistory = {
      incidentsForService: async (service) => [
        { id: 1, title: 'Checkout <down>', service, severity: 'page', state: 'resolved', opened_at: '2026-11-16T08:01:00.000Z', resolved_at: '2026-11-16T08:25:00.000Z', url: '' } as IncidentView,
      ],
      currentIncidents: async () => [],
    };
    @Global()
    @Module({ providers: [{ provide: INCIDENT_HISTORY, useValue: history }], exports: [INCIDENT_HISTORY] })
    class FakeIncidents {}
    await shutdown();
    await boot([FakeIncidents]);
    const page = await get('/api/reports/sla?period=2026-11&format=html');
    expect(page.type).toBe('text/html; charset=utf-8');
    expect(page.text).toMatch(/^<!DOCTYPE html>/);
    expect(page.text).toContain('<svg');
    expect(page.text).toContain('Checkout &lt;down&gt;');
    expect(page.text).toContain('<span class="bad">breached</span>');
    // 595 of 12,600 counted minutes measured: a breach already certain (30 bad > 12.6 budget minutes), with its coverage.
    expect(page.text).toContain('<li class="status-bad">Web shop: 94.96 % of 99.9 %, breached (coverage 4.7 %), 30 min of 0.6 min budget used, 2 outages</li>');
    expect(page.text).toContain('<td class="num">4.7 %</td><td><span class="bad">breached</span> <span class="muted">(coverage 4.7 %)</span></td>');
    expect(page.text).toContain('<th>Opened (Europe/Berlin)</th>');
    expect(page.text).toContain('<td>2026-11-16 09:01 +01:00</td><td>2026-11-16 09:25 +01:00</td>');
    // Self-contained: no external URL of any kind.
    expect(page.text).not.toMatch(/(src|href)\s*=\s*["']?(https?:|\/\/)/i);
    expect(page.text).not.toMatch(/@import|url\(/i);
    expect((await get('/api/reports/sla?period=2026-13&format=html')).status).toBe(400);
    expect(JSON.parse((await get('/api/reports/sla?period=&format=html')).text).issues).toEqual(['period: must not be empty: give e.g. 2026-11, or leave it out for the current period']);
    // Without a period: each service's current period (issue 12; it answered 400 before). The clock
    // is at 2026-12-01 09:00 Berlin, shop's period kind is month.
    const current = await get('/api/reports/sla?format=html');
    expect(current.status).toBe(200);
    expect(current.text).toContain('<h1>SLA review current period</h1>');
    expect(current.text).toContain('<td>2026-12: 2026-12-01 00:00 – 2027-01-01 00:00 (Europe/Berlin, +01:00)</td>');
    expect(current.text).toContain('<tr><td>Evaluated up to</td><td>2026-12-01 09:00 (Europe/Berlin, +01:00)</td></tr>');
    const currentJson = JSON.parse((await get('/api/reports/sla?format=json')).text);
    expect([currentJson.period, currentJson.services[0].window, currentJson.services[0].from]).toEqual(['current', '2026-12', '2026-11-30T23:00:00.000Z']);
  });
});
