import { describe, expect, it } from 'vitest';
import type { StoredSeriesSamples } from '../storage/storage.types.js';
import { fingerprint } from './domain/fingerprint.js';
import { rulesSchema } from './incidents.config.js';
import { RuleEngine, type ConditionTransition } from './rule-engine.js';

const DISK = 'vigil_filesystem_used_ratio';
const T0 = Date.parse('2026-11-30T10:00:00Z');

function setup(rules: unknown[]) {
  const transitions: ConditionTransition[] = [];
  const engine = new RuleEngine(rulesSchema.parse(rules), (t) => transitions.push(t));
  const seen = () => transitions.splice(0).map((t) => [t.kind, t.rule.name, t.labels.host, t.value, t.atMs - T0]);
  const sample = (id: number, labels: Record<string, string>, points: Array<[number, number]>, metric = DISK): StoredSeriesSamples => ({
    series: { id, metric, labels, kind: 'gauge' },
    timestamps: points.map(([t]) => T0 + t),
    values: points.map(([, v]) => v),
  });
  return { engine, seen, sample };
}

const disk = { name: 'disk', metric: DISK, match: { mountpoint: '/' }, op: '>', threshold: 0.9, recover_below: 0.85, for: '10s' };

describe('RuleEngine', () => {
  it('fires after `for`, holds between the thresholds, resolves below the recovery threshold', () => {
    const { engine, seen, sample } = setup([disk]);
    const web1 = { host: 'web-1', mountpoint: '/' };
    engine.ingest([sample(1, web1, [[0, 0.95], [5_000, 0.96]])]);
    expect(seen()).toEqual([]);
    engine.tick(T0 + 9_999);
    expect(seen()).toEqual([]);
    engine.tick(T0 + 10_000); // `for` elapsed on the timer, without a new sample
    expect(seen()).toEqual([['fire', 'disk', 'web-1', 0.96, 10_000]]);
    engine.ingest([sample(1, web1, [[11_000, 0.88], [12_000, 0.86]])]); // between 0.85 and 0.9: still firing
    expect(seen()).toEqual([]);
    engine.ingest([sample(1, web1, [[13_000, 0.8]])]);
    expect(seen()).toEqual([['resolve', 'disk', 'web-1', 0.8, 13_000]]);
  });

  it('watches only matching series of the rule metric; one condition per series', () => {
    const { engine, seen, sample } = setup([{ ...disk, for: '0s' }, { name: 'other', metric: 'vigil_load1', op: '>', threshold: 10 }]);
    engine.ingest([
      sample(1, { host: 'web-1', mountpoint: '/' }, [[0, 0.95]]),
      sample(2, { host: 'web-1', mountpoint: '/var' }, [[0, 0.99]]),
      sample(3, { host: 'web-2', mountpoint: '/' }, [[0, 0.97]]),
      sample(4, { host: 'web-1' }, [[0, 0.99]], 'vigil_memory_used_ratio'),
    ]);
    expect(seen()).toEqual([
      ['fire', 'disk', 'web-1', 0.95, 0],
      ['fire', 'disk', 'web-2', 0.97, 0],
    ]);
    // Non-breaching samples of inactive conditions cost one comparison each and create no state.
    const before = engine.evaluations;
    engine.ingest([sample(5, { host: 'web-3', mountpoint: '/' }, [[1_000, 0.1], [2_000, 0.2]])]);
    expect(engine.evaluations - before).toBe(2);
    expect(seen()).toEqual([]);
  });

  it('ignores samples not newer than the last one (replays, out-of-order batches) and NaN', () => {
    const { engine, seen, sample } = setup([{ ...disk, for: '0s' }]);
    const web1 = { host: 'web-1', mountpoint: '/' };
    engine.ingest([sample(1, web1, [[5_000, 0.5]])]);
    engine.ingest([sample(1, web1, [[4_000, 0.99], [5_000, 0.99], [6_000, Number.NaN]])]);
    expect(seen()).toEqual([]);
    engine.ingest([sample(1, web1, [[6_000, 0.99]])]);
    expect(seen()).toEqual([['fire', 'disk', 'web-1', 0.99, 6_000]]);
  });

  it('a pending breach that clears or goes stale never fires; keep_firing_for absorbs a dip', () => {
    const { engine, seen, sample } = setup([{ ...disk, stale_after: '30s', keep_firing_for: '5s' }]);
    const web1 = { host: 'web-1', mountpoint: '/' };
    engine.ingest([sample(1, web1, [[0, 0.95], [5_000, 0.5]])]);
    engine.tick(T0 + 20_000);
    expect(seen()).toEqual([]);
    engine.ingest([sample(1, web1, [[20_000, 0.95]])]);
    engine.tick(T0 + 60_000); // last sample 40 s old > stale_after: dropped, not fired
    expect(seen()).toEqual([]);
    engine.ingest([sample(1, web1, [[60_000, 0.95], [70_000, 0.95]])]);
    expect(seen()).toEqual([['fire', 'disk', 'web-1', 0.95, 70_000]]);
    engine.ingest([sample(1, web1, [[71_000, 0.5], [72_000, 0.95], [73_000, 0.5]])]);
    engine.tick(T0 + 77_999);
    expect(seen()).toEqual([]);
    engine.tick(T0 + 78_000);
    expect(seen()).toEqual([['resolve', 'disk', 'web-1', 0.5, 78_000]]);
  });

  it('restored conditions (open incidents after a restart) resolve on recovery without firing again', () => {
    const { engine, seen, sample } = setup([{ ...disk, for: '0s' }]);
    const web1 = { host: 'web-1', mountpoint: '/' };
    engine.adopt([{ fingerprint: fingerprint('disk', web1), startedMs: T0 - 60_000 }], T0);
    engine.ingest([sample(1, web1, [[1_000, 0.95]])]);
    expect(seen()).toEqual([]);
    engine.ingest([sample(1, web1, [[2_000, 0.5]])]);
    expect(seen()).toEqual([['resolve', 'disk', 'web-1', 0.5, 2_000]]);
  });

  it('adopts incidents other collectors opened: recovery seen here resolves them; resolved elsewhere or changed here meanwhile, not adopted', () => {
    const { engine, seen, sample } = setup([{ ...disk, for: '0s' }]);
    const [web1, web2, web3, web4, web5, web6] = [1, 2, 3, 4, 5, 6].map((n) => ({ host: `web-${n}`, mountpoint: '/' }));
    const open = (...hosts: Array<Record<string, string>>) => hosts.map((labels) => ({ fingerprint: fingerprint('disk', labels), startedMs: T0 }));
    engine.adopt([], T0); // at start: nothing active
    engine.ingest([sample(4, web4, [[500, 0.95]])]); // web-4 fires here: tracked, never adopted
    expect(seen()).toEqual([['fire', 'disk', 'web-4', 0.95, 500]]);
    engine.watchChanges();
    engine.ingest([sample(3, web3, [[1_000, 0.95]])]); // web-3 fires here while the incidents are read
    engine.ingest([sample(5, web5, [[1_000, 0.95], [1_500, 0.5]])]); // web-5 fires and resolves here meanwhile
    engine.adopt(open(web1, web2, web3, web4, web5), T0); // the read does not show web-5 resolved yet
    engine.ingest([sample(5, web5, [[1_800, 0.95]])]); // so a new breach of web-5 still fires
    engine.ingest([sample(6, web6, [[1_900, 0.5]])]); // web-6 moves here (its incident opened elsewhere) before the next read
    engine.watchChanges();
    engine.adopt(open(web1, web3, web4, web6), T0); // a later read: web-2 was resolved elsewhere
    engine.ingest([sample(1, web1, [[2_000, 0.5]]), sample(2, web2, [[2_000, 0.95]]), sample(3, web3, [[2_000, 0.5]]), sample(4, web4, [[2_000, 0.5]]), sample(6, web6, [[2_000, 0.5]])]);
    expect(seen()).toEqual([
      ['fire', 'disk', 'web-3', 0.95, 1_000],
      ['fire', 'disk', 'web-5', 0.95, 1_000],
      ['resolve', 'disk', 'web-5', 0.5, 1_500],
      ['fire', 'disk', 'web-5', 0.95, 1_800],
      ['resolve', 'disk', 'web-1', 0.5, 2_000],
      ['fire', 'disk', 'web-2', 0.95, 2_000],
      ['resolve', 'disk', 'web-3', 0.5, 2_000],
      ['resolve', 'disk', 'web-4', 0.5, 2_000],
      ['resolve', 'disk', 'web-6', 0.5, 2_000],
    ]);
  });

  it('forgets idle series with nothing active, keeps firing ones', () => {
    const { engine, sample } = setup([{ ...disk, for: '0s' }]);
    engine.ingest([
      sample(1, { host: 'a', mountpoint: '/' }, [[0, 0.5]]),
      sample(2, { host: 'b', mountpoint: '/' }, [[0, 0.95]]),
      sample(3, { host: 'a', mountpoint: '/var' }, [[0, 0.5]]), // no rule watches it
    ]);
    engine.ingest([sample(3, { host: 'a', mountpoint: '/var' }, [[1_800_000, 0.5]])]);
    expect(engine.sweep(T0 + 60_000)).toBe(0);
    expect(engine.sweep(T0 + 3_600_001)).toBe(1); // series 1 idle and inactive; 2 is firing; 3 sent 30 min ago
    expect(engine.sweep(T0 + 5_400_001)).toBe(1); // now series 3 is idle too
  });
});
