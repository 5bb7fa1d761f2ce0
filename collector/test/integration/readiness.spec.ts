// /readyz of a real collector on a real SQLite file: not ready (503 with the reason) while storage
// refuses writes, ready again by itself once writes work (the store's probe write, no agent needed).
import { afterEach, describe, expect, it } from 'vitest';
import { hostname } from 'node:os';
import { status } from '@grpc/grpc-js';
import type { RunningCollector, StartOptions } from '../../src/app.js';
import { ManualClock } from '../../src/common/clock.js';
import { SqliteSampleStore } from '../../src/storage/sqlite-sample-store.js';
import { OVERLOAD_GRACE_MS } from '../../src/storage/write-health.js';
import { gauge } from '../support/test-agent.js';
import { fillDatabase, freeDatabase, TempCollector } from '../support/temp-collector.js';

const TOKEN = 'agent-token-1';

describe('/readyz and storage writes', () => {
  const harness = new TempCollector('vigil-readiness-', TOKEN);
  const start = (store: StartOptions['store']) => harness.start(store);
  const agent = (c: RunningCollector) => harness.agent(c);
  const readyz = async (c: RunningCollector) => {
    const res = await fetch(`http://${c.httpAddress}/readyz`);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  async function until(check: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error('condition not met in time');
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  afterEach(() => harness.cleanup());

  it('answers 503 while the database file is full, and 200 again by itself once there is room', async () => {
    const c = await start((db) => SqliteSampleStore.open(db, { writeProbeMs: 200 }));
    expect(await readyz(c)).toEqual({ status: 200, body: { status: 'ready', role: 'leader', replica: `${hostname()}:${process.pid}` } });
    const a = agent(c);
    await a.until(() => a.welcome !== undefined);
    await fillDatabase(c.database);
    a.batch(1, [gauge('vigil_load1', {}, Date.now() - 5_000_000, Array.from({ length: 5000 }, (_, i) => i))]);
    await a.until(() => a.error !== undefined);
    expect(a.error!.code).toBe(status.UNAVAILABLE);

    const full = await readyz(c);
    expect(full.status).toBe(503);
    expect(full.body).toEqual({ error: 'not ready', message: 'storage cannot write: disk full, failing or read-only (SQLITE_FULL)', status: 'not ready', reason: 'storage cannot write: disk full, failing or read-only (SQLITE_FULL)', since: expect.stringMatching(/^\d{4}-/) });
    // The probe writes keep failing while the file is full: still not ready a few probes later.
    await new Promise((r) => setTimeout(r, 700));
    expect((await readyz(c)).status).toBe(503);
    expect(await c.store.countSamples()).toBe(0);

    await freeDatabase(c.database);
    await until(async () => (await readyz(c)).status === 200);
    expect(await readyz(c)).toEqual({ status: 200, body: { status: 'ready', role: 'leader', replica: `${hostname()}:${process.pid}` } });
    // The probe left nothing behind.
    expect(await c.store.countSamples()).toBe(0);
    expect(await c.database.get('SELECT count(*) AS n FROM sample_log')).toEqual({ n: 0 });
  });

  it('answers 503 when the store stays overloaded past the grace period, and 200 once the log is compacted', async () => {
    const clock = new ManualClock(Date.now());
    const c = await start((db) => SqliteSampleStore.open(db, { clock, maxLogSamples: 2, compaction: { auto: false }, writeProbeMs: 100 }));
    const store = c.store as SqliteSampleStore;
    const a = agent(c);
    const t = Date.now() - 10_000;
    a.batch(1, [gauge('vigil_load1', {}, t, [1, 2])]);
    a.batch(2, [gauge('vigil_load1', {}, t + 2000, [3])]);
    await a.until(() => a.error !== undefined);
    expect(a.error!.details).toBe('storage overloaded (log_full), retry later');
    // Back-pressure for a moment is not unreadiness.
    expect((await readyz(c)).status).toBe(200);
    clock.advance(OVERLOAD_GRACE_MS);
    expect(await readyz(c)).toEqual({
      status: 503,
      body: { error: 'not ready', message: 'storage overloaded (log_full): storage log full: 2 samples await compaction, limit 2', status: 'not ready', reason: 'storage overloaded (log_full): storage log full: 2 samples await compaction, limit 2', since: new Date(clock.now() - OVERLOAD_GRACE_MS).toISOString() },
    });
    await store.compact();
    await until(async () => (await readyz(c)).status === 200);
  });

  it('answers 503 once the store is closed', async () => {
    const c = await start(undefined);
    await c.store.close();
    expect(await readyz(c)).toEqual({ status: 503, body: { error: 'not ready', message: 'storage closed (collector shutting down)', status: 'not ready', reason: 'storage closed (collector shutting down)', since: expect.any(String) } });
  });
});
