// /metrics over real HTTP from a real collector: open by default; under auth.protect_reads it wants
// a metrics token (what a scraper holds) or an API token, sent as Prometheus sends it (Bearer).
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildConfig } from '../../src/config/config.loader.js';
import { startCollector, type RunningCollector } from '../../src/app.js';
import { parse, stringify } from 'yaml';
import { queryInstant, REPO_ROOT, requirePrometheusTools, startPrometheus } from '../../../dashboards/testing/prometheus.js';

const API_TOKEN = 'api-token-0123456789';
const METRICS_TOKEN = 'metrics-token-0123456789';

describe('/metrics access', () => {
  let dir: string;
  let collector: RunningCollector | undefined;

  async function start(auth: Record<string, unknown>): Promise<RunningCollector> {
    dir = mkdtempSync(join(tmpdir(), 'vigil-metrics-auth-'));
    const config = buildConfig({ storage: { path: join(dir, 'vigil.db') }, listen: { grpc: '127.0.0.1:0', http: '127.0.0.1:0' }, auth });
    collector = await startCollector({ config, logLevels: false });
    return collector;
  }
  const scrape = (c: RunningCollector, token?: string) =>
    fetch(`http://${c.httpAddress}/metrics`, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } });

  afterEach(async () => {
    await collector?.close();
    collector = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('stays open without protect_reads, as before', async () => {
    const c = await start({ api_tokens: [API_TOKEN], metrics_tokens: [METRICS_TOKEN] });
    const res = await scrape(c);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('vigil_ingest_batches_total');
  });

  it('under protect_reads answers 401 without or with a wrong token, 200 with a metrics or an API token', async () => {
    const c = await start({ api_tokens: [API_TOKEN], metrics_tokens: [METRICS_TOKEN], protect_reads: true });
    const missing = await scrape(c);
    expect(missing.status).toBe(401);
    expect(await missing.json()).toEqual({ error: 'unauthorized', message: 'a valid metrics or API token is required (Authorization: Bearer <token>)' });
    expect((await scrape(c, 'wrong-token-0123456789')).status).toBe(401);

    const byScraper = await scrape(c, METRICS_TOKEN);
    expect(byScraper.status).toBe(200);
    expect(await byScraper.text()).toContain('vigil_ingest_batches_total');
    expect((await scrape(c, API_TOKEN)).status).toBe(200);

    // A metrics token reads /metrics only, not the API.
    expect((await fetch(`http://${c.httpAddress}/api/agents`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).status).toBe(401);
    expect((await fetch(`http://${c.httpAddress}/api/agents`, { headers: { authorization: `Bearer ${API_TOKEN}` } })).status).toBe(200);
  });

  it('is scraped by a real Prometheus with the shipped example job and its authorization block uncommented', async ({ skip }) => {
    const tools = requirePrometheusTools('metrics-auth.spec.ts (real Prometheus scrape)');
    if (!tools.available) return skip(tools.reason);
    const c = await start({ api_tokens: [API_TOKEN], metrics_tokens: [METRICS_TOKEN], protect_reads: true });
    const example = readFileSync(join(REPO_ROOT, 'dashboards/prometheus/prometheus.yml'), 'utf8');
    const uncommented = example.replace(/^ {4}# (authorization:|  type: Bearer|  credentials_file: .*)$/gm, '    $1');
    const job = parse(uncommented).scrape_configs[0];
    expect(job.authorization).toEqual({ type: 'Bearer', credentials_file: '/etc/prometheus/vigil-metrics-token' });
    writeFileSync(join(dir, 'vigil-metrics-token'), `${METRICS_TOKEN}\n`);
    const withToken = { ...job, scrape_interval: '1s', static_configs: [{ targets: [c.httpAddress] }], authorization: { ...job.authorization, credentials_file: join(dir, 'vigil-metrics-token') } };
    const { authorization: _, ...withoutToken } = { ...withToken, job_name: 'no-token' };
    const prometheus = await startPrometheus(dir, stringify({ global: { scrape_interval: '1s' }, scrape_configs: [withToken, withoutToken] }));
    try {
      let up: Record<string, string> = {};
      for (let i = 0; i < 60 && Object.keys(up).length < 2; i++) {
        await new Promise((r) => setTimeout(r, 250));
        up = Object.fromEntries((await queryInstant(prometheus.url, 'up')).series.map((s) => [s.metric.job!, s.values[0]![1]]));
      }
      expect(up).toEqual({ 'vigil-collector': '1', 'no-token': '0' });
    } finally {
      await prometheus.stop();
    }
  }, 60_000);
});
