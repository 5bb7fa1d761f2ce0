// Delivery to the real Alertmanager (Debian package `prometheus-alertmanager`, installed when
// missing): an incident becomes an Alertmanager alert through POST /api/v2/alerts, Alertmanager's
// own routing passes it on to a webhook receiver, and the resolution ends it there too.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { systemClock } from '../../src/common/clock.js';
import { freePort, requireDebianPackage } from '../../../dashboards/testing/prometheus.js';
import { VigilProcess, waitFor } from '../../../e2e/support/vigil-processes.js';
import { Receiver, startIncidentsApp, tempDatabase, type IncidentsApp, type TempDb } from './incidents.support.js';
import { engines } from '../../../test/support/engines.js';

const tools = requireDebianPackage('incidents-alertmanager', 'prometheus-alertmanager', ['prometheus-alertmanager']);

interface AmAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  status: { state: string };
  startsAt: string;
  generatorURL: string;
}

describe.runIf(tools.available).each(engines('incidents-alertmanager.spec'))('notifications to a real Alertmanager on $name', (engine) => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-alertmanager-'));
  let am: VigilProcess;
  let amUrl: string;
  let routed: Receiver;
  let tmp: TempDb;
  let app: IncidentsApp;

  beforeAll(async () => {
    routed = await Receiver.start();
    const config = join(dir, 'alertmanager.yml');
    writeFileSync(
      config,
      stringify({
        route: { receiver: 'vigil-test', group_by: ['alertname'], group_wait: '0s', group_interval: '1s', repeat_interval: '1h' },
        receivers: [{ name: 'vigil-test', webhook_configs: [{ url: `${routed.url}/am`, send_resolved: true }] }],
      }),
    );
    const port = await freePort();
    amUrl = `http://127.0.0.1:${port}`;
    am = new VigilProcess(
      'alertmanager',
      spawn('prometheus-alertmanager', [`--config.file=${config}`, `--storage.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address='], {
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    );
    await waitFor('alertmanager to be ready', async () => {
      if (!am.running) throw new Error(`alertmanager exited\n${am.tail()}`);
      return (await fetch(`${amUrl}/-/ready`).catch(() => undefined))?.ok ? true : undefined;
    }, 15_000, 100);

    tmp = await tempDatabase(engine);
    app = await startIncidentsApp({
      raw: {
        rules: [{ name: 'disk-almost-full', metric: 'vigil_filesystem_used_ratio', match: { mountpoint: '/' }, op: '>', threshold: 0.9, recover_below: 0.85, severity: 'warning' }],
        notifiers: [{ name: 'alertmanager', type: 'alertmanager', url: amUrl }],
      },
      settings: { group_wait: '0s' },
      clock: systemClock,
      db: tmp.db,
    });
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await am?.stop();
    await routed?.close();
    await tmp?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  const alerts = async () => (await (await fetch(`${amUrl}/api/v2/alerts`)).json()) as AmAlert[];
  const disk = (value: number) => app.samples([{ id: 1, metric: 'vigil_filesystem_used_ratio', labels: { host: 'web-1', mountpoint: '/' }, points: [[Date.now(), value]] }]);

  it('Alertmanager receives the firing alert, routes it, and ends it on resolution', async () => {
    await disk(0.95);
    await app.settle();
    const [firing] = await waitFor('the alert in Alertmanager', async () => ((await alerts()).length ? alerts() : undefined), 10_000, 100);
    expect(firing!.labels).toEqual({ alertname: 'disk-almost-full', severity: 'warning', host: 'web-1', mountpoint: '/' });
    expect(firing!.status.state).toBe('active');
    expect(firing!.annotations).toMatchObject({ vigil_incident_id: '1', summary: 'disk-almost-full: web-1 value 0.95' });
    expect(firing!.generatorURL).toBe('http://localhost:8080/incidents/1'); // the console's incident page

    // Alertmanager's own routing delivered it onwards: existing routing keeps working.
    await routed.waitFor(1, 10_000);
    expect(routed.json(0)).toMatchObject({ status: 'firing', receiver: 'vigil-test', alerts: [{ labels: { alertname: 'disk-almost-full', host: 'web-1' } }] });

    // Below the recovery threshold: the incident resolves and Alertmanager sees endsAt pass.
    await disk(0.8);
    await app.settle();
    await waitFor('Alertmanager to report the resolution', () => (routed.requests.some((r) => JSON.parse(r.body).status === 'resolved') ? true : undefined), 10_000, 100);
    expect(await alerts()).toEqual([]);
    expect((await app.api('GET', '/api/incidents/1')).body.timeline.map((e: { type: string }) => e.type)).toEqual([
      'opened',
      'notification_queued',
      'notified',
      'resolved',
      'notification_queued',
      'notified',
    ]);
  }, 30_000);
});
