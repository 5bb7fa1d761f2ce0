// Series references between the real sender (and its spool) and a real gRPC server: the old contract (v1.0, no
// references offered) gets full series; a collector offering references gets each series defined once per
// stream; a batch whose references the collector cannot resolve is resent in full.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RejectReason, seriesKey, type vigil } from '@vigil/proto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ClosedBatch } from '../../src/pipeline/batcher.js';
import { Spool } from '../../src/pipeline/spool.js';
import { ReasonCounter } from '../../src/pipeline/types.js';
import { Sender } from '../../src/transport/sender.js';
import { FakeCollector, type FakeCollectorOptions, type ReceivedBatch } from '../support/fake-collector.mjs';

const T0 = 1_764_000_000_000;
const SERIES: Array<[string, Record<string, string>]> = [
  ['vigil_load1', {}],
  ['vigil_cpu_seconds_total', { cpu: '0', mode: 'user' }],
  ['vigil_filesystem_used_ratio', { mountpoint: '/', fstype: 'ext4' }],
];

/** Batch n: one sample of every series at T0 + n s, value n + i/10. */
function batch(n: number): ClosedBatch {
  const series = SERIES.map(([metric, labels], i) => ({ metric, labels, type: 0, timestampsMs: [T0 + n * 1000], values: [n + i / 10] }));
  return { createdMs: Date.now(), sampleCount: series.length, series };
}

/** Every sample as "series ts value", sorted: what was sent must be what arrived. */
function samplesOf(series: vigil.v1.ISeries[]): string[] {
  return series.flatMap((s) => (s.values ?? []).map((v, i) => `${seriesKey(s.metric ?? '', s.labels ?? {})} ${Number(s.timestampsMs![i])} ${v}`)).sort();
}
const expected = (ns: number[]) => samplesOf(ns.flatMap((n) => batch(n).series));
const received = (batches: ReceivedBatch[]) => samplesOf(batches.flatMap((b) => b.series));

describe('series references on the wire', () => {
  let dir: string;
  let collector: FakeCollector;
  let stops: (() => Promise<unknown>)[] = [];

  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-refs-'));
  });
  afterEach(async () => {
    for (const stop of stops.reverse()) await stop();
    stops = [];
    await collector?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function start(options: FakeCollectorOptions) {
    collector = new FakeCollector({ token: 'secret', ...options });
    await collector.start();
    const spool = await Spool.open({ dir: path.join(dir, 'spool'), maxBytes: 1 << 20, maxAgeMs: 86_400_000 });
    const rejected = new ReasonCounter();
    const rejections = new ReasonCounter();
    const sender = new Sender({
      collectors: [collector.address], token: 'secret', tls: { enabled: false }, spool, rejected, rejections, heartbeatIntervalMs: 1000,
      backoff: { initialMs: 50, maxMs: 200 },
      hello: { agentId: spool.agentId, hostname: 'test', version: '0.0.0', labels: {}, streamEpoch: spool.streamEpoch, intervalMs: 1000, inventory: {} },
    });
    stops.push(() => sender.stop(), () => spool.close());
    return { spool, sender, rejected, rejections };
  }

  it('sends full series to a collector of the v1.0 contract (its Welcome offers no references); every sample arrives', async () => {
    const { spool, sender, rejected } = await start({ wire: 'v1-0' });
    for (let n = 1; n <= 4; n++) await spool.append(batch(n));
    sender.start();
    expect(await sender.drain(5000)).toBe(true);
    expect(collector.seqsOf(spool.agentId)).toEqual([1, 2, 3, 4]);
    // Decoded with the v1.0 schema: anything sent by reference would be missing here.
    expect(received(collector.batches)).toEqual(expected([1, 2, 3, 4]));
    expect(collector.batches.every((b) => b.series.length === SERIES.length)).toBe(true);
    expect(rejected.total()).toBe(0);
  });

  it('defines each series once per stream and then sends numbers; after a reconnect the replay defines them again', async () => {
    const { spool, sender, rejections } = await start({ seriesRefs: 1000 });
    for (let n = 1; n <= 3; n++) await spool.append(batch(n));
    sender.start();
    expect(await sender.drain(5000)).toBe(true);
    expect(collector.batches.map((b) => [b.seq, b.definitions, b.referenced])).toEqual([[1, 3, 3], [2, 0, 3], [3, 0, 3]]);
    expect(received(collector.batches)).toEqual(expected([1, 2, 3]));

    const port = collector.port;
    await collector.stop();
    for (let n = 4; n <= 5; n++) await spool.append(batch(n));
    await collector.start(port);
    expect(await sender.drain(5000)).toBe(true);
    expect(sender.connections).toBe(2);
    expect(collector.batches.slice(3).map((b) => [b.seq, b.definitions, b.referenced])).toEqual([[4, 3, 3], [5, 0, 3]]);
    expect(received(collector.batches)).toEqual(expected([1, 2, 3, 4, 5]));
    expect(rejections.total()).toBe(0);
  });

  it('resends a batch whose references the collector cannot resolve in full, under a new seq, and sends full series from then on', async () => {
    let refused = false;
    const { spool, sender, rejected, rejections } = await start({
      seriesRefs: 1000,
      reject: (b: vigil.v1.Batch) => {
        if (Number(b.seq) !== 2 || refused) return undefined;
        refused = true;
        return { reason: RejectReason.REJECT_REASON_SERIES_REFS, detail: 'sample 0 references series 2, which this stream has not defined', rejectedSamples: 3, wholeBatch: true };
      },
    });
    await spool.append(batch(1));
    await spool.append(batch(2));
    sender.start();
    expect(await sender.drain(5000)).toBe(true);
    await spool.append(batch(3));
    expect(await sender.drain(5000)).toBe(true);
    expect(collector.batches.map((b) => [b.seq, b.definitions, b.referenced])).toEqual([[1, 3, 3], [2, 0, 3], [3, 0, 0], [4, 0, 0]]);
    // Seq 2 was refused as a whole; its samples arrived again as seq 3.
    expect(received(collector.batches.filter((b) => b.seq !== 2))).toEqual(expected([1, 2, 3]));
    expect([...rejections.entries()]).toEqual([['series_refs', 1]]);
    expect(rejected.total()).toBe(0);
    expect(spool.dropped.total()).toBe(0);
  });
});
