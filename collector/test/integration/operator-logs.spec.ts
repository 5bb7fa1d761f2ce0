// Operators hear what happens: incident lifecycle and notification failures/recoveries each give
// one log line, and a failed delivery shows on the incident's timeline with notifier and reason.
// A real HTTP receiver that answers 500 and then 200; real SQLite; the Nest app's own logger.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/common/clock.js';
import { RecordingLogger } from '../support/recording-logger.js';
import { Receiver, startIncidentsApp, tempDatabase, type IncidentsApp, type TempDb } from './incidents.support.js';
import { engines } from '../../../test/support/engines.js';

const T0 = Date.UTC(2026, 10, 3, 10, 0, 0);
const DISK = 'vigil_filesystem_used_ratio';

describe.each(engines('operator-logs.spec'))('operator log lines and the delivery-failure timeline on $name', (engine) => {
  let tmp: TempDb;
  let hook: Receiver;
  let app: IncidentsApp | undefined;
  const clock = new ManualClock(T0);
  const logger = new RecordingLogger();

  beforeEach(async () => {
    tmp = await tempDatabase(engine);
    hook = await Receiver.start();
  });
  afterEach(async () => {
    await app?.close();
    await hook.close();
    await tmp.cleanup();
  });

  it('logs opened, acknowledged, resolved, the receiver failing and recovering; the timeline shows the failure', async () => {
    app = await startIncidentsApp({
      raw: {
        rules: [{ name: 'disk-almost-full', metric: DISK, op: '>', threshold: 0.9, for: '0s', severity: 'warning', title: 'Disk {{ labels.mountpoint }} on {{ labels.host }}' }],
        notifiers: [{ name: 'ops-webhook', type: 'webhook', url: `${hook.url}/hook` }],
      },
      settings: { group_wait: '0s', delivery: { backoff_initial: '1s', backoff_max: '1s' } },
      clock,
      db: tmp.db,
      logger,
    });
    hook.script.push({ status: 500, body: 'receiver down', headers: { 'retry-after': '1' } });
    await app.samples([{ id: 1, metric: DISK, labels: { host: 'web-1', mountpoint: '/', service: 'shop' }, points: [[clock.now(), 0.95]] }]);
    await app.settle();
    expect(hook.requests).toHaveLength(1);
    clock.advance(1_000); // the retry is due
    await app.settle();
    expect(hook.requests).toHaveLength(2);

    expect((await app.api('POST', '/api/incidents/1/ack', { by: 'alice' })).status).toBe(200);
    await app.settle();
    expect((await app.api('POST', '/api/incidents/1/resolve', { by: 'alice', note: 'disk cleaned' })).status).toBe(200);
    await app.settle();

    const timeline = (await app.api('GET', '/api/incidents/1')).body.timeline as Array<{ type: string; actor: string; detail: string }>;
    expect(timeline.filter((e) => e.type === 'notification_failed')).toEqual([
      expect.objectContaining({ type: 'notification_failed', actor: 'ops-webhook', detail: 'trigger to ops-webhook failed: HTTP 500: receiver down (attempt 1; retrying in 1s)' }),
    ]);
    expect(timeline.find((e) => e.type === 'notified')?.detail).toBe('trigger delivered to ops-webhook (attempt 2)');

    const subject = 'incident #1 Disk / on web-1 (rule disk-almost-full, warning, service shop)';
    expect(logger.lines.filter((l) => /\[(incidents|notify)\]/.test(l))).toEqual([
      `log [incidents] ${subject} opened`,
      'warn [notify] notifier ops-webhook failed: HTTP 500: receiver down (trigger of incident #1, attempt 1); retrying in 1s',
      `log [notify] notifier ops-webhook recovered: delivered again after 1 failed attempt since ${new Date(T0).toISOString()}`,
      `log [incidents] ${subject} acknowledged by alice`,
      `log [incidents] ${subject} resolved by alice`,
    ]);
  });
});
