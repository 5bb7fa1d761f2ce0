import { seriesKey } from '@vigil/proto';
import { describe, expect, it } from 'vitest';
import { SeriesCache } from './series-cache.js';
import type { IncomingSeries, Labels, RecurringSeries, SeriesRef } from './storage.types.js';

const labelsOf = (agent: string, cpu: string, order: 'sent' | 'reversed' = 'sent'): Labels =>
  Object.freeze(order === 'sent' ? { cpu, agent, host: `${agent}.host` } : { host: `${agent}.host`, agent, cpu });
const full = (metric: string, labels: Labels): IncomingSeries => ({ metric, labels, kind: 'gauge', timestamps: [1], values: [1] });

/** One group commit of a batch: its full series, then its recurring ones. */
function commit(cache: SeriesCache, agent: string, series: IncomingSeries[], recurring: RecurringSeries[]): Array<SeriesRef | undefined> {
  const draft = cache.newDraft();
  const refs = cache.resolve(agent, series, draft);
  cache.resolveRecurring(agent, recurring, draft, refs);
  cache.apply(draft);
  return refs;
}

describe('SeriesCache', () => {
  it("finds a new stream's definitions by position where the agent's full batches put the same series, without a key", () => {
    const cache = new SeriesCache(10);
    const series = ['0', '1', '2'].map((cpu) => full('m', labelsOf('a1', cpu)));
    const created = commit(cache, 'a1', series, []);
    const lookups = cache.keyLookups;
    // The same series defined in a referenced stream: new label objects, labels in another order.
    const defined = ['0', '1', '2'].map((cpu) => ({ metric: 'm', labels: labelsOf('a1', cpu, 'reversed'), kind: 'gauge' as const }));
    expect(commit(cache, 'a1', [], defined)).toEqual(created);
    expect(commit(cache, 'a1', [], defined).every((ref, i) => ref === created[i])).toBe(true);
    expect(cache.keyLookups).toBe(lookups);
    // Another series at a position: by key, and remembered there.
    const other = [{ metric: 'm', labels: labelsOf('a1', '9'), kind: 'gauge' as const }];
    const [nine] = commit(cache, 'a1', [], other);
    expect(nine!.id).toBe(4);
    expect(cache.keyLookups).toBe(lookups + 1);
    expect(commit(cache, 'a1', [], [{ ...other[0]! }])[0]).toBe(nine);
    expect(cache.keyLookups).toBe(lookups + 1);
  });

  it('tells apart two series whose keys hash alike (the cache keeps no key text)', () => {
    const cache = new SeriesCache(10);
    // seriesKey of these two has the same 30-bit FNV-1a hash.
    const [c1869] = commit(cache, 'x', [full('m', { cpu: 'c1869' })], []);
    const [c27610] = commit(cache, 'y', [full('m', { cpu: 'c27610' })], []);
    expect(c27610!.id).not.toBe(c1869!.id);
    // A new agent with the two at other positions: both found by key.
    const again = commit(cache, 'z', [full('m', { cpu: 'c27610' }), full('m', { cpu: 'c1869' })], []);
    expect(again[0]).toBe(c27610);
    expect(again[1]).toBe(c1869);
    expect(cache.size).toBe(2);
  });

  it('resolves every series as the lookup by key would, whatever the positions held (random)', () => {
    let state = 6;
    const random = (n: number) => ((state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0) % n);
    const cache = new SeriesCache(3, { maxSeries: 60, maxSeriesPerAgent: 25 });
    // The model: a series' id by key, first come first served, none past the limits.
    const byKey = new Map<string, number>();
    const perAgent = new Map<string, number>();
    let nextId = 1;
    const expected = (agent: string, metric: string, labels: Labels): number | undefined => {
      const key = seriesKey(metric, labels);
      if (byKey.has(key)) return byKey.get(key);
      if (byKey.size >= 60 || (perAgent.get(agent) ?? 0) >= 25) return undefined;
      perAgent.set(agent, (perAgent.get(agent) ?? 0) + 1);
      byKey.set(key, nextId);
      return nextId++;
    };
    for (let round = 0; round < 3_000; round++) {
      const agent = `a${random(5)}`;
      const pick = (): [string, Labels] => [random(4) === 0 ? 'n' : 'm', labelsOf(agent, String(random(12)), random(2) ? 'sent' : 'reversed')];
      const fullSeries = Array.from({ length: random(4) }, () => full(...pick()));
      const recurring: RecurringSeries[] = Array.from({ length: random(6) }, () => {
        const [metric, labels] = pick();
        return { metric, labels, kind: 'gauge' };
      });
      const want = [...fullSeries, ...recurring].map((s) => expected(agent, s.metric, s.labels));
      expect(commit(cache, agent, fullSeries, recurring).map((ref) => ref?.id)).toEqual(want);
    }
  });
});
