import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:net';
import { status } from '@grpc/grpc-js';
import { RejectReason } from '@vigil/proto';
import { buildConfig } from '../../src/config/config.loader.js';
import { startCollector, type RunningCollector } from '../../src/app.js';
import { TestAgent, gauge, sendRawFrame } from '../support/test-agent.js';

const TOKEN = 'agent-token-1';
const API = 'api-token-12';

describe('gRPC ingest into a real SQLite file', () => {
  let dir: string;
  let collector: RunningCollector;
  const agents: TestAgent[] = [];
  const agent = (...args: ConstructorParameters<typeof TestAgent> extends [string, ...infer R] ? R : never) => {
    const a = new TestAgent(collector.grpcAddress, ...args);
    agents.push(a);
    return a;
  };

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-ingest-'));
    const config = buildConfig({
      storage: { path: join(dir, 'vigil.db') },
      listen: { grpc: '127.0.0.1:0', http: '127.0.0.1:0' },
      auth: { agent_tokens: [TOKEN], api_tokens: [API], agent_token_map: { 'special-agent': 'special-token-1' } },
    });
    collector = await startCollector({ config, logLevels: false });
  });

  afterEach(async () => {
    for (const a of agents.splice(0)) a.close();
    await collector.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const now = () => Date.now() - 10_000;

  it('stores a batch, acks it after commit, and serves it through the API', async () => {
    const t0 = now();
    const a = agent(TOKEN).connect().hello({ labels: { site: 'berlin' } });
    await a.until(() => a.welcome !== undefined);
    expect(Number(a.welcome!.lastStoredSeq)).toBe(0);
    a.batch(1, [gauge('vigil_load1', {}, t0, [0.5, 0.75, 1.25]), gauge('vigil_filesystem_used_ratio', { mountpoint: '/' }, t0, [0.42])]);
    await a.until(() => a.acks.includes(1));
    expect(await collector.store.countSamples()).toBe(4);

    const base = `http://${collector.httpAddress}`;
    const agentsList = await (await fetch(`${base}/api/agents`)).json();
    expect(agentsList).toEqual([
      expect.objectContaining({ id: 'agent-1', hostname: 'host-1', version: 'test', labels: { site: 'berlin' }, connected: true }),
    ]);
    expect(typeof agentsList[0].lastSeen).toBe('number');

    const series = await (await fetch(`${base}/api/series?metric=vigil_load1`)).json();
    expect(series).toEqual([{ id: expect.any(Number), metric: 'vigil_load1', labels: { agent: 'agent-1', host: 'host-1' } }]);
    const q = await (await fetch(`${base}/api/query?series=${series[0].id}&from=${t0}&to=${t0 + 5000}`)).json();
    expect(q).toEqual({ series: series[0], points: [[t0, 0.5], [t0 + 1000, 0.75], [t0 + 2000, 1.25]] });
    // The write path's backlog is on /metrics: the 4 samples sit in the log until a compaction round.
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/^vigil_storage_log_samples 4$/m);
    expect(metrics).toMatch(/^vigil_storage_queued_samples 0$/m);
  });

  it('never stores a replayed batch twice and tells a reconnecting agent where to resume', async () => {
    const t0 = now();
    const first = agent(TOKEN).connect().hello();
    first.batch(1, [gauge('vigil_load1', {}, t0, [1])]).batch(2, [gauge('vigil_load1', {}, t0 + 1000, [2])]);
    await first.until(() => first.acks.includes(2));
    first.close();
    const again = agent(TOKEN).connect().hello();
    await again.until(() => again.welcome !== undefined);
    expect(Number(again.welcome!.lastStoredSeq)).toBe(2);
    again.batch(2, [gauge('vigil_load1', {}, t0 + 1000, [2])]).batch(3, [gauge('vigil_load1', {}, t0 + 2000, [3])]);
    await again.until(() => again.acks.includes(3));
    expect(again.acks).toEqual([2, 3]);
    expect(await collector.store.countSamples()).toBe(3);
  });

  it('refuses a missing or unknown token with UNAUTHENTICATED and stores nothing', async () => {
    for (const token of ['', 'wrong-token-123']) {
      const a = agent(token).connect().hello();
      a.batch(1, [gauge('vigil_load1', {}, now(), [1])]);
      await a.until(() => a.error !== undefined);
      expect(a.error!.code).toBe(status.UNAUTHENTICATED);
    }
    // A per-agent token binds to its agent: a shared token may not impersonate it.
    const impostor = agent(TOKEN, 'special-agent').connect().hello();
    await impostor.until(() => impostor.error !== undefined);
    expect(impostor.error!.code).toBe(status.UNAUTHENTICATED);
    expect(await collector.store.countSamples()).toBe(0);
    const metrics = await (await fetch(`http://${collector.httpAddress}/metrics`)).text();
    expect(metrics).toContain('vigil_ingest_rejected_streams_total{reason="unauthenticated"} 3');
  });

  it('drops invalid samples with a reason and keeps the rest of the batch', async () => {
    const t = now();
    const a = agent(TOKEN).connect().hello();
    a.batch(1, [
      gauge('vigil_ok', {}, t, [1, Number.NaN, Number.POSITIVE_INFINITY, 4]),
      gauge('bad-name', {}, t, [1]),
      gauge('vigil_labels', { 'bad-label': 'x' }, t, [1]),
      gauge('vigil_labels', { host: 'spoofed' }, t, [1]),
      { metric: 'vigil_future', timestampsMs: [Date.now() + 3_600_000], values: [1] },
      { metric: 'vigil_old', timestampsMs: [Date.now() - 30 * 86_400_000], values: [1] },
      { metric: 'vigil_mismatch', timestampsMs: [t, t + 1], values: [1] },
    ]);
    await a.until(() => a.acks.includes(1));
    expect(await collector.store.countSamples()).toBe(2);
    const byReason = Object.fromEntries(a.rejections.map((r) => [r.reason!, [r.rejectedSamples, r.wholeBatch]]));
    expect(byReason).toEqual({
      [RejectReason.REJECT_REASON_NON_FINITE_VALUE]: [2, false],
      [RejectReason.REJECT_REASON_INVALID_METRIC_NAME]: [1, false],
      [RejectReason.REJECT_REASON_INVALID_LABEL]: [2, false],
      [RejectReason.REJECT_REASON_TIMESTAMP_TOO_NEW]: [1, false],
      [RejectReason.REJECT_REASON_TIMESTAMP_TOO_OLD]: [1, false],
      [RejectReason.REJECT_REASON_MALFORMED_SERIES]: [2, false],
    });
  });

  it('rejects a whole batch without a sequence number and keeps the stream usable', async () => {
    const a = agent(TOKEN).connect().hello();
    a.batch(0, [gauge('vigil_load1', {}, now(), [1])]);
    a.batch(1, [gauge('vigil_load1', {}, now(), [2])]);
    await a.until(() => a.acks.includes(1));
    expect(a.rejections[0]).toMatchObject({ reason: RejectReason.REJECT_REASON_SEQUENCE, wholeBatch: true, rejectedSamples: 1 });
    expect(await collector.store.countSamples()).toBe(1);
  });

  it('requires hello first and survives garbage on the gRPC port', async () => {
    const a = agent(TOKEN).connect();
    a.batch(1, [gauge('vigil_load1', {}, now(), [1])]);
    await a.until(() => a.error !== undefined);
    expect(a.error!.code).toBe(status.FAILED_PRECONDITION);

    const [host, port] = [collector.grpcAddress.slice(0, collector.grpcAddress.lastIndexOf(':')), Number(collector.grpcAddress.split(':').pop())];
    await new Promise<void>((resolve) => {
      const socket = connect(port, host, () => socket.end(Buffer.from('GET / HTTP/1.1\r\n\r\n\x00\x01garbage'.repeat(100))));
      // The server answers garbage with a GOAWAY or nothing; either way the socket is done after a moment.
      const done = setTimeout(() => socket.destroy(), 500);
      socket.on('close', () => (clearTimeout(done), resolve()));
      socket.on('error', () => undefined);
    });
    // Invalid protobuf inside a well-formed gRPC frame.
    const rawError = await sendRawFrame(collector.grpcAddress, TOKEN, Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]));
    expect(rawError.code).toBe(status.INTERNAL);
    const good = agent(TOKEN, 'agent-2').connect().hello();
    good.batch(1, [gauge('vigil_load1', {}, now(), [7])]);
    await good.until(() => good.acks.includes(1));
    expect((await fetch(`http://${collector.httpAddress}/healthz`)).status).toBe(200);
  });

  it('refuses messages over the size limit with RESOURCE_EXHAUSTED', async () => {
    const a = agent(TOKEN).connect().hello();
    const values = new Array(600_000).fill(1);
    a.batch(1, [{ metric: 'vigil_big', timestampsMs: values.map(() => now()), values }]);
    await a.until(() => a.error !== undefined);
    expect(a.error!.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(await collector.store.countSamples()).toBe(0);
  });

  it('validates API query input with 400 and unknown series with 404', async () => {
    const base = `http://${collector.httpAddress}`;
    const bad = await fetch(`${base}/api/query?series=abc`);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: 'invalid request', issues: ['series: series must be a series id'] });
    const missing = await fetch(`${base}/api/query?series=999`);
    expect(missing.status).toBe(404);
    const inverted = await fetch(`${base}/api/query?series=1&from=10&to=5`);
    expect(inverted.status).toBe(400);
  });
});
