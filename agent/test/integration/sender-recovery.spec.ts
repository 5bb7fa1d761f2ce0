// The sender against a real gRPC server on 127.0.0.1: how soon it reconnects after a long outage, and how it
// reports the collector's rejections.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RejectReason } from '@vigil/proto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import type { ClosedBatch } from '../../src/pipeline/batcher.js';
import { ReasonCounter } from '../../src/pipeline/types.js';
import type { SenderOptions } from '../../src/transport/sender.js';
import { FakeCollector } from '../support/fake-collector.mjs';
import { openTestSender } from '../support/test-sender.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function batch(n: number): ClosedBatch {
  return { createdMs: Date.now(), sampleCount: 2, series: [{ metric: 'vigil_test_value', labels: { n: String(n) }, type: 0, timestampsMs: [1_764_000_000_000, 1_764_000_001_000], values: [n, n] }] };
}

describe('sender recovery', () => {
  let dir: string;
  let collector: FakeCollector;
  let stops: (() => Promise<unknown>)[] = [];

  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-sender-'));
  });
  afterEach(async () => {
    for (const stop of stops.reverse()) await stop();
    stops = [];
    await collector?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function pipeline(options: Partial<SenderOptions>) {
    const { spool, sender, close } = await openTestSender(dir, { collectors: [collector.address], ...options }, 1 << 20);
    stops.push(close);
    return { spool, sender };
  }

  it('reconnects within its own backoff cap after a long outage: gRPC\'s channel backoff does not add to it', async () => {
    collector = new FakeCollector({ token: 'secret' });
    await collector.start();
    const capMs = 200;
    const { sender } = await pipeline({ backoff: { initialMs: 50, maxMs: capMs }, healthyAfterMs: 100 });
    sender.start();
    await collector.waitFor(() => sender.connections === 1, 5000, 'the first connection');
    const port = collector.port;
    await collector.stop();
    // Long enough for a gRPC channel's own reconnect backoff (0.5 s × 1.6^n, ±20 %) to be between attempts
    // of more than a second when the collector comes back.
    await sleep(9_700);
    expect(sender.connections).toBe(1);
    const back = Date.now();
    await collector.start(port);
    await collector.waitFor(() => sender.connections === 2, 10_000, 'the reconnection');
    const tookMs = Date.now() - back;
    expect(tookMs).toBeLessThan(capMs + 500);
  }, 30_000);

  it('counts every rejection by reason and logs each whole-batch one; partial ones once a minute per reason', async () => {
    collector = new FakeCollector({
      token: 'secret',
      reject: (b: { seq: number }) =>
        b.seq % 3 === 0
          ? { reason: RejectReason.REJECT_REASON_MALFORMED_SERIES, detail: 'no series', rejectedSamples: 2, wholeBatch: true }
          : { reason: RejectReason.REJECT_REASON_INVALID_LABEL, detail: 'label too long', rejectedSamples: 1, wholeBatch: false },
    });
    await collector.start();
    const lines: string[] = [];
    const rejections = new ReasonCounter();
    const { spool, sender } = await pipeline({ rejections, logger: createLogger('info', (l) => lines.push(l)) });
    for (let n = 1; n <= 9; n++) await spool.append(batch(n));
    sender.start();
    expect(await sender.drain(5000)).toBe(true);
    expect([...rejections.entries()].sort()).toEqual([['invalid_label', 6], ['malformed_series', 3]]);
    expect(spool.dropped.get('rejected')).toBe(3);
    const whole = lines.filter((l) => l.includes('collector rejected a whole batch; dropping it'));
    expect(whole.map((l) => / seq=(\d+)/.exec(l)?.[1])).toEqual(['3', '6', '9']);
    expect(whole[0]).toContain('reason=malformed_series samples=2 detail="no series"');
    const partial = lines.filter((l) => l.includes('collector rejected part of a batch'));
    expect(partial).toHaveLength(1);
    expect(partial[0]).toContain('seq=1 reason=invalid_label samples=1 detail="label too long"');
  });
});
