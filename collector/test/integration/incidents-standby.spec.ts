// A collector that stands by (several collectors on one database): its per-sample rules still open
// incidents and queue notifications, but it neither delivers them nor judges silent agents; once it
// leads it does both. Real SQLite, real HTTP receiver, a Leadership fake the test switches.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/common/clock.js';
import { SwitchableLeadership } from '../support/switchable-leadership.js';
import { Receiver, eventually, fakeSourcesModule, startIncidentsApp, tempDatabase, type IncidentsApp, type TempDb } from './incidents.support.js';

const T0 = Date.UTC(2026, 11, 6, 10, 0, 0);
const DISK = 'vigil_filesystem_used_ratio';

describe('incidents on a standby collector', () => {
  let tmp: TempDb;
  let hook: Receiver;
  let app: IncidentsApp | undefined;

  beforeEach(async () => {
    tmp = await tempDatabase();
    hook = await Receiver.start();
  });
  afterEach(async () => {
    await app?.close();
    app = undefined;
    await hook.close();
    await tmp.cleanup();
  });

  it('opens per-sample incidents but leaves delivery and agent_down to the leader until it leads', async () => {
    const clock = new ManualClock(T0);
    const leadership = new SwitchableLeadership(false);
    app = await startIncidentsApp({
      raw: {
        rules: [
          { name: 'disk-almost-full', metric: DISK, op: '>', threshold: 0.9, for: '0s', severity: 'warning', title: 'Disk on {{ labels.host }}' },
          { name: 'agent-down', builtin: 'agent_down', missed_intervals: 3, severity: 'critical' },
        ],
        notifiers: [{ name: 'ops', type: 'webhook', url: `${hook.url}/hook` }],
      },
      settings: { group_wait: '0s' },
      clock,
      db: tmp.db,
      leadership,
      imports: [fakeSourcesModule([{ provide: 'Agents', useValue: { list: () => [{ id: 'a1', hostname: 'web-1', connected: false, lastSeen: T0, intervalMs: 10_000 }] } }])],
      module: { sources: { agents: 'Agents' } },
    });
    const open = async () =>
      (await app!.api('GET', '/api/incidents?state=open')).body.incidents.map((i: { rule: string; labels: { agent: string } }) => `${i.rule} ${i.labels.agent}`).sort();

    await app.samples([{ id: 1, metric: DISK, labels: { agent: 'a2', host: 'db-1' }, points: [[T0, 0.95]] }]);
    clock.advance(31_000); // a1 silent for more than 3 intervals
    await app.evaluator.tick();
    await app.incidents.whenIdle();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await open()).toEqual(['disk-almost-full a2']);
    expect(hook.requests).toEqual([]);

    leadership.set(true);
    await hook.waitFor(1);
    expect(hook.json(0)).toMatchObject({ event: 'trigger', incident: { rule: 'disk-almost-full' } });
    await app.evaluator.tick();
    await app.incidents.whenIdle();
    // a1 from the registry, a2 from its samples: both silent for 31 s.
    expect(await open()).toEqual(['agent-down a1', 'agent-down a2', 'disk-almost-full a2']);
    await eventually(() => hook.requests.length === 3, 3_000, 'the agent-down triggers');
  });
});
