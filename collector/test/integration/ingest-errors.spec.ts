// Storage errors over real gRPC into a real collector on a real SQLite file: a permanent input error
// is answered with a whole-batch Rejection and an ack; overload and a full disk end the stream with
// UNAVAILABLE and no ack, and the batch is stored once when it is resent.
import { afterEach, describe, expect, it } from 'vitest';
import { status } from '@grpc/grpc-js';
import { RejectReason } from '@vigil/proto';
import type { RunningCollector, StartOptions } from '../../src/app.js';
import { SqliteSampleStore } from '../../src/storage/sqlite-sample-store.js';
import { StorageInputError } from '../../src/storage/storage.errors.js';
import { failingAppends } from '../support/faulty-store.js';
import { gauge } from '../support/test-agent.js';
import { fillDatabase, freeDatabase, TempCollector } from '../support/temp-collector.js';

const TOKEN = 'agent-token-1';

describe('storage errors at the ingest stream', () => {
  const harness = new TempCollector('vigil-ingest-errors-', TOKEN);
  const start = (store: StartOptions['store']) => harness.start(store);
  const agent = (c: RunningCollector) => harness.agent(c);
  const metrics = async (c: RunningCollector) => (await fetch(`http://${c.httpAddress}/metrics`)).text();
  const t0 = () => Date.now() - 10_000;

  afterEach(() => harness.cleanup());

  it('rejects a batch the store refuses as input whole, acks it, and keeps the stream', async () => {
    const c = await start(async (db) =>
      failingAppends(await SqliteSampleStore.open(db), (b) => (b.seq === 2 ? new StorageInputError(`batch 2 of agent ${b.agentId}, series[0] vigil_load1: 1 timestamps but 2 values`) : undefined)),
    );
    const a = agent(c);
    const t = t0();
    a.batch(1, [gauge('vigil_load1', {}, t, [1])]);
    a.batch(2, [gauge('vigil_load1', {}, t + 1000, [2, 3])]);
    a.batch(3, [gauge('vigil_load1', {}, t + 3000, [4])]);
    await a.until(() => a.acks.includes(3));
    expect(a.error).toBeUndefined();
    expect(a.acks).toEqual([1, 2, 3]);
    expect(a.rejections).toEqual([
      expect.objectContaining({ reason: RejectReason.REJECT_REASON_MALFORMED_SERIES, wholeBatch: true, rejectedSamples: 2, detail: 'batch 2 of agent agent-1, series[0] vigil_load1: 1 timestamps but 2 values' }),
    ]);
    expect(Number(a.rejections[0]!.seq)).toBe(2);
    expect(await c.store.countSamples()).toBe(2);
    const text = await metrics(c);
    expect(text).toContain('vigil_ingest_rejected_samples_total{reason="malformed_series"} 2');
    expect(text).toContain('vigil_ingest_batches_total{outcome="rejected"} 1');
    expect(text).not.toContain('vigil_ingest_rejected_streams_total{reason=');
  });

  it('ends the stream with UNAVAILABLE when the store is overloaded, and stores the resent batch once', async () => {
    // A log of at most 2 samples that nothing compacts until the test says so: the second batch overloads it.
    const c = await start((db) => SqliteSampleStore.open(db, { maxLogSamples: 2, compaction: { auto: false } }));
    const store = c.store as SqliteSampleStore;
    const t = t0();
    const first = agent(c);
    first.batch(1, [gauge('vigil_load1', {}, t, [1, 2])]);
    first.batch(2, [gauge('vigil_load1', {}, t + 2000, [3])]);
    await first.until(() => first.error !== undefined);
    expect(first.acks).toEqual([1]);
    expect(first.rejections).toEqual([]);
    expect(first.error!.code).toBe(status.UNAVAILABLE);
    expect(first.error!.details).toBe('storage overloaded (log_full), retry later');
    expect(await metrics(c)).toContain('vigil_ingest_rejected_streams_total{reason="storage_overloaded"} 1');

    await store.compact();
    const again = agent(c);
    await again.until(() => again.welcome !== undefined);
    expect(Number(again.welcome!.lastStoredSeq)).toBe(1);
    again.batch(2, [gauge('vigil_load1', {}, t + 2000, [3])]);
    await again.until(() => again.acks.includes(2));
    expect(await store.countSamples()).toBe(3);
  });

  it('ends the stream with UNAVAILABLE on a full database, and stores the resent batch once space is back', async () => {
    const c = await start(undefined);
    const first = agent(c);
    await first.until(() => first.welcome !== undefined);
    await fillDatabase(c.database);
    const t = t0();
    const big = () => gauge('vigil_load1', {}, t - 5_000_000, Array.from({ length: 5000 }, (_, i) => i));
    first.batch(1, [big()]);
    await first.until(() => first.error !== undefined);
    expect(first.acks).toEqual([]);
    expect(first.error!.code).toBe(status.UNAVAILABLE);
    expect(first.error!.details).toBe('storage cannot write (disk full, failing or read-only), retry later');
    expect(await metrics(c)).toContain('vigil_ingest_rejected_streams_total{reason="storage_full"} 1');
    expect(await c.store.countSamples()).toBe(0);

    await freeDatabase(c.database);
    const again = agent(c);
    again.batch(1, [big()]);
    await again.until(() => again.acks.includes(1));
    expect(await c.store.countSamples()).toBe(5000);
  });
});
