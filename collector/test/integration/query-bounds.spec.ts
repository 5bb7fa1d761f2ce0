// GET /api/query against a real collector on a real SQLite file holding one long series: a range
// over MAX_QUERY_POINTS answers 400 with what to do instead, and neither refused nor allowed large
// reads, four at a time, hold the event loop: /healthz keeps answering.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { buildConfig } from '../../src/config/config.loader.js';
import { startCollector, type RunningCollector } from '../../src/app.js';
import { SqliteSampleStore } from '../../src/storage/sqlite-sample-store.js';
import { MAX_QUERY_POINTS } from '../../src/query/query.dto.js';

/** Points of the long series (one per second). */
const POINTS = Number(process.env.QUERY_BOUNDS_POINTS ?? 400_000);
const BATCH = 50_000;

describe('GET /api/query bounds', () => {
  let dir: string;
  let collector: RunningCollector;
  let base: string;
  let seriesId: number;
  const t0 = Date.parse('2026-11-01T00:00:00Z');

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-query-bounds-'));
    const config = buildConfig({ storage: { path: join(dir, 'vigil.db') }, listen: { grpc: '127.0.0.1:0', http: '127.0.0.1:0' } });
    collector = await startCollector({ config, logLevels: false });
    base = `http://${collector.httpAddress}`;
    const store = collector.store as SqliteSampleStore;
    for (let seq = 1; seq * BATCH <= POINTS; seq++) {
      const first = (seq - 1) * BATCH;
      const timestamps = Array.from({ length: BATCH }, (_, i) => t0 + (first + i) * 1000);
      const values = timestamps.map((_, i) => (first + i) % 97);
      await store.append({ agentId: 'agent-1', epoch: 'e1', seq, series: [{ metric: 'vigil_load1', labels: { agent: 'agent-1', host: 'h1' }, kind: 'gauge', timestamps, values }] });
    }
    await store.compact();
    [{ id: seriesId }] = (await store.findSeries({ metric: 'vigil_load1' })) as [{ id: number }];
  }, 120_000);

  afterAll(async () => {
    await collector?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const range = (fromIndex: number, count: number) => `${base}/api/query?series=${seriesId}&from=${t0 + fromIndex * 1000}&to=${t0 + (fromIndex + count - 1) * 1000}`;

  it('returns exactly MAX_QUERY_POINTS points and refuses one more with a 400 that says what to do', async () => {
    const allowed = await fetch(range(1000, MAX_QUERY_POINTS));
    expect(allowed.status).toBe(200);
    const body = (await allowed.json()) as { points: [number, number][] };
    expect(body.points.length).toBe(11_000);
    expect(body.points[0]).toEqual([t0 + 1000_000, 1000 % 97]);

    const over = await fetch(range(1000, MAX_QUERY_POINTS + 1));
    expect(over.status).toBe(400);
    const from = t0 + 1000_000;
    const to = from + MAX_QUERY_POINTS * 1000;
    expect(await over.json()).toEqual({
      error: 'invalid request',
      issues: [`from: series ${seriesId} has more than 11000 points from ${from} to ${to}; narrow the range (from, to) or read /api/rollups?series=${seriesId}&step=1m (or 1h)`],
    });
    // The whole series: refused the same way.
    expect((await fetch(range(0, POINTS))).status).toBe(400);
  });

  it('keeps the event loop free while four large reads run: /healthz answers within 200 ms', async () => {
    const delay = monitorEventLoopDelay({ resolution: 5 });
    const healthz: number[] = [];
    let running = true;
    const probe = (async () => {
      while (running) {
        const started = performance.now();
        expect((await fetch(`${base}/healthz`)).status).toBe(200);
        healthz.push(performance.now() - started);
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    delay.enable();
    const started = performance.now();
    const statuses: number[] = [];
    for (let round = 0; round < 3; round++) {
      // Two allowed reads of the largest size and two refused reads of the whole series, in parallel.
      const answers = await Promise.all([range(0, MAX_QUERY_POINTS), range(POINTS - MAX_QUERY_POINTS, MAX_QUERY_POINTS), range(0, POINTS), range(5, POINTS - 10)].map((u) => fetch(u).then(async (r) => (await r.arrayBuffer(), r.status))));
      statuses.push(...answers);
    }
    const elapsed = performance.now() - started;
    delay.disable();
    running = false;
    await probe;
    const maxDelayMs = delay.max / 1e6;
    console.log(`4 parallel reads x 3 rounds in ${elapsed.toFixed(0)} ms; event-loop delay max ${maxDelayMs.toFixed(1)} ms, p99 ${(delay.percentile(99) / 1e6).toFixed(1)} ms; /healthz max ${Math.max(...healthz).toFixed(1)} ms over ${healthz.length} calls`);
    expect(statuses).toEqual([200, 200, 400, 400, 200, 200, 400, 400, 200, 200, 400, 400]);
    expect(healthz.length).toBeGreaterThan(0);
    expect(Math.max(...healthz)).toBeLessThan(200);
    expect(maxDelayMs).toBeLessThan(100);
  }, 60_000);
});
