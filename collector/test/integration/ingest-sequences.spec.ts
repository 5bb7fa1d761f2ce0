import { afterEach, describe, expect, it } from 'vitest';
import { status } from '@grpc/grpc-js';
import { RejectReason } from '@vigil/proto';
import { gauge } from '../support/test-agent.js';
import { IngestHarness, recentMs } from '../support/ingest-harness.js';
import { configProblems } from '../support/config-problems.js';

describe('ingest sequences and stream ownership (real gRPC, real SQLite file)', () => {
  let h: IngestHarness;
  afterEach(() => h.close());

  it('rejects a sequence far ahead with sequence_gap and keeps storing the live agent', async () => {
    h = await IngestHarness.start();
    const t = recentMs();
    const a = h.agent().connect().hello();
    a.batch(1, [gauge('vigil_load1', {}, t, [1])]).batch(1e12, [gauge('vigil_load1', {}, t + 1000, [66])]).batch(2, [gauge('vigil_load1', {}, t + 2000, [2])]);
    await a.until(() => a.acks.includes(2));
    expect(a.rejections).toEqual([expect.objectContaining({ seq: 1e12, reason: RejectReason.REJECT_REASON_SEQUENCE_GAP, wholeBatch: true, rejectedSamples: 1 })]);
    expect(a.rejections[0]!.detail).toBe('agent agent-1: batch sequence 1000000000000 jumps 999999999999 past the last stored 1 (limit 1000000, ingest.max_sequence_gap)');
    expect(await h.collector.store.countSamples()).toBe(2);
    expect(await h.collector.store.lastStoredSeq('agent-1', 'epoch-1')).toBe(2);
    expect(await h.metricsText()).toContain('vigil_ingest_rejected_samples_total{reason="sequence_gap"} 1');
  });

  it('stores a late batch below the highest sequence once, and remembers the holes across a restart', async () => {
    h = await IngestHarness.start({ ingest: { max_sequence_gap: 10 } });
    const t = recentMs();
    const a = h.agent().connect().hello();
    a.batch(1, [gauge('vigil_x', {}, t, [1])]).batch(5, [gauge('vigil_x', {}, t + 5000, [5])]).batch(3, [gauge('vigil_x', {}, t + 3000, [3])]);
    await a.until(() => a.acks.includes(3));
    expect(a.rejections).toEqual([]);
    expect(await h.collector.store.countSamples()).toBe(3);
    await h.restart();
    const b = h.agent().connect().hello();
    await b.until(() => b.welcome !== undefined);
    expect(Number(b.welcome!.lastStoredSeq)).toBe(5);
    // 3 is a replay (acked, not stored again); 4 is new data in the hole; 16 jumps too far.
    b.batch(3, [gauge('vigil_x', {}, t + 3000, [33])]).batch(4, [gauge('vigil_x', {}, t + 4000, [4])]).batch(16, [gauge('vigil_x', {}, t + 6000, [6])]);
    await b.until(() => b.acks.includes(16));
    expect(b.acks).toEqual([3, 4, 16]);
    expect(b.rejections).toEqual([expect.objectContaining({ seq: 16, reason: RejectReason.REJECT_REASON_SEQUENCE_GAP, wholeBatch: true })]);
    expect(await h.collector.store.countSamples()).toBe(4);
  });

  it('refuses a second stream for a connected agent id with ALREADY_EXISTS; the first keeps its identity and flows on', async () => {
    h = await IngestHarness.start();
    const t = recentMs();
    const first = h.agent().connect().hello({ labels: { site: 'berlin' } });
    first.batch(1, [gauge('vigil_x', {}, t, [1])]);
    await first.until(() => first.acks.includes(1));
    const impostor = h.agent(undefined, 'agent-1', 'epoch-1', 'evil-host').connect().hello({ labels: { site: 'evil' } });
    impostor.batch(2, [gauge('vigil_x', {}, t + 1000, [666])]);
    await impostor.until(() => impostor.error !== undefined);
    expect(impostor.error!.code).toBe(status.ALREADY_EXISTS);
    expect(impostor.error!.details).toMatch(/^agent agent-1 already has a live stream \(from .+\); refusing this one$/);
    first.batch(2, [gauge('vigil_x', {}, t + 1000, [2])]);
    await first.until(() => first.acks.includes(2));
    expect(first.error).toBeUndefined();
    const agents = await (await fetch(`http://${h.collector.httpAddress}/api/agents`)).json();
    expect(agents).toEqual([expect.objectContaining({ id: 'agent-1', hostname: 'host-1', labels: { site: 'berlin' }, connected: true })]);
    expect(await h.collector.store.countSamples()).toBe(2);
    expect(await h.metricsText()).toContain('vigil_ingest_rejected_streams_total{reason="already_connected"} 1');
  });

  it('lets a new stream replace one that closed, and one that went silent past the stale limit', async () => {
    h = await IngestHarness.start({ ingest: { stream_stale_after: '1s' } });
    const closed = h.agent().connect().hello();
    await closed.until(() => closed.welcome !== undefined);
    closed.close();
    const next = h.agent().connect().hello({ intervalMs: 100 });
    await next.until(() => next.welcome !== undefined);
    // `next` now stays silent (no heartbeat): after 1 s (> 3 x 100 ms) it counts as dead.
    await new Promise((r) => setTimeout(r, 1_300));
    const replacement = h.agent().connect().hello();
    replacement.batch(1, [gauge('vigil_x', {}, recentMs(), [1])]);
    await replacement.until(() => replacement.acks.includes(1));
    await next.until(() => next.error !== undefined);
    expect(next.error!.code).toBe(status.ABORTED);
    expect(next.error!.details).toBe('replaced by a newer stream of agent agent-1');
  });

  it('with require_per_agent_tokens, a token speaks only for its own agent and shared tokens are a config error', async () => {
    expect(configProblems({ auth: { require_per_agent_tokens: true, agent_tokens: ['shared-token-1'] } })).toEqual([
      'auth.agent_tokens: must be empty when auth.require_per_agent_tokens is true (give each agent its own token in auth.agent_token_map)',
      'auth.agent_token_map: needs at least one agent when auth.require_per_agent_tokens is true',
    ]);
    h = await IngestHarness.start({ auth: { require_per_agent_tokens: true, agent_token_map: { 'agent-a': 'token-of-a-1', 'agent-b': 'token-of-b-1' } } });
    const impostor = h.agent('token-of-a-1', 'agent-b').connect().hello();
    await impostor.until(() => impostor.error !== undefined);
    expect(impostor.error!.code).toBe(status.UNAUTHENTICATED);
    expect(impostor.error!.details).toBe('token not valid for agent agent-b');
    const own = h.agent('token-of-a-1', 'agent-a').connect().hello();
    own.batch(1, [gauge('vigil_x', {}, recentMs(), [1])]);
    await own.until(() => own.acks.includes(1));
  });
});
