import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHmac } from 'node:crypto';
import { ManualClock } from '../../src/common/clock.js';
import { MAINTENANCE_SOURCE, AGENT_DIRECTORY, BURN_RATE_SOURCE, EXHAUSTION_SOURCE, type BurnRateSignal, type ErrorBudgetState, type ExhaustionSignal } from '../../src/incidents/incidents.sources.js';
import { API_TOKEN, Receiver, fakeSourcesModule, startIncidentsApp, tempDatabase, eventually, type IncidentsApp, type TempDb } from './incidents.support.js';
import { engines } from '../../../test/support/engines.js';

const T0 = Date.UTC(2026, 10, 3, 10, 0, 0);
const DISK = 'vigil_filesystem_used_ratio';
const web1 = { agent: 'a1', host: 'web-1', mountpoint: '/', device: 'sda1', fstype: 'ext4', service: 'shop' };

const diskRule = {
  name: 'disk-almost-full',
  metric: DISK,
  match: { mountpoint: '/' },
  op: '>',
  threshold: 0.9,
  for: '5m',
  recover_below: 0.85,
  severity: 'warning',
  title: 'Disk {{ labels.mountpoint }} on {{ labels.host }} at {{ value | percent }}',
};

describe.each(engines('incidents.spec'))('incidents end to end (Nest app, real $name database, real HTTP receivers)', (engine) => {
  let tmp: TempDb;
  let hook: Receiver;
  let pd: Receiver;
  let clock: ManualClock;
  let app: IncidentsApp | undefined;

  beforeEach(async () => {
    tmp = await tempDatabase(engine);
    hook = await Receiver.start();
    pd = await Receiver.start();
    clock = new ManualClock(T0);
  });
  afterEach(async () => {
    await app?.close();
    app = undefined;
    await hook.close();
    await pd.close();
    await tmp.cleanup();
  });

  const notifiers = () => [
    { name: 'ops-webhook', type: 'webhook', url: `${hook.url}/hook`, secret: 's3cret' },
    { name: 'pager', type: 'pagerduty', routing_key: 'R0UT1NGKEY', url: `${pd.url}/v2/enqueue` },
  ];
  const start = (extra: Partial<Parameters<typeof startIncidentsApp>[0]> = {}, rules: unknown[] = [diskRule]) =>
    startIncidentsApp({ raw: { rules, notifiers: notifiers() }, settings: { group_wait: '0s' }, clock, db: tmp.db, ...extra });
  const disk = (value: number, ts = clock.now()) => app!.samples([{ id: 1, metric: DISK, labels: web1, points: [[ts, value]] }]);
  const events = async (id: number) => ((await app!.api('GET', `/api/incidents/${id}`)).body.timeline as Array<{ type: string }>).map((e) => e.type);

  it('opens after `for`, dedupes, notifies with HMAC, acknowledges, auto-resolves with hysteresis, closes', async () => {
    app = await start();
    await disk(0.95);
    clock.advance(240_000);
    await disk(0.96);
    await app.tick();
    expect((await app.api('GET', '/api/incidents')).body.incidents).toEqual([]); // pending: 4 min < 5 min

    clock.advance(60_000); // `for` elapsed: the timer fires without a new sample
    await app.tick();
    const list = (await app.api('GET', '/api/incidents?state=open')).body.incidents;
    expect(list).toHaveLength(1);
    const incident = list[0];
    expect(incident).toMatchObject({
      rule: 'disk-almost-full',
      severity: 'warning',
      service: 'shop',
      state: 'open',
      title: 'Disk / on web-1 at 96%',
      started_at: new Date(T0).toISOString(),
      opened_at: new Date(T0 + 300_000).toISOString(),
      value: 0.96,
    });

    await disk(0.97); // still breaching: no second incident
    clock.advance(10_000);
    await disk(0.88); // inside the hysteresis band: stays open
    expect((await app.api('GET', '/api/incidents')).body.incidents.map((i: any) => i.state)).toEqual(['open']);

    await hook.waitFor(1);
    await pd.waitFor(1);
    const req = hook.requests[0]!;
    expect(req.headers['x-vigil-signature']).toBe(`sha256=${createHmac('sha256', 's3cret').update(req.body).digest('hex')}`);
    expect(hook.json(0)).toMatchObject({ event: 'trigger', idempotency_key: `vigil-${incident.id}-1-ops-webhook`, incident: { id: incident.id, title: 'Disk / on web-1 at 96%' } });
    expect(pd.json(0)).toMatchObject({
      routing_key: 'R0UT1NGKEY',
      event_action: 'trigger',
      dedup_key: incident.fingerprint,
      payload: { summary: 'Disk / on web-1 at 96%', source: 'web-1', severity: 'warning', class: 'disk-almost-full', group: 'shop' },
    });
    // Notifications link to the console's incident page; the API view keeps its API link.
    const page = `http://localhost:8080/incidents/${incident.id}`;
    expect(hook.json(0).incident.url).toBe(page);
    expect(pd.json(0)).toMatchObject({ client_url: page, links: [{ href: page, text: `Vigil incident #${incident.id}` }] });
    expect(incident.url).toBe(`http://localhost:8080/api/incidents/${incident.id}`);

    // Writes need a token; reads do not (protect_reads is off).
    expect((await app.api('POST', `/api/incidents/${incident.id}/ack`, { by: 'alice' }, null)).status).toBe(401);
    clock.advance(50_000);
    const acked = await app.api('POST', `/api/incidents/${incident.id}/ack`, { by: 'alice' });
    expect([acked.status, acked.body.state, acked.body.acknowledged_by]).toEqual([200, 'acknowledged', 'alice']);
    expect((await app.api('POST', `/api/incidents/${incident.id}/ack`, {})).body).toEqual({
      error: 'conflict',
      message: `incident ${incident.id}: incident is already acknowledged`,
      state: 'acknowledged',
    });
    expect((await app.api('POST', `/api/incidents/${incident.id}/comments`, { by: 'alice', text: 'cleaning /var/log' })).status).toBe(201);
    await pd.waitFor(2);
    expect(pd.json(1)).toEqual({ routing_key: 'R0UT1NGKEY', event_action: 'acknowledge', dedup_key: incident.fingerprint });

    clock.advance(10_000);
    await disk(0.84); // below recover_below: resolves
    await hook.waitFor(3);
    await pd.waitFor(3);
    expect(hook.requests.map((r) => JSON.parse(r.body).event)).toEqual(['trigger', 'acknowledge', 'resolve']);
    expect(pd.json(2)).toEqual({ routing_key: 'R0UT1NGKEY', event_action: 'resolve', dedup_key: incident.fingerprint });
    const resolved = (await app.api('GET', `/api/incidents/${incident.id}`)).body;
    expect([resolved.state, resolved.resolved_by, resolved.resolved_at]).toEqual(['resolved', null, new Date(clock.now()).toISOString()]);

    // Misuse is a clear 4xx.
    expect((await app.api('POST', `/api/incidents/${incident.id}/ack`, {})).status).toBe(409);
    expect((await app.api('POST', '/api/incidents/999/ack', {})).body).toEqual({ error: 'not found', message: 'incident 999 does not exist' });
    expect((await app.api('POST', '/api/incidents/abc/ack', {})).status).toBe(400);
    expect((await app.api('GET', '/api/incidents?state=bogus')).body.issues).toEqual(['state.0: must be one of open, acknowledged, resolved, closed, suppressed, got "bogus"']);

    clock.advance(24 * 3_600_000);
    await app.tick();
    expect((await app.api('GET', `/api/incidents/${incident.id}`)).body.state).toBe('closed');
    expect((await app.api('POST', `/api/incidents/${incident.id}/ack`, {})).body.message).toBe(`incident ${incident.id}: cannot acknowledge a closed incident`);
    await app.settle();
    const types = await events(incident.id);
    expect(types.filter((t) => t !== 'notified')).toEqual(['opened', 'notification_queued', 'acknowledged', 'notification_queued', 'comment', 'resolved', 'notification_queued', 'closed']);
    expect(types.filter((t) => t === 'notified')).toHaveLength(6);

    const metrics = await app.registry.metrics();
    expect(metrics).toContain('vigil_incidents_opened_total{severity="warning",service="shop"} 1');
    expect(metrics).toContain('vigil_incident_time_to_acknowledge_seconds_count{severity="warning",service="shop"} 1');
    expect(metrics).toContain('vigil_incident_time_to_acknowledge_seconds_sum{severity="warning",service="shop"} 60');
    expect(metrics).toContain('vigil_incident_time_to_resolve_seconds_sum{severity="warning",service="shop"} 70');
    expect(metrics).toContain('vigil_notifications_total{notifier="ops-webhook",outcome="delivered"} 3');
    expect(metrics).toMatch(/vigil_rule_evaluations_total [1-9]/);
  });

  it('reopens within reopen_within, opens a new incident after it; never two active per fingerprint', async () => {
    app = await start({ settings: { group_wait: '0s', reopen_within: '1h', problem_threshold: 0 } }, [{ ...diskRule, for: '0s' }]);
    await disk(0.95);
    await disk(0.5, clock.now() + 1);
    clock.advance(30 * 60_000);
    await disk(0.95);
    let list = (await app.api('GET', '/api/incidents')).body.incidents;
    expect(list.map((i: any) => [i.id, i.state, i.reopen_count])).toEqual([[1, 'open', 1]]);
    await disk(0.5, clock.now() + 1);
    clock.advance(61 * 60_000);
    await disk(0.95);
    list = (await app.api('GET', '/api/incidents')).body.incidents;
    expect(list.map((i: any) => [i.id, i.state, i.reopen_count])).toEqual([
      [2, 'open', 0],
      [1, 'resolved', 1],
    ]);
    // The partial unique index holds even against the application.
    await expect(
      tmp.db.transaction((tx) =>
        tx.run(`INSERT INTO incidents (fingerprint, rule, severity, title, labels, state, started_ms, opened_ms) VALUES (?, 'x', 'info', 't', '{}', 'open', 0, 0)`, [list[0].fingerprint]),
      ),
    ).rejects.toThrow(engine.name === 'sqlite' ? 'UNIQUE constraint failed: incidents.fingerprint' : 'duplicate key value violates unique constraint "incidents_one_active"');
  });

  it('a blip shorter than group_wait notifies nobody; flapping holds notifications until stable', async () => {
    app = await start({ settings: { group_wait: '30s', flap_threshold: 4, flap_window: '10m', flap_stable_for: '5m', problem_threshold: 0 } }, [{ ...diskRule, for: '0s' }]);
    await disk(0.95);
    clock.advance(10_000);
    await disk(0.5);
    clock.advance(60_000);
    await app.tick();
    await app.settle();
    expect(hook.requests).toHaveLength(0);
    expect(await events(1)).toEqual(['opened', 'notification_queued', 'resolved']);

    // Reopen (3rd change), resolve (4th: flapping), reopen, resolve: nothing sent while flapping.
    for (const v of [0.95, 0.5, 0.95]) {
      clock.advance(10_000);
      await disk(v);
    }
    clock.advance(40_000);
    await app.tick();
    await app.settle();
    const incident = (await app.api('GET', '/api/incidents/1')).body;
    expect([incident.flapping, incident.state]).toEqual([true, 'open']);
    expect(hook.requests.map((r) => JSON.parse(r.body).event)).toEqual(['trigger']); // from the reopen before flapping began
    clock.advance(5 * 60_000);
    await app.tick(); // stable: flapping ends, the current state (open) is already known to receivers
    await app.settle();
    expect((await app.api('GET', '/api/incidents/1')).body.flapping).toBe(false);
    expect(incident.reopen_count).toBe(2);
    expect((await events(1)).filter((t) => t.startsWith('flapping'))).toEqual(['flapping_started', 'flapping_stopped']);
  });

  it('maintenance suppresses (recorded, not notified); when it ends with the condition still active the incident opens', async () => {
    // A one-off window of 30 s for shop (and one for another service that must not matter).
    const once = (id: string, service: string) => ({ id, window: { id, services: [service], timezone: 'UTC', timing: { kind: 'once' as const, startMs: T0 - 1_000, endMs: T0 + 30_000 } } });
    const maintenance = { list: () => [once('mw-other', 'billing'), once('mw-7', 'shop')] };
    app = await start({
      imports: [fakeSourcesModule([{ provide: 'Maint', useValue: maintenance }])],
      module: { sources: { maintenance: 'Maint' } },
    }, [{ ...diskRule, for: '0s' }]);
    await disk(0.95);
    await app.tick();
    await app.settle();
    let incident = (await app.api('GET', '/api/incidents/1')).body;
    expect([incident.state, incident.suppressed_by]).toEqual(['suppressed', 'mw-7']);
    expect(hook.requests).toHaveLength(0);
    expect((await app.api('POST', '/api/incidents/1/ack', {})).status).toBe(409);
    clock.advance(29_000);
    await app.tick();
    expect((await app.api('GET', '/api/incidents/1')).body.state).toBe('suppressed');
    clock.advance(31_000);
    await app.tick();
    await hook.waitFor(1);
    await pd.waitFor(1);
    await app.settle();
    incident = (await app.api('GET', '/api/incidents/1')).body;
    expect([incident.state, incident.suppressed_by, incident.opened_at]).toEqual(['open', null, new Date(clock.now()).toISOString()]);
    expect(await events(1)).toEqual(['suppressed', 'unsuppressed', 'notification_queued', 'notified', 'notified']);
  });

  it('links incidents to recent changes, proposes problems for recurrences, and reports KPIs', async () => {
    app = await start({ settings: { group_wait: '0s', reopen_within: '0s', problem_threshold: 3, problem_period: '7d', change_window: '2h' } }, [{ ...diskRule, for: '0s' }]);
    const change = await app.api('POST', '/api/changes', {
      id: 'CHG-1042',
      services: ['shop'],
      planned_start: new Date(T0 - 3_600_000).toISOString(),
      planned_end: new Date(T0 - 1_800_000).toISOString(),
      description: 'upgrade postgres',
    });
    expect([change.status, change.body.outcome]).toEqual([201, null]);
    expect((await app.api('POST', '/api/changes', { id: 'CHG-1042', services: ['shop'], planned_start: new Date(T0).toISOString() })).status).toBe(409);
    expect((await app.api('POST', '/api/changes', { id: 'CHG-1', services: [], planned_start: 'yesterday' })).body.issues).toEqual([
      'services: name at least one service',
      'planned_start: expected an ISO 8601 timestamp like 2026-11-03T10:00:00Z, got "yesterday"',
    ]);
    for (let i = 0; i < 3; i++) {
      await disk(0.95);
      clock.advance(30_000);
      if (i === 2) expect((await app.api('POST', '/api/incidents/3/ack', { by: 'bob' })).status).toBe(200);
      clock.advance(30_000);
      await disk(0.5);
      clock.advance(3_600_000);
    }
    const incidents = (await app.api('GET', '/api/incidents')).body.incidents;
    expect(incidents.map((i: any) => [i.id, i.change_id, i.problem_id])).toEqual([
      [3, null, 1], // opened 2 h 2 min after the change ended: outside change_window
      [2, 'CHG-1042', 1],
      [1, 'CHG-1042', 1],
    ]);
    const problems = (await app.api('GET', '/api/problems')).body.problems;
    expect(problems).toMatchObject([{ id: 1, status: 'proposed', known_error: false, rule: 'disk-almost-full', service: 'shop', title: 'Recurring: Disk / on web-1 at 95%' }]);
    const patched = await app.api('PATCH', '/api/problems/1', { status: 'open', known_error: true, workaround: 'rotate logs', root_cause: 'log rotation disabled' });
    expect(patched.body).toMatchObject({ status: 'open', known_error: true, workaround: 'rotate logs', incidents: [{ id: 1 }, { id: 2 }, { id: 3 }] });
    expect((await app.api('PATCH', '/api/problems/1', { colour: 'red' })).body.issues).toEqual([
      '(body): unknown field "colour"',
      '(body): nothing to change (title, status, known_error, workaround, root_cause)',
    ]);

    expect((await app.api('PATCH', '/api/changes/CHG-1042', { outcome: 'rolled_back', actual_start: new Date(T0 - 3_500_000).toISOString() })).body.outcome).toBe('rolled_back');
    await app.api('POST', '/api/changes', { id: 'CHG-1043', services: ['shop'], actual_start: new Date(T0 + 86_400_000).toISOString(), outcome: 'success' });
    await app.api('POST', '/api/changes', { id: 'CHG-1044', services: ['crm'], planned_start: new Date(T0 + 86_400_000).toISOString(), outcome: 'success' });
    expect((await app.api('GET', '/api/changes?service=shop')).body.changes.map((c: any) => c.id)).toEqual(['CHG-1043', 'CHG-1042']);

    const kpis = (await app.api('GET', '/api/kpis?period=2026-11')).body;
    expect(kpis).toEqual({
      period: '2026-11',
      timezone: 'UTC',
      from: '2026-11-01T00:00:00.000Z',
      to: '2026-12-01T00:00:00.000Z',
      incidents: {
        opened: 3,
        suppressed: 0,
        reopened: 0,
        acknowledged: 1,
        resolved: 3,
        by_severity: { warning: 3 },
        mean_time_to_acknowledge_seconds: 30,
        mean_time_to_resolve_seconds: 60,
        linked_to_changes: 2,
        linked_to_problems: 3,
      },
      changes: { total: 3, success: 2, failed: 0, rolled_back: 1, pending: 0, successful_change_rate: 2 / 3, causing_incidents: 1, causing_incidents_rate: 1 / 3 },
      problems: { created: 1, known_errors: 1, resolved: 0 },
    });
    expect((await app.api('GET', '/api/kpis?period=2026-13')).status).toBe(400);
    const metrics = await app.registry.metrics();
    expect(metrics).toContain('vigil_changes_total{outcome="success"} 2');
    expect(metrics).toContain('vigil_changes_total{outcome="rolled_back"} 1');
    expect(metrics).toContain('vigil_changes_causing_incidents_total 1');
  });

  it('agent_down from silence, burn-rate and capacity signals through their sources', async () => {
    const agents = [{ id: 'a1', hostname: 'web-1', connected: true, lastSeen: T0, intervalMs: 10_000 }];
    let burns: BurnRateSignal[] = [
      { service: 'shop', severity: 'page', longWindow: '1h', shortWindow: '5m', longRate: 14.4, shortRate: 20, factor: 14.4, objective: 0.999, firing: true, evaluatedAtMs: T0 },
      { service: 'shop', severity: 'ticket', longWindow: '1d', shortWindow: '2h', longRate: 7, shortRate: 8, factor: 3, objective: 0.999, firing: true, evaluatedAtMs: T0 },
    ];
    const budget = (remainingRatio: number): ErrorBudgetState => ({ service: 'shop', window: '30d', objective: 0.999, remainingRatio, remainingMinutes: remainingRatio * 43.2, exhausted: remainingRatio <= 0, evaluatedAtMs: T0 });
    let budgets = [budget(0.4)];
    let exhausted: ExhaustionSignal[] = [{ resource: '/ on web-1', labels: { host: 'web-1', mountpoint: '/' }, daysLeft: 3.2 }];
    app = await start(
      {
        imports: [
          fakeSourcesModule([
            { provide: 'Agents', useValue: { list: () => agents } },
            { provide: 'Sla', useValue: { burnRateSignals: () => burns, errorBudgetStates: () => budgets } },
            { provide: 'Capacity', useValue: { exhaustionSignals: (days: number) => exhausted.filter((e) => e.daysLeft <= days) } },
          ]),
        ],
        module: { sources: { agents: 'Agents', burnRates: 'Sla', exhaustion: 'Capacity' } },
      },
      [
        { name: 'agent-down', builtin: 'agent_down', missed_intervals: 3, severity: 'critical' },
        { name: 'fast-burn', builtin: 'sla_fast_burn', severity: 'critical' },
        { name: 'budget-gone', builtin: 'error_budget_exhausted', severity: 'error' },
        { name: 'disk-forecast', builtin: 'capacity_exhaustion', within_days: 7 },
      ],
    );
    await app.evaluator.pollSignals();
    await app.incidents.whenIdle();
    clock.advance(30_000);
    await app.tick();
    expect((await app.api('GET', '/api/incidents')).body.incidents.map((i: any) => i.title)).toEqual([
      '/ on web-1 will be exhausted in 3.2 days',
      'Service shop burns its error budget fast (1h/5m, 14.4x)',
    ]);
    budgets = [budget(0)];
    await app.evaluator.pollSignals();
    await app.incidents.whenIdle();
    expect((await app.api('GET', '/api/incidents?severity=error')).body.incidents.map((i: any) => [i.title, i.labels])).toEqual([
      ['Service shop has exhausted its error budget (30d)', { service: 'shop', window: '30d' }],
    ]);
    clock.advance(1);
    await app.tick(); // 30.001 s > 3 × 10 s without data
    const down = (await app.api('GET', '/api/incidents?severity=critical')).body.incidents;
    expect(down.map((i: any) => [i.rule, i.title, i.labels])).toEqual([
      ['agent-down', 'Agent a1 (web-1) is down', { agent: 'a1', host: 'web-1' }],
      ['fast-burn', 'Service shop burns its error budget fast (1h/5m, 14.4x)', { service: 'shop', window: '1h/5m' }],
    ]);
    // Data from the agent, and signals gone: everything resolves.
    clock.advance(1_000);
    await disk(0.5);
    burns = [];
    budgets = [];
    exhausted = [];
    clock.advance(1_000);
    await app.tick();
    await app.evaluator.pollSignals();
    await app.incidents.whenIdle();
    expect((await app.api('GET', '/api/incidents?state=open,acknowledged')).body.incidents).toEqual([]);
  });

  it('after a restart, open incidents recover and resolve without duplicates or lost notifications', async () => {
    app = await start({}, [{ ...diskRule, for: '0s' }]);
    hook.fallback = { status: 503 }; // receiver down: the trigger stays in the outbox
    await disk(0.95);
    await hook.waitFor(1);
    await app.close();
    app = undefined;
    await tmp.reopen();
    hook.fallback = { status: 200 };
    clock.advance(5_000);
    app = await start({}, [{ ...diskRule, for: '0s' }]);
    await disk(0.97); // still firing: the restored condition does not open a second incident
    clock.advance(10_000);
    await disk(0.5); // recovery resolves the incident opened before the restart
    await eventually(() => hook.requests.filter((r) => r.headers['x-vigil-event'] === 'resolve').length === 1, 5000, 'resolve delivered');
    await app.settle();
    const delivered = hook.requests.filter((r) => r.headers['x-vigil-event'] !== undefined && r.body.length > 0);
    const keys = delivered.map((r) => `${r.headers['idempotency-key']}`);
    expect(keys.filter((k, i) => keys.indexOf(k) !== i).every((k) => k === 'vigil-1-1-ops-webhook')).toBe(true); // only the failed one was retried
    expect([...new Set(keys)]).toEqual(['vigil-1-1-ops-webhook', 'vigil-1-2-ops-webhook']);
    expect((await app.api('GET', '/api/incidents')).body.incidents.map((i: any) => [i.id, i.state])).toEqual([[1, 'resolved']]);
  });

  it('writes need the API token; unknown ids are 404 with the reason', async () => {
    app = await start();
    expect(await app.api('POST', '/api/incidents/99/ack', {})).toEqual({ status: 404, body: { error: 'not found', message: 'incident 99 does not exist' } });
    expect(await app.api('POST', '/api/incidents/99/resolve', {})).toEqual({ status: 404, body: { error: 'not found', message: 'incident 99 does not exist' } });
    expect(await app.api('PATCH', '/api/changes/CHG-404', { outcome: 'failed' })).toEqual({ status: 404, body: { error: 'not found', message: 'change CHG-404 does not exist' } });
    expect((await app.api('PATCH', '/api/problems/7', { status: 'open' })).status).toBe(404);
    expect((await app.api('POST', '/api/changes', { id: 'C', services: ['x'], planned_start: new Date(T0).toISOString() }, 'wrong-token-xxxx')).status).toBe(401);
    expect((await app.api('PATCH', '/api/problems/1', { status: 'open' }, null)).status).toBe(401);
    expect((await app.api('GET', '/api/problems/1', undefined, null)).status).toBe(404);
    expect(API_TOKEN.length).toBeGreaterThan(8);
  });
});
