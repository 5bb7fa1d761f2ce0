// The agent pipeline against a real gRPC server speaking vigil.v1 on 127.0.0.1 (test/support/fake-collector.mjs).
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RejectReason } from '@vigil/proto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startAgent, type RunningAgent } from '../../src/agent.js';
import { loadConfig } from '../../src/config/config.loader.js';
import type { ClosedBatch } from '../../src/pipeline/batcher.js';
import { Spool } from '../../src/pipeline/spool.js';
import { createLogger, type Logger } from '../../src/log.js';
import type { SenderOptions } from '../../src/transport/sender.js';
import { FakeCollector } from '../support/fake-collector.mjs';
import { openTestSender } from '../support/test-sender.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/host', import.meta.url));
const FAST = { backoff: { initialMs: 20, maxMs: 200 }, healthyAfterMs: 100, welcomeTimeoutMs: 2000 };

function batch(n: number, points = 1): ClosedBatch {
  return {
    createdMs: Date.now(),
    sampleCount: points,
    series: [{ metric: 'vigil_test_value', labels: { n: String(n) }, type: 0, timestampsMs: Array.from({ length: points }, (_, i) => 1_764_000_000_000 + i), values: Array.from({ length: points }, (_, i) => n + i) }],
  };
}

function captureLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  return { logger: createLogger('debug', (line) => lines.push(line)), lines };
}

describe('agent delivery to a collector', () => {
  let dir: string;
  let collector: FakeCollector;
  const cleanups: (() => Promise<unknown>)[] = [];

  beforeEach(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-delivery-'));
    collector = new FakeCollector({ token: 'secret' });
    await collector.start();
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    await collector.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function pipeline(options: Partial<SenderOptions> = {}) {
    const { spool, sender, rejected, close } = await openTestSender(dir, { collectors: [collector.address], heartbeatIntervalMs: 100, ...FAST, ...options });
    cleanups.push(close);
    return { spool, sender, rejected };
  }

  it('runs the whole agent: samples from the host root reach the collector, then shuts down cleanly', async () => {
    const host = path.join(dir, 'host');
    cpSync(FIXTURE, host, { recursive: true });
    const result = loadConfig({
      argv: ['--collector', collector.address, '--token', 'secret', '--interval', '1s', '--spool-dir', path.join(dir, 'spool'), '--host-root', host],
      env: {},
      cwd: dir,
    });
    if (result.status !== 'ok') throw new Error(JSON.stringify(result));
    const agent: RunningAgent = await startAgent({ ...result.config, labels: { site: 'test' } }, { inventory: { os: 'linux' }, transport: FAST });
    cleanups.push(() => agent.shutdown());
    await collector.waitFor(() => collector.batches.length >= 2, 5000, 'two batches');

    expect(collector.hellos[0]).toMatchObject({ agentId: agent.agentId, streamEpoch: agent.streamEpoch, hostname: 'fixture-host', intervalMs: 1000, labels: { site: 'test' }, inventory: { os: 'linux' } });
    const [first, second] = collector.batches;
    expect([first!.seq, second!.seq]).toEqual([1, 2]);
    const byName = new Map(second!.series.map((s) => [s.metric + JSON.stringify(s.labels), s]));
    expect(byName.get('vigil_memory_total_bytes{}')!.values).toEqual([16_777_216_000]);
    expect(byName.get('vigil_network_receive_bytes_total{"interface":"eth0"}')!.type).toBe(1);
    expect(byName.get('vigil_agent_spool_pending_batches{}')).toBeDefined();
    expect(byName.get('vigil_agent_spool_dropped_batches_total{"reason":"spool_full"}')!.values).toEqual([0]);
    // Samples of one tick share one timestamp, aligned to the interval.
    expect(new Set(second!.series.flatMap((s) => s.timestampsMs)).size).toBe(1);
    // No host/agent labels added by the agent: the collector adds those.
    expect(second!.series.some((s) => 'host' in s.labels || 'agent' in s.labels)).toBe(false);

    const outcome = await agent.shutdown();
    expect(outcome).toEqual({ delivered: true, pending: 0 });
    expect(await agent.shutdown()).toBe(outcome);
  });

  it('survives a collector restart on the same port: every batch arrives', async () => {
    const { spool, sender } = await pipeline();
    sender.start();
    const total = 40;
    let produced = 0;
    const produce = async (until: number) => {
      while (produced < until) {
        await spool.append(batch(++produced));
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    await produce(10);
    await collector.waitFor(() => collector.seqsOf(spool.agentId).length >= 5, 5000, 'first batches');
    const port = collector.port;
    await collector.stop();
    await produce(30); // produced while the collector is down: spooled
    await collector.start(port);
    await produce(total);
    await collector.waitFor(() => collector.seqsOf(spool.agentId).length === total, 10_000, 'all batches');
    expect(collector.seqsOf(spool.agentId)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    expect(sender.connections).toBeGreaterThanOrEqual(2);
    expect(await sender.drain(2000)).toBe(true);
    expect(spool.pendingBatches).toBe(0);
    // Values arrive intact.
    const values = new Map(collector.batches.map((b) => [b.seq, b.series[0]!.values[0]]));
    expect(values.get(37)).toBe(37);
  });

  it('heartbeats every interval while idle, and while batches flow only when the spool figures changed', async () => {
    const { spool, sender } = await pipeline();
    sender.start();
    await collector.waitFor(() => collector.heartbeats.length >= 3, 5000, 'three heartbeats while idle');
    const idle = collector.heartbeats.length;
    // A batch every 25 ms for 12 heartbeat intervals: each heartbeat interval saw a batch go out.
    const started = Date.now();
    let produced = 0;
    while (Date.now() - started < 1200) {
      await spool.append(batch(++produced));
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    await collector.waitFor(() => collector.batches.length >= produced, 5000, 'every batch');
    const streaming = collector.heartbeats.slice(idle);
    expect(streaming.length).toBeLessThan(12);
    // A heartbeat sent while batches flowed carried news: figures other than the previous heartbeat's.
    const figures = (h: { spoolPending?: unknown; spoolDropped?: unknown }) => `${Number(h.spoolPending ?? 0)}/${Number(h.spoolDropped ?? 0)}`;
    collector.heartbeats.slice(idle).forEach((h, i) => expect(figures(h)).not.toBe(figures(collector.heartbeats[idle + i - 1]!)));
    // Idle again: heartbeats every interval keep the stream alive.
    const after = collector.heartbeats.length;
    await collector.waitFor(() => collector.heartbeats.length >= after + 3, 5000, 'heartbeats once idle again');
  });

  it('resumes after an agent restart: only what the collector has not stored is resent', async () => {
    const first = await pipeline();
    for (let i = 1; i <= 3; i++) await first.spool.append(batch(i));
    first.sender.start();
    await collector.waitFor(() => collector.seqsOf(first.spool.agentId).length === 3, 5000, 'three batches');
    await first.sender.drain(2000);
    await first.sender.stop();
    for (let i = 4; i <= 6; i++) await first.spool.append(batch(i));
    await first.spool.close();
    const received = collector.batches.length;

    const second = await pipeline();
    expect(second.spool.streamEpoch).toBe(first.spool.streamEpoch);
    second.sender.start();
    await collector.waitFor(() => collector.seqsOf(first.spool.agentId).length === 6, 5000, 'six batches');
    expect(collector.batches.slice(received).map((b) => b.seq)).toEqual([4, 5, 6]);
  });

  it('keeps data spooled and says so when the collector rejects the token', async () => {
    const { logger, lines } = captureLogger();
    const { spool, sender } = await pipeline({ token: 'wrong', logger, backoff: { initialMs: 20, maxMs: 100 } });
    for (let i = 1; i <= 3; i++) await spool.append(batch(i));
    sender.start();
    await collector.waitFor(() => collector.authFailures >= 3, 5000, 'three refused attempts');
    expect(collector.batches).toHaveLength(0);
    expect(spool.pendingBatches).toBe(3);
    expect(sender.state).not.toBe('streaming');
    const refused = lines.filter((l) => l.includes('collector rejected the token'));
    expect(refused.length).toBeGreaterThanOrEqual(2);
    expect(refused[0]).toContain('code=UNAUTHENTICATED');
    expect(refused[0]).toContain('retry_in_ms=100');
  });

  it('drops and counts a batch rejected as a whole; counts a partial rejection but keeps the batch acked', async () => {
    await collector.stop();
    collector = new FakeCollector({
      token: 'secret',
      reject: (b) =>
        b.seq === 2
          ? { reason: RejectReason.REJECT_REASON_TIMESTAMP_TOO_OLD, detail: 'older than retention', rejectedSamples: 4, wholeBatch: true }
          : b.seq === 3
            ? { reason: RejectReason.REJECT_REASON_INVALID_LABEL, detail: 'label too long', rejectedSamples: 1, wholeBatch: false }
            : undefined,
    });
    await collector.start();
    const { spool, sender, rejected } = await pipeline();
    for (let i = 1; i <= 4; i++) await spool.append(batch(i, 4));
    sender.start();
    expect(await sender.drain(5000)).toBe(true);
    expect(spool.dropped.get('rejected')).toBe(1);
    expect(spool.dropped.total()).toBe(1);
    expect(rejected.get('timestamp_too_old')).toBe(4);
    expect(rejected.get('invalid_label')).toBe(1);
    expect(collector.seqsOf(spool.agentId)).toEqual([1, 2, 3, 4]);
  });

  it('splits a batch larger than the collector accepts, losing no sample', async () => {
    await collector.stop();
    collector = new FakeCollector({ token: 'secret', maxMessageBytes: 2000 });
    await collector.start();
    const { spool, sender } = await pipeline();
    const big: ClosedBatch = { createdMs: Date.now(), sampleCount: 0, series: [] };
    for (let s = 0; s < 20; s++) big.series.push(batch(s, 30).series[0]!);
    await spool.append(big);
    sender.start();
    expect(await sender.drain(5000)).toBe(true);
    const received = collector.batches;
    expect(received.length).toBeGreaterThan(1);
    expect(received.map((b) => b.seq)).toEqual(Array.from({ length: received.length }, (_, i) => i + 2)); // seq 1 was replaced
    expect(received.reduce((n, b) => n + b.samples, 0)).toBe(600);
    expect(spool.dropped.total()).toBe(0);
  });

  it('shuts down within the grace period when the collector is unreachable, keeping batches for the next start', async () => {
    await collector.stop();
    const result = loadConfig({ argv: ['--collector', collector.address, '--token', 'secret', '--interval', '1s', '--spool-dir', path.join(dir, 'spool')], env: {}, cwd: dir });
    if (result.status !== 'ok') throw new Error(JSON.stringify(result));
    const agent = await startAgent({ ...result.config, shutdownGraceMs: 300 }, { inventory: {}, transport: FAST });
    await new Promise((r) => setTimeout(r, 1200));
    const started = Date.now();
    const outcome = await agent.shutdown();
    expect(Date.now() - started).toBeLessThan(2500);
    expect(outcome.delivered).toBe(false);
    expect(outcome.pending).toBeGreaterThanOrEqual(1);
    const reopened = await Spool.open({ dir: path.join(dir, 'spool'), maxBytes: 1 << 20, maxAgeMs: 86_400_000 });
    expect(reopened.pendingBatches).toBe(outcome.pending);
    await reopened.close();
  });
});
