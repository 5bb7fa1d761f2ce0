import { describe, expect, it } from 'vitest';
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
});
