import { describe, expect, it } from 'vitest';
import { silentLogger } from '../log.js';
import { Backoff } from './backoff.js';
import { resolveEndpoints, type LookupAll } from './endpoints.js';
import { CollectorRotation, indexAfter, NEW_ROUND, planAfterFailure } from './rotation.js';

/** A fake resolver: a fixed table, and names it does not know fail like getaddrinfo's ENOTFOUND. */
function fakeDns(table: Record<string, string[]>): LookupAll & { calls: string[] } {
  const calls: string[] = [];
  const lookup = async (host: string) => {
    calls.push(host);
    const addresses = table[host];
    if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return addresses.map((address) => ({ address }));
  };
  return Object.assign(lookup, { calls });
}

describe('planAfterFailure', () => {
  it('moves on at once while the round has untried endpoints, and backs off once per round', () => {
    const first = planAfterFailure(NEW_ROUND, 3, 'retryable');
    expect(first).toEqual({ state: { failed: 1, onlySlowFailures: false }, advance: true, newRound: false, wait: 'none' });
    const second = planAfterFailure(first.state, 3, 'retryable');
    expect(second).toMatchObject({ advance: true, newRound: false, wait: 'none' });
    expect(planAfterFailure(second.state, 3, 'retryable')).toEqual({ state: NEW_ROUND, advance: true, newRound: true, wait: 'backoff' });
  });

  it('with one endpoint every failure ends a round: the plain reconnect backoff, slow for auth and permanent refusals', () => {
    expect(planAfterFailure(NEW_ROUND, 1, 'retryable')).toMatchObject({ newRound: true, wait: 'backoff' });
    expect(planAfterFailure(NEW_ROUND, 1, 'auth')).toMatchObject({ newRound: true, wait: 'slow' });
    expect(planAfterFailure(NEW_ROUND, 1, 'permanent')).toMatchObject({ newRound: true, wait: 'slow' });
  });

  it('waits the slow delay only when every failure of the round was auth or permanent', () => {
    const refused = planAfterFailure(NEW_ROUND, 2, 'auth');
    expect(refused).toMatchObject({ advance: true, wait: 'none' });
    expect(planAfterFailure(refused.state, 2, 'permanent').wait).toBe('slow');
    expect(planAfterFailure(refused.state, 2, 'retryable').wait).toBe('backoff');
  });

  it('ALREADY_EXISTS (busy) retries the same endpoint with backoff and leaves the round as it was', () => {
    const state = { failed: 1, onlySlowFailures: false };
    expect(planAfterFailure(state, 2, 'busy')).toEqual({ state, advance: false, newRound: false, wait: 'backoff' });
  });
});

describe('indexAfter', () => {
  const list = ['10.0.0.1:7070', '10.0.0.2:7070', '10.0.0.3:7070'].map((target) => ({ target, configured: 'c:7070', host: 'c' }));
  it('continues after the last endpoint tried, wrapping; from the first when it is gone', () => {
    expect(indexAfter(list, '10.0.0.1:7070')).toBe(1);
    expect(indexAfter(list, '10.0.0.3:7070')).toBe(0);
    expect(indexAfter(list, '10.0.0.9:7070')).toBe(0);
    expect(indexAfter(list, undefined)).toBe(0);
  });
});

describe('resolveEndpoints', () => {
  it('expands each name to every address it resolves to, in order, each target once; IP literals are not looked up', async () => {
    const dns = fakeDns({ 'collectors.svc': ['10.0.0.1', '10.0.0.2', 'fd00::7'], 'a.example.net': ['10.0.0.1'] });
    const { endpoints, unresolved } = await resolveEndpoints(['collectors.svc:7070', '[::1]:7071', 'a.example.net:7070', '127.0.0.1:7072'], dns);
    expect(endpoints).toEqual([
      { target: '10.0.0.1:7070', configured: 'collectors.svc:7070', host: 'collectors.svc' },
      { target: '10.0.0.2:7070', configured: 'collectors.svc:7070', host: 'collectors.svc' },
      { target: '[fd00::7]:7070', configured: 'collectors.svc:7070', host: 'collectors.svc' },
      { target: '[::1]:7071', configured: '[::1]:7071', host: '::1' },
      { target: '127.0.0.1:7072', configured: '127.0.0.1:7072', host: '127.0.0.1' },
    ]);
    expect(unresolved).toEqual([]);
    expect(dns.calls).toEqual(['collectors.svc', 'a.example.net']);
  });

  it('dials a name that does not resolve (or not in time) by name, and says why', async () => {
    const hang: LookupAll = () => new Promise(() => undefined);
    expect(await resolveEndpoints(['gone.example.net:7070'], fakeDns({}))).toEqual({
      endpoints: [{ target: 'gone.example.net:7070', configured: 'gone.example.net:7070', host: 'gone.example.net' }],
      unresolved: [{ collector: 'gone.example.net:7070', error: 'getaddrinfo ENOTFOUND gone.example.net' }],
    });
    expect((await resolveEndpoints(['slow.example.net:7070'], hang, 20)).unresolved).toEqual([{ collector: 'slow.example.net:7070', error: 'no answer within 20 ms' }]);
  });
});

describe('CollectorRotation', () => {
  const backoff = () => new Backoff({ initialMs: 100, maxMs: 1000, random: () => 0.5 });

  it('tries every endpoint once per round, backs off between rounds, and re-resolves the names each round', async () => {
    const table: Record<string, string[]> = { 'collectors.svc': ['10.0.0.1', '10.0.0.2'] };
    const dns = fakeDns(table);
    const rotation = new CollectorRotation(['collectors.svc:7070', 'b:7071'], dns, backoff(), silentLogger);
    const dialed: string[] = [];
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      const { endpoint, position, of } = await rotation.next();
      dialed.push(`${endpoint.target} ${position}/${of}`);
      delays.push(rotation.failed('retryable', false));
    }
    // b does not resolve: it is dialed by name.
    expect(dialed).toEqual(['10.0.0.1:7070 1/3', '10.0.0.2:7070 2/3', 'b:7071 3/3', '10.0.0.1:7070 1/3']);
    expect(delays).toEqual([0, 0, 50, 0]);
    expect(dns.calls.filter((h) => h === 'collectors.svc')).toHaveLength(2);
    // A replica is replaced: the next round dials the new address, after the one tried last.
    table['collectors.svc'] = ['10.0.0.1', '10.0.0.9'];
    expect(rotation.failed('retryable', false)).toBe(0);
    expect((await rotation.next()).endpoint.target).toBe('b:7071');
    expect(rotation.failed('retryable', false)).toBe(100);
    expect((await rotation.next()).endpoint.target).toBe('10.0.0.1:7070');
    expect(rotation.failed('retryable', false)).toBe(0);
    expect((await rotation.next()).endpoint.target).toBe('10.0.0.9:7070');
  });

  it('collectors that accept a stream and drop it at once still get a backoff per round (no hot loop)', async () => {
    const rotation = new CollectorRotation(['127.0.0.1:1', '127.0.0.1:2'], fakeDns({}), backoff(), silentLogger);
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      rotation.connected((await rotation.next()).endpoint);
      delays.push(rotation.failed('retryable', false));
    }
    expect(delays).toEqual([0, 50, 0, 100]);
    expect(rotation.failovers).toBe(3);
  });

  it('counts a Welcome from another endpoint than the previous one as a failover, and a lost connection moves on at once', async () => {
    const rotation = new CollectorRotation(['127.0.0.1:1', '127.0.0.1:2'], fakeDns({}), backoff(), silentLogger);
    const a = await rotation.next();
    expect(rotation.connected(a.endpoint)).toBe(false);
    // Up long enough: the backoff resets; the next endpoint is dialed without delay.
    expect(rotation.failed('retryable', true)).toBe(0);
    const b = await rotation.next();
    expect(b).toMatchObject({ endpoint: { target: '127.0.0.1:2' }, position: 2, of: 2 });
    expect(rotation.connected(b.endpoint)).toBe(true);
    expect(rotation.failovers).toBe(1);
    // The same endpoint again (a reconnect after ALREADY_EXISTS) is not a failover.
    expect(rotation.failed('busy', false)).toBe(50);
    const again = await rotation.next();
    expect(again.endpoint.target).toBe('127.0.0.1:2');
    expect(rotation.connected(again.endpoint)).toBe(false);
    expect(rotation.failovers).toBe(1);
  });
});
