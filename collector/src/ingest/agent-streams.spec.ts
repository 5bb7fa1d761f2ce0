import { describe, expect, it } from 'vitest';
import { AgentStreams, type StreamLease } from './agent-streams.js';

function lease(peer: string, now: number, intervalMs = 1_000): StreamLease & { evicted: boolean; finish(): void } {
  let finish = () => undefined as void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const l = { peer, intervalMs, lastMessageMs: now, closing: false, finished, evicted: false, finish, evict: () => (l.evicted = true) };
  return l;
}

describe('AgentStreams', () => {
  const setup = () => {
    const clock = { now: 1_000_000 };
    return { clock, streams: new AgentStreams({ staleAfterMs: 60_000, graceMs: 20, now: () => clock.now }) };
  };

  it('refuses a second stream while the first is live, after the grace', async () => {
    const { clock, streams } = setup();
    const first = lease('a:1', clock.now);
    expect(await streams.claim('agent-1', first)).toEqual({ status: 'claimed' });
    const second = lease('b:2', clock.now);
    expect(await streams.claim('agent-1', second)).toEqual({ status: 'refused', holder: first });
    expect(first.evicted).toBe(false);
  });

  it('lets a new stream in once the first closed or finished', async () => {
    const { clock, streams } = setup();
    const first = lease('a:1', clock.now);
    await streams.claim('agent-1', first);
    first.closing = true;
    const second = lease('b:2', clock.now);
    expect(await streams.claim('agent-1', second)).toEqual({ status: 'claimed', replaced: first });
    expect(first.evicted).toBe(true);

    const third = lease('c:3', clock.now);
    const claim = streams.claim('agent-1', third);
    streams.release('agent-1', second);
    second.finish();
    expect(await claim).toEqual({ status: 'claimed' });
  });

  it('replaces a holder silent past the stale limit, which grows with the agent interval', async () => {
    const { clock, streams } = setup();
    const slow = lease('a:1', clock.now, 30_000);
    await streams.claim('agent-1', slow);
    clock.now += 61_000;
    expect(streams.isDead(slow)).toBe(false); // 3 x 30 s interval = 90 s
    clock.now += 30_000;
    expect(streams.isDead(slow)).toBe(true);
    const next = lease('b:2', clock.now);
    expect(await streams.claim('agent-1', next)).toEqual({ status: 'claimed', replaced: slow });
    expect(slow.evicted).toBe(true);
  });
});
