// A real Prometheus (Debian) scraping a test target every second and remote-writing to a real
// collector process with the sender's own agent token (auth.agent_token_map names the sender:
// Debian's Prometheus 2.42 does not send remote_write `headers`, so X-Vigil-Sender cannot be used). The collector is killed with SIGKILL in
// the middle of the run and started again on the same port: Prometheus retries what failed. At
// the end, every series holds in Vigil exactly the samples Prometheus holds itself over the range,
// same timestamps, none twice.
//
// Needs `npm run build` first. Installs the Debian package `prometheus` when missing; skips with a
// printed reason when it cannot, except under CI=true where it fails.
import { afterAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { freePort, requirePrometheusTools, startPrometheus, type RunningPrometheus } from '../dashboards/testing/prometheus.js';
import { getJson, sleep, startCollectorProcess, waitFor, type RunningCollectorProcess } from './support/vigil-processes.js';

const TOKEN = 'e2e-prom-token-0001';
const SENDER = 'e2e-prom';
const SERIES = 5;
const tools = requirePrometheusTools('e2e/receivers-prometheus.spec.ts');

interface SeriesRef {
  id: number;
  labels: Record<string, string>;
}

/** Counters that grow at every scrape, one series per `n`. */
async function startTarget(): Promise<Server> {
  let scrapes = 0;
  const server = createServer((_req, res) => {
    scrapes++;
    const lines = ['# TYPE e2e_requests_total counter'];
    for (let n = 0; n < SERIES; n++) lines.push(`e2e_requests_total{n="${n}"} ${scrapes * (n + 1)}`);
    res.setHeader('Content-Type', 'text/plain; version=0.0.4');
    res.end(`${lines.join('\n')}\n`);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

describe.runIf(tools.available)('Prometheus remote_write → collector (killed and restarted)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-rw-'));
  let target: Server | undefined;
  let prometheus: RunningPrometheus | undefined;
  let collector: RunningCollectorProcess | undefined;

  afterAll(async () => {
    await prometheus?.stop();
    await collector?.stop('SIGKILL');
    target?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const startVigil = async (http: string) => {
    const config = join(dir, 'collector.yaml');
    writeFileSync(config, `auth:\n  agent_token_map:\n    ${SENDER}: ${TOKEN}\n`);
    collector = await startCollectorProcess(['--config', config, '--db', join(dir, 'vigil.db'), '--grpc-listen', '127.0.0.1:0', '--http-listen', http]);
    return collector;
  };

  /** Vigil's timestamps of each series (by `n`) within [from, to]. */
  async function vigilSamples(http: string, from: number, to: number): Promise<Map<string, number[]>> {
    const out = new Map<string, number[]>();
    for (const s of await getJson<SeriesRef[]>(http, `/api/series?metric=e2e_requests_total&agent=remote_write:${SENDER}`)) {
      const { points } = await getJson<{ points: [number, number][] }>(http, `/api/query?series=${s.id}&from=${from}&to=${to}`);
      out.set(s.labels.n!, points.map(([t]) => t));
    }
    return out;
  }

  /** Prometheus' own raw samples of each series within [from, to] (a range selector at `to`). */
  async function prometheusSamples(from: number, to: number): Promise<Map<string, number[]>> {
    const seconds = Math.ceil((to - from) / 1000);
    const url = `${prometheus!.url}/api/v1/query?query=${encodeURIComponent(`e2e_requests_total[${seconds}s]`)}&time=${to / 1000}`;
    const body = (await (await fetch(url)).json()) as { data: { result: Array<{ metric: Record<string, string>; values: [number, string][] }> } };
    return new Map(body.data.result.map((r) => [r.metric.n!, r.values.map(([t]) => Math.round(t * 1000)).filter((t) => t >= from)]));
  }

  /** On a failure, what Prometheus and the collector said. */
  const explain = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      throw new Error(`${(error as Error).message}\n--- prometheus ---\n${prometheus?.log().slice(-3_000) ?? ''}\n${collector?.tail() ?? ''}`);
    }
  };

  it('stores each scraped sample once, across a collector crash', { timeout: 120_000 }, () => explain(async () => {
    target = await startTarget();
    const http = `127.0.0.1:${await freePort()}`;
    await startVigil(http);
    const config = [
      'global: { scrape_interval: 1s, evaluation_interval: 1s }',
      'scrape_configs:',
      `  - { job_name: shop, static_configs: [ { targets: ['127.0.0.1:${(target.address() as AddressInfo).port}'] } ] }`,
      'remote_write:',
      `  - url: http://${http}/api/v1/write`,
      `    authorization: { credentials: ${TOKEN} }`,
      '    queue_config: { batch_send_deadline: 500ms, min_backoff: 100ms, max_backoff: 1s }',
      '',
    ].join('\n');
    prometheus = await startPrometheus(dir, config);
    const started = Date.now();
    await waitFor('first samples in Vigil', async () => ((await vigilSamples(http, 0, Date.now() + 60_000)).size === SERIES ? true : undefined), 30_000);

    await sleep(4_000);
    await collector!.stop('SIGKILL');
    await sleep(5_000); // Prometheus keeps scraping; its sends fail and are retried
    await startVigil(http);
    await sleep(6_000);

    const from = started;
    const to = Date.now() - 2_000;
    const expected = await prometheusSamples(from, to);
    expect(expected.size).toBe(SERIES);
    // Wait until Vigil caught up with the backlog, then a little longer so a duplicate would show.
    await waitFor('Vigil to hold Prometheus samples', async () => {
      const got = await vigilSamples(http, from, to);
      return [...expected].every(([n, ts]) => (got.get(n)?.length ?? 0) >= ts.length) ? true : undefined;
    }, 30_000);
    await sleep(2_000);
    const got = await vigilSamples(http, from, to);
    for (const [n, ts] of expected) {
      expect(ts.length).toBeGreaterThan(12);
      expect(got.get(n), `series n=${n}`).toEqual(ts);
    }
    // The outage was real for Prometheus: it retried sends.
    const own = await (await fetch(`${prometheus!.url}/metrics`)).text();
    expect(Number(/^prometheus_remote_storage_samples_retried_total\{[^}]*\} (\S+)$/m.exec(own)?.[1])).toBeGreaterThan(0);
    const agents = await getJson<Array<{ id: string; kind: string; connected: boolean }>>(http, '/api/agents');
    expect(agents).toContainEqual(expect.objectContaining({ id: `remote_write:${SENDER}`, kind: 'remote_write', connected: true }));
    const metrics = await (await fetch(`http://${http}/metrics`)).text();
    expect(metrics).toMatch(/vigil_receiver_requests_total\{receiver="remote_write",code="204"\} \d+/);
  }));
});
