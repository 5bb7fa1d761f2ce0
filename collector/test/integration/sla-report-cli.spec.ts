// `vigil-collector report sla` as operators run it: the compiled binary on the SQLite file a
// collector wrote. The data arrives over real gRPC (a scripted agent) into a collector on a
// manual clock, so the figures are exact; the collector is then closed and the binary reads the file.
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { startCollector } from '../../src/app.js';
import { ManualClock } from '../../src/common/clock.js';
import { loadConfigFile } from '../../src/config/config.loader.js';
import { SqliteDatabase } from '../../src/database/sqlite-database.js';
import { parseCsv } from '../../src/reports/render/csv.js';
import { gauge, TestAgent } from '../support/test-agent.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = join(REPO, 'collector/bin/vigil-collector.js');
const MIN = 60_000;
const utc = (t: string) => Date.parse(`${t}Z`);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function runBin(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: REPO, timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/**
 * Monday 2026-11-16, one result per minute 06:00-18:00 UTC. Service hours Mon-Fri 08:00-18:00
 * Europe/Berlin = 07:00-17:00 UTC (600 minutes). Failing 08:00-08:20 and 16:50-17:10, silent
 * 11:00-11:05. Maintenance "hotfix" 09:10-09:30 Berlin = 08:10-08:30 UTC (CHG-7).
 * Counted: 600 - 20 maintenance = 580; bad 10 + 10 = 20; unknown 5; good 555 → 555/575.
 */
function resultAt(minuteMs: number): number | undefined {
  const t = new Date(minuteMs).toISOString().slice(11, 16);
  if (t >= '11:00' && t < '11:05') return undefined;
  return (t >= '08:00' && t < '08:20') || (t >= '16:50' && t < '17:10') ? 0 : 1;
}

describe('vigil-collector report sla (binary on a real SQLite file)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-sla-cli-'));
  const configFile = join(dir, 'collector.yaml');

  beforeAll(async () => {
    // The bin loads dist/: compile (incremental, fast when up to date).
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    execFileSync(process.execPath, [tsc, '--build', join(REPO, 'tsconfig.json')], { stdio: 'pipe' });

    writeFileSync(
      configFile,
      stringify({
        storage: { path: join(dir, 'vigil.db') },
        listen: { grpc: '127.0.0.1:0', http: '127.0.0.1:0' },
        auth: { agent_tokens: ['cli-agent-token'], api_tokens: ['cli-admin-token'] },
        // The scripted history lies in the past of the real clock the binary runs on.
        ingest: { max_age: '3650d' },
        services: [
          {
            id: 'shop',
            name: 'Web shop',
            owner: 'ops@example.com',
            probes: ['shop-http'],
            sla: { availability: 99.9, windows: ['7d', '30d'], period: 'month', timezone: 'Europe/Berlin', service_hours: 'Mon-Fri 08:00-18:00' },
          },
        ],
        maintenance: [
          { id: 'patch-night', services: ['shop'], schedule: '0 2 * * SUN', duration: '2h', timezone: 'Europe/Berlin', change: 'CHG-1042' },
          { id: 'hotfix', services: ['shop'], start: '2026-11-16T09:10', end: '2026-11-16T09:30', timezone: 'Europe/Berlin', change: 'CHG-7', reason: 'emergency patch' },
        ],
      }),
    );
    const clock = new ManualClock(utc('2026-11-16T18:01'));
    const collector = await startCollector({ config: loadConfigFile(configFile), clock, logLevels: false });
    try {
      const timestamps: number[] = [];
      const values: number[] = [];
      for (let m = utc('2026-11-16T06:00'); m < utc('2026-11-16T18:00'); m += MIN) {
        const v = resultAt(m);
        if (v === undefined) continue;
        timestamps.push(m + 30_000);
        values.push(v);
      }
      const agent = new TestAgent(collector.grpcAddress, 'cli-agent-token', 'probe-agent').connect().hello();
      agent.batch(1, [{ ...gauge('vigil_probe_success', { probe: 'shop-http', type: 'http', target: 'http://shop/health' }, 0, values), timestampsMs: timestamps }]);
      await agent.until(() => agent.acks.includes(1));
      agent.close();
      // Acked = committed; the SLA engine folds results in after the commit. Wait for it.
      const deadline = Date.now() + 10_000;
      for (;;) {
        const sla = (await (await fetch(`http://${collector.httpAddress}/api/services/shop/sla?period=2026-11-16`)).json()) as { minutes: { good: number; bad: number } };
        if (sla.minutes.good + sla.minutes.bad === 575) break;
        if (Date.now() > deadline) throw new Error(`SLA engine did not catch up: ${JSON.stringify(sla)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      await collector.close(); // flushes the minute states to SQLite
    }
  }, 120_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** What the collector persisted of the SLA engine; a report must leave it unchanged. */
  async function slaState(): Promise<unknown> {
    const db = await SqliteDatabase.open({ path: join(dir, 'vigil.db') });
    try {
      return {
        state: await db.all('SELECT key, value FROM sla_state ORDER BY key'),
        days: await db.all('SELECT service_id, day FROM sla_service_days ORDER BY service_id, day'),
      };
    } finally {
      await db.close();
    }
  }

  it('prints the JSON report of a service and month with exact figures, writing nothing', async () => {
    const before = await slaState();
    expect(before).toMatchObject({ state: expect.arrayContaining([{ key: 'last_flush_ms', value: String(utc('2026-11-16T18:01')) }]) });
    const run = await runBin(['report', 'sla', '--config', configFile, '--period', '2026-11', '--service', 'shop']);
    expect(await slaState()).toEqual(before);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report).toMatchObject({ report: 'sla', period: '2026-11', unmeasured_services: [] });
    expect(report.services).toHaveLength(1);
    const shop = report.services[0];
    expect(shop).toMatchObject({
      service: 'shop',
      name: 'Web shop',
      owner: 'ops@example.com',
      kind: 'month',
      from: '2026-10-31T23:00:00.000Z',
      to: '2026-11-30T23:00:00.000Z',
      timezone: 'Europe/Berlin',
      objective: 0.999,
      availability: 0.965217391,
      met: false,
      breach: true,
    });
    expect(shop.minutes).toMatchObject({ good: 555, bad: 20, planned_maintenance: 20, planned_downtime: 10, unplanned_downtime: 20 });
    expect(shop.error_budget).toMatchObject({ total_minutes: 0.575, consumed_minutes: 20 });
    expect(shop.outages).toEqual([
      { start: '2026-11-16T08:00:00.000Z', end: '2026-11-16T08:20:00.000Z', minutes: 20, unplanned_minutes: 10, planned_minutes: 10 },
      // The whole outage is listed; only its 10 minutes inside service hours count.
      { start: '2026-11-16T16:50:00.000Z', end: '2026-11-16T17:10:00.000Z', minutes: 20, unplanned_minutes: 10, planned_minutes: 0 },
    ]);
    expect(shop.daily.find((d: { date: string }) => d.date === '2026-11-16')).toEqual({ date: '2026-11-16', availability: 0.965217391, coverage: 0.99137931, good: 555, bad: 20, unknown: 5, planned_downtime: 10 });
  });

  it('writes CSV and self-contained HTML with --out', async () => {
    const csvFile = join(dir, 'sla.csv');
    const csv = await runBin(['report', 'sla', '--config', configFile, '--period', '2026-11', '--format', 'csv', '--out', csvFile]);
    expect(csv).toEqual({ code: 0, stdout: '', stderr: '' });
    const rows = parseCsv(readFileSync(csvFile, 'utf8'));
    const header = rows[0]!;
    const col = (row: string[], name: string) => row[header.indexOf(name)];
    const service = rows.find((r) => r[0] === 'service')!;
    expect([col(service, 'service'), col(service, 'availability'), col(service, 'unplanned_downtime_minutes'), col(service, 'planned_downtime_minutes'), col(service, 'breach')]).toEqual([
      'shop', String(555 / 575), '20', '10', 'true',
    ]);
    // Times in the SLA's zone with its offset (issue 12): the same instants as 08:00Z and 16:50Z.
    expect(rows.filter((r) => r[0] === 'outage').map((r) => [col(r, 'start'), col(r, 'duration_minutes')])).toEqual([
      ['2026-11-16T09:00:00+01:00', '20'],
      ['2026-11-16T17:50:00+01:00', '20'],
    ]);
    expect([col(service, 'status'), header.slice(-2)]).toEqual(['breached', ['coverage', 'status']]);

    const html = await runBin(['report', 'sla', '--config', configFile, '--period', '2026-11', '--format', 'html']);
    expect(html.code).toBe(0);
    expect(html.stdout).toMatch(/^<!DOCTYPE html>/i);
    expect(html.stdout).toContain('<svg');
    expect(html.stdout).toContain('96.522');
    expect(html.stdout).not.toMatch(/<(script|link)\b|src="http/i);
    expect(html.stdout).toContain('<tr><td>2026-11-16 09:00 +01:00</td><td>2026-11-16 09:20 +01:00</td><td class="num">20m</td>');
    expect(html.stdout).toContain('<td>2026-11: 2026-11-01 00:00 – 2026-12-01 00:00 (Europe/Berlin, +01:00)</td>');
    expect(html.stdout).toMatch(/<li class="status-bad">Web shop: 96\.52 % of 99\.9 %, breached \(coverage \d+(\.\d)? %\), 20 min of 0\.6 min budget used, 2 outages<\/li>/);
  }, 60_000);

  it('reports the current period of each service when --period is left out', async () => {
    const berlinMonth = () => new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Berlin', year: 'numeric', month: '2-digit' }).format(new Date()).slice(0, 7);
    const before = berlinMonth();
    const run = await runBin(['report', 'sla', '--config', configFile]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.period).toBe('current');
    expect(report.services.map((s: { service: string; kind: string; window: string }) => [s.service, s.kind, s.window])).toEqual([['shop', 'month', before === berlinMonth() ? before : expect.any(String)]]);
    const page = await runBin(['report', 'sla', '--config', configFile, '--format', 'html']);
    expect(page.code).toBe(0);
    expect(page.stdout).toContain('<h1>SLA review current period</h1>');
  }, 60_000);

  it('says that no services are defined when the database and configuration have none, and exits 2', async () => {
    const emptyDb = join(dir, 'empty.db');
    const run = await runBin(['report', 'sla', '--period', '2026-11', '--db', emptyDb]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(`vigil-collector: no services are defined in the database ${emptyDb} or the configuration (none given: pass --config FILE); nothing to report`);
  }, 30_000);

  it('refuses bad flags and unknown services with exit code 2 and a message naming the flag', async () => {
    // A missing --period means the current period now (issue 12): see the test above.
    const badPeriod = await runBin(['report', 'sla', '--config', configFile, '--period', '2026-13']);
    expect(badPeriod.code).toBe(2);
    expect(badPeriod.stderr).toContain('vigil-collector: --period: invalid period "2026-13" (use e.g. 2026-11, 2026-Q4, 2026-W45, 2026-11-03 or 2026)');
    const badFormat = await runBin(['report', 'sla', '--config', configFile, '--period', '2026-11', '--format', 'pdf']);
    expect(badFormat.code).toBe(2);
    expect(badFormat.stderr).toContain('vigil-collector: --format: must be one of json, csv, html, got "pdf"');
    const unknown = await runBin(['report', 'sla', '--config', configFile, '--period', '2026-11', '--service', 'nope']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('vigil-collector: service "nope" does not exist');
  }, 60_000);
});
