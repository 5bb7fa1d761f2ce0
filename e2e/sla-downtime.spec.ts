// Availability end to end: a real `vigil-agent` process probes a real HTTP server on loopback and
// streams the results over gRPC to a real collector (SQLite file); the server is switched to
// failing and the SLA API must show the downtime, good minutes before it, and the outage.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { startCollector, type RunningCollector } from '../collector/src/app.js';
import { buildConfig } from '../collector/src/config/config.loader.js';
import { AGENT_BIN, compileWorkspace, getJson, spawnNode, startProbeTarget, waitFor, type ProbeTarget, type VigilProcess } from './support/vigil-processes.js';

const AGENT_TOKEN = 'sla-e2e-agent-token';
const MINUTE_MS = 60_000;

interface SlaView {
  availability: number | null;
  minutes: { good: number; bad: number; unknown: number; unplanned_downtime: number };
  error_budget: { consumed_minutes: number };
  outages: { start: string; end: string; minutes: number; unplanned_minutes: number }[];
  problems: string[];
}

describe.runIf(process.platform === 'linux')('probe → agent process → collector → SLA API', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-sla-e2e-'));
  let target: ProbeTarget;
  let collector: RunningCollector;
  let agent: VigilProcess | undefined;

  beforeAll(async () => {
    compileWorkspace();
    target = await startProbeTarget();
    const port = target.port;

    const config = buildConfig({
      storage: { path: path.join(dir, 'vigil.db') },
      listen: { grpc: '127.0.0.1:0', http: '127.0.0.1:0' },
      auth: { agent_tokens: [AGENT_TOKEN] },
      services: [{ id: 'web', name: 'Web', owner: 'ops@example.com', probes: ['web-http'], sla: { availability: 99.9, windows: ['1h'], timezone: 'UTC' } }],
      // Metrics and burn-rate signals come from the periodic evaluation: make it quick.
      sla: { evaluation_interval: '1s' },
    });
    // SLA windows end at the last complete minute. The collector's clock runs one minute ahead so
    // the minute in progress counts as complete and the test need not wait for minute boundaries;
    // agent timestamps stay real (they are then "in the past", well inside the accepted range).
    collector = await startCollector({ config, clock: { now: () => Date.now() + MINUTE_MS }, logLevels: false });

    const agentConfig = path.join(dir, 'agent.yaml');
    writeFileSync(
      agentConfig,
      stringify({
        collector: collector.grpcAddress,
        token: AGENT_TOKEN,
        id: 'sla-e2e-agent',
        interval: '1s',
        spool_dir: path.join(dir, 'spool'),
        batch: { max_age: '200ms' },
        probes: [{ name: 'web-http', type: 'http', url: `http://127.0.0.1:${port}/health`, interval: '1s', timeout: '500ms', expect_status: [200] }],
      }),
    );
    agent = spawnNode('agent', AGENT_BIN, ['--config', agentConfig]);
  }, 120_000);

  afterAll(async () => {
    await agent?.stop();
    await collector?.close();
    await target?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const sla = () => getJson<SlaView>(collector.httpAddress, '/api/services/web/sla?window=1h');

  it('shows good minutes, then the downtime once the probed server fails', async () => {
    const up = await waitFor(
      'good minutes from the agent',
      async () => {
        if (!agent!.running) throw new Error(`agent exited\n${agent!.tail()}`);
        const view = await sla();
        return view.minutes.good > 0 ? view : undefined;
      },
      20_000,
    );
    expect(up.minutes.bad).toBe(0);
    expect(up.availability).toBe(1);
    expect(up.outages).toEqual([]);
    expect(up.problems).toEqual([]);

    target.failing = true;
    const switchedAt = Date.now();
    const down = await waitFor(
      'the downtime in the SLA',
      async () => {
        const view = await sla();
        return view.minutes.bad > 0 ? view : undefined;
      },
      20_000,
    );
    // A minute with any failed result of the (only) agent is bad.
    expect(down.minutes.unplanned_downtime).toBe(down.minutes.bad);
    expect(down.error_budget.consumed_minutes).toBe(down.minutes.bad);
    expect(down.availability).toBe(down.minutes.good / (down.minutes.good + down.minutes.bad));
    expect(down.availability).toBeLessThan(0.999);
    const outage = down.outages.at(-1)!;
    // It starts in the minute of the switch or the next (the first failing run may fall after a boundary).
    expect(Date.parse(outage.start)).toBeGreaterThanOrEqual(Math.floor(switchedAt / MINUTE_MS) * MINUTE_MS);
    expect(Date.parse(outage.start)).toBeLessThanOrEqual(Math.floor(switchedAt / MINUTE_MS) * MINUTE_MS + MINUTE_MS);
    expect(Date.parse(outage.end) - Date.parse(outage.start)).toBe(outage.minutes * MINUTE_MS);
    expect(outage.unplanned_minutes).toBe(outage.minutes);

    // The failing results themselves are stored: status code 503 from the real server.
    const [status] = await getJson<{ id: number }[]>(collector.httpAddress, '/api/series?metric=vigil_probe_http_status_code&probe=web-http');
    const points = await getJson<{ points: [number, number][] }>(collector.httpAddress, `/api/query?series=${status!.id}&from=${switchedAt - 5_000}&to=${Date.now()}`);
    expect(points.points.map(([, v]) => v)).toContain(503);

    // /metrics: the downtime and the page-level burn-rate alert (any bad minute among few is > 14.4x).
    const metrics = await waitFor(
      'the SLA metrics to show the downtime',
      async () => {
        const text = await (await fetch(`http://${collector.httpAddress}/metrics`)).text();
        return /^vigil_sla_downtime_seconds\{service="web",window="1h",kind="unplanned"\} [1-9]/m.test(text) ? text : undefined;
      },
      10_000,
    );
    expect(metrics).toContain('vigil_sla_objective_ratio{service="web"} 0.999');
    expect(metrics).toContain('vigil_sla_burn_alert_firing{service="web",severity="page",long_window="1h",short_window="5m"} 1');
    expect(metrics).toMatch(/^vigil_probe_success\{.*probe="web-http".*\} 0$/m);

    // The review report of today (UTC) shows the same downtime, with the incidents section of the
    // full application.
    const today = new Date(Date.now() + MINUTE_MS).toISOString().slice(0, 10);
    const report = await getJson<{ services: (SlaView & { service: string; incidents?: unknown[] })[] }>(collector.httpAddress, `/api/reports/sla?period=${today}&service=web&format=json`);
    expect(report.services.map((s) => s.service)).toEqual(['web']);
    expect(report.services[0]!.minutes.bad).toBeGreaterThanOrEqual(down.minutes.bad);
    expect(report.services[0]!.incidents).toBeInstanceOf(Array);
  }, 60_000);
});
