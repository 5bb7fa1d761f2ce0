import { describe, expect, it } from 'vitest';
import type { vigil } from '@vigil/proto';
import type { RecurringSeries } from '../storage/storage.types.js';
import { seededRandom } from '../storage/prng.js';
import { REF_LIMIT, asSeries, exactCheck, randomRefBatch, refContext } from '../../test/support/ref-batches.js';
import { SeriesMemo } from './batch-validation.js';
import { CarriedSeries } from './carried-series.js';
import { checkStreamBatch } from './ref-batch.js';
import { SeriesRefTable } from './series-refs.js';

const NOW = 1_800_000_000_000;
const ctx = (agentId: string) => ({ agentId, hostname: `${agentId}.host`, nowMs: NOW, maxFutureMs: 60_000, maxAgeMs: 3_600_000, maxSeriesPerBatch: 100 });

/** A new stream of `agentId` that defines ref 1 (and uses it); returns the series it checked. */
function stream(carried: CarriedSeries, agentId: string, labels: Record<string, string> = { n: '1' }) {
  const table = new SeriesRefTable(10);
  carried.connected(agentId, table);
  const v = checkStreamBatch({ seq: 1, definitions: [{ ref: 1, metric: 'vigil_x', labels }], refSamples: { refs: [1], values: [1], baseTimestampMs: NOW } }, table, ctx(agentId)).validation;
  if (v.status !== 'accepted') throw new Error('rejected');
  return { table, series: v.columns!.series[0]! };
}

describe('CarriedSeries', () => {
  it("offers a new stream what the agent's latest stream checked, open or ended, and nothing of other agents", () => {
    const carried = new CarriedSeries();
    const first = stream(carried, 'a1');
    // Still open: the next stream (a takeover) takes from its table.
    const second = stream(carried, 'a1');
    expect(second.series).toBe(first.series);
    carried.disconnected('a1', first.table); // not the latest any more: changes nothing
    carried.disconnected('a1', second.table);
    expect(stream(carried, 'a1').series).toBe(first.series);
    expect(stream(carried, 'a2').series).not.toBe(first.series);
    // Another label set under the number: checked anew, and that one is carried from then on.
    const changed = stream(carried, 'a1', { n: '2' });
    expect(changed.series).not.toBe(first.series);
    expect(changed.series.labels).toEqual({ n: '2', agent: 'a1', host: 'a1.host' });
    expect(stream(carried, 'a1', { n: '2' }).series).toBe(changed.series);
  });

  it('keeps the most recently connected agents only', () => {
    const carried = new CarriedSeries(2);
    const a = stream(carried, 'a');
    const forgotten = stream(carried, 'b');
    stream(carried, 'a'); // a is now the most recent
    stream(carried, 'c'); // b goes
    expect(carried.agents).toBe(2);
    expect(stream(carried, 'a').series).toBe(a.series);
    const b = stream(carried, 'b'); // checked anew; c goes
    expect(carried.agents).toBe(2);
    expect(b.series).not.toBe(forgotten.series);
    expect(b.series).toEqual(forgotten.series);
    expect(stream(carried, 'b').series).toBe(b.series);
  });

  it('passes on what a stream of full series was offered: the stream after it still carries', () => {
    const carried = new CarriedSeries();
    const first = stream(carried, 'a1');
    const full = new SeriesRefTable(10);
    carried.connected('a1', full);
    const v = checkStreamBatch({ seq: 1, series: [{ metric: 'vigil_x', labels: { n: '1' }, timestampsMs: [NOW], values: [1] }] }, full, ctx('a1')).validation;
    expect(v.status).toBe('accepted');
    carried.disconnected('a1', full);
    expect(stream(carried, 'a1').series).toBe(first.series);
  });

  it('gives what checking every definition anew gives, over random streams of one agent (references or full series, takeovers, host changes)', () => {
    const taken = { any: 0, acrossFull: 0 };
    for (let seed = 1; seed <= 300; seed++) {
      const rand = seededRandom(seed);
      const carried = new CarriedSeries();
      const previous = new Set<RecurringSeries>();
      // Agents define the same series under the same numbers stream after stream: a catalogue per seed, from
      // random definitions (valid or not), which the batches mostly follow.
      const catalogue = new Map<number, vigil.v1.ISeriesDefinition>();
      for (let seq = 1; catalogue.size < REF_LIMIT && seq < 100; seq++) for (const d of randomRefBatch(rand, seq, NOW).definitions ?? []) if (!catalogue.has(d.ref!)) catalogue.set(d.ref!, d);
      let open: SeriesRefTable | undefined;
      let afterFull = false;
      for (let streamNo = 0; streamNo < 6; streamNo++) {
        if (open && rand() < 0.7) carried.disconnected('agent-1', open); // else a takeover: the old stream is still open
        const table = new SeriesRefTable(REF_LIMIT);
        carried.connected('agent-1', table);
        open = table;
        const exact = { table: new SeriesRefTable(REF_LIMIT), memo: new SeriesMemo() };
        const memo = new SeriesMemo();
        const fullOnly = rand() < 0.3;
        const hostname = rand() < 0.15 ? 'host-2' : 'host-1';
        const seen = new Set<RecurringSeries>();
        for (let seq = 1; seq <= 8; seq++) {
          let batch = randomRefBatch(rand, seq, NOW);
          if (fullOnly) batch = { seq: batch.seq, createdMs: batch.createdMs, series: batch.series };
          else batch.definitions = batch.definitions!.map((d) => (rand() < 0.85 && catalogue.has(d.ref!) ? { ...catalogue.get(d.ref!)! } : d));
          const got = checkStreamBatch(batch, table, { ...refContext(NOW, memo), hostname });
          const want = exactCheck(batch, exact.table, { ...refContext(NOW, exact.memo), hostname });
          const where = `seed ${seed} stream ${streamNo} seq ${seq}: ${JSON.stringify(batch)}`;
          expect(JSON.stringify(asSeries(got.validation)), where).toBe(JSON.stringify(want.validation));
          expect(got.bytes, where).toBe(want.bytes);
          if (got.validation.status === 'accepted') {
            for (const s of got.validation.columns?.series ?? []) {
              if (previous.has(s) && !seen.has(s)) {
                taken.any++;
                if (afterFull) taken.acrossFull++;
              }
              seen.add(s);
            }
          }
        }
        for (const s of seen) previous.add(s);
        afterFull = fullOnly;
      }
    }
    // Series of earlier streams were taken, across streams of full series too.
    expect(taken.any).toBeGreaterThan(100);
    expect(taken.acrossFull).toBeGreaterThan(20);
  });
});
