// The sender with several collector endpoints, against real gRPC servers on 127.0.0.1 and ::1: it moves to the
// next endpoint when the current one dies, a host name counts once per address it resolves to, and every batch
// is delivered to one of them, in sequence, with nothing missing.
import { lookup as systemDnsLookup } from 'node:dns/promises';
import { status } from '@grpc/grpc-js';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import type { ClosedBatch } from '../../src/pipeline/batcher.js';
import type { LookupAll } from '../../src/transport/endpoints.js';
import type { SenderOptions } from '../../src/transport/sender.js';
import { FakeCollector } from '../support/fake-collector.mjs';
import { openTestSender } from '../support/test-sender.js';

// A long backoff: a failover that waited for it instead of moving on at once would miss the deadlines below.
const TRANSPORT = { backoff: { initialMs: 5_000, maxMs: 5_000 }, healthyAfterMs: 100, welcomeTimeoutMs: 2_000 };
/** What this machine's resolver returns for localhost; the system-resolver case runs where it is both loopbacks. */
const LOCALHOST = (await systemDnsLookup('localhost', { all: true })).map((a) => a.address).sort();
const LOCALHOST_IS_DUAL = LOCALHOST.join(',') === '127.0.0.1,::1';
if (!LOCALHOST_IS_DUAL) console.log(`SKIPPED: localhost resolves to ${LOCALHOST.join(', ')} here, not 127.0.0.1 and ::1; the system-resolver case needs both`);

function batch(n: number): ClosedBatch {
  return { createdMs: Date.now(), sampleCount: 1, series: [{ metric: 'vigil_test_value', labels: { n: String(n) }, type: 0, timestampsMs: [1_764_000_000_000 + n], values: [n] }] };
}

describe('sender failover between collectors', () => {
  let dir: string;
  let first: FakeCollector;
  let second: FakeCollector;
  const cleanups: (() => Promise<unknown>)[] = [];

  beforeEach(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-failover-'));
    // One port on both loopbacks: the two addresses a name such as localhost can stand for.
    first = new FakeCollector({ token: 'secret', host: '127.0.0.1' });
    const port = await first.start();
    second = new FakeCollector({ token: 'secret', host: '::1' });
    await second.start(port);
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    await Promise.all([first.stop(), second.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  async function pipeline(options: Pick<SenderOptions, 'collectors'> & Partial<SenderOptions>) {
    const lines: string[] = [];
    const { spool, sender, close } = await openTestSender(dir, { heartbeatIntervalMs: 100, logger: createLogger('debug', (line) => lines.push(line)), ...TRANSPORT, ...options });
    cleanups.push(close);
    return { spool, sender, lines };
  }

  /** Appends batches 1..total, the second half after the first collector died; checks who got what. */
  async function killFirstMidStream(options: Pick<SenderOptions, 'collectors'> & Partial<SenderOptions>) {
    const { spool, sender, lines } = await pipeline(options);
    sender.start();
    const total = 30;
    for (let n = 1; n <= 15; n++) await spool.append(batch(n));
    await first.waitFor(() => first.seqsOf(spool.agentId).length === 15, 5_000, 'the first half at the first collector');
    expect(sender.collector).toMatchObject({ target: first.address });
    const killedAt = Date.now();
    await first.stop();
    for (let n = 16; n <= total; n++) await spool.append(batch(n));
    await second.waitFor(() => second.stored.size > 0 && Math.max(...second.seqsOf(spool.agentId)) === total, 3_000, 'the rest at the second collector');
    const tookMs = Date.now() - killedAt;
    // Everything acked is stored exactly once across both, with no gap; a batch in flight at the crash may be in both.
    const stored = new Set([...first.seqsOf(spool.agentId), ...second.seqsOf(spool.agentId)]);
    expect([...stored].sort((a, b) => a - b)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    expect(second.seqsOf(spool.agentId)[0]).toBeLessThanOrEqual(16);
    expect(sender.failovers).toBe(1);
    expect(sender.collector).toMatchObject({ target: second.address });
    await sender.drain(2_000);
    expect(spool.pendingBatches).toBe(0);
    return { tookMs, lines };
  }

  it('a host name resolving to 127.0.0.1 and ::1 is two endpoints: the agent moves to ::1 when 127.0.0.1 dies', async () => {
    const calls: string[] = [];
    const dualStack: LookupAll = async (host) => {
      calls.push(host);
      return host === 'collectors.test' ? [{ address: '127.0.0.1' }, { address: '::1' }] : Promise.reject(new Error(`ENOTFOUND ${host}`));
    };
    const { tookMs, lines } = await killFirstMidStream({ collectors: [`collectors.test:${first.port}`], lookup: dualStack });
    expect(tookMs).toBeLessThan(2_000);
    expect(lines.filter((l) => l.includes('connected to collector'))).toEqual([
      expect.stringContaining(`connected to collector 127.0.0.1:${first.port} (1 of 2) collector=collectors.test:${first.port}`),
      expect.stringContaining(`connected to collector [::1]:${first.port} (2 of 2) collector=collectors.test:${first.port}`),
    ]);
    // Resolved once: the switch to the second address is within one round (names are resolved again per round).
    expect(calls).toEqual(['collectors.test']);
  });

  it('a list of addresses: the agent moves to the next one at once, without waiting for its backoff', async () => {
    const { tookMs } = await killFirstMidStream({ collectors: [first.address, second.address] });
    expect(tookMs).toBeLessThan(2_000);
  });

  it('starts on the second address when the first is down, at once', async () => {
    await first.stop();
    const { spool, sender, lines } = await pipeline({ collectors: [first.address, second.address] });
    const started = Date.now();
    sender.start();
    await spool.append(batch(1));
    await second.waitFor(() => second.seqsOf(spool.agentId).length === 1, 2_000, 'the batch at the second collector');
    expect(Date.now() - started).toBeLessThan(2_000);
    // Connecting first to the second endpoint is no switch.
    expect(sender.failovers).toBe(0);
    expect(lines.some((l) => l.includes(`collector connection lost; reconnecting collector=${first.address}`) && l.includes('retry_in_ms=0'))).toBe(true);
  });

  it('ALREADY_EXISTS (that collector still holds our earlier stream) retries the same collector, with backoff, no failover', async () => {
    await first.stop();
    const busy = { code: status.ALREADY_EXISTS, details: 'agent already has a live stream; refusing this one' };
    first = new FakeCollector({ token: 'secret', host: '127.0.0.1', refuseHellos: [busy, busy] });
    await first.start(second.port);
    const { spool, sender, lines } = await pipeline({ collectors: [first.address, second.address], backoff: { initialMs: 100, maxMs: 100, random: () => 1 } });
    sender.start();
    await spool.append(batch(1));
    await first.waitFor(() => first.seqsOf(spool.agentId).length === 1, 3_000, 'the batch at the first collector');
    expect(first.hellos).toHaveLength(3);
    expect(second.hellos).toHaveLength(0);
    expect(lines.filter((l) => l.includes('collector still holds an earlier stream of this agent; retrying'))).toEqual([
      expect.stringContaining(`collector=${first.address} code=ALREADY_EXISTS`),
      expect.stringContaining(`collector=${first.address} code=ALREADY_EXISTS`),
    ]);
    expect(lines.filter((l) => l.includes('retry_in_ms=100'))).toHaveLength(2);
    expect(sender.failovers).toBe(0);
  });

  it.runIf(LOCALHOST_IS_DUAL)('localhost, resolved by this machine, reaches the collector on ::1 once the one on 127.0.0.1 died', async () => {
    await killFirstMidStream({ collectors: [`localhost:${first.port}`] });
  });
});
