// The referenced-sample fast path (ingest/ref-batch.ts, IncomingBatch.columns) against the form before it (the
// batch turned back into series, then validateBatch), each into its own real store: the same outcomes, the same
// items for `samples` listeners, the same stored samples, with series limits and stream reconnects.
import { afterEach, describe, expect, it } from 'vitest';
import type { vigil } from '@vigil/proto';
import { SeriesMemo } from '../../src/ingest/batch-validation.js';
import { CarriedSeries } from '../../src/ingest/carried-series.js';
import { checkStreamBatch } from '../../src/ingest/ref-batch.js';
import { SeriesRefTable } from '../../src/ingest/series-refs.js';
import { openSampleStore, type OpenedSampleStore } from '../../src/storage/open-store.js';
import { seededRandom } from '../../src/storage/prng.js';
import type { BatchValidation } from '../../src/ingest/batch-validation.js';
import type { IncomingBatch, SampleStore } from '../../src/storage/storage.types.js';
import { engines, type EngineDatabase } from '../../../test/support/engines.js';
import { REF_LIMIT, exactCheck, randomRefBatch, refContext } from '../support/ref-batches.js';

const NOW = Date.now();

describe.each(engines('ingest-ref-path.spec'))('referenced samples straight to the store on $name', (engine) => {
  const opened: Array<{ data: EngineDatabase; store: OpenedSampleStore }> = [];

  async function openStore(): Promise<OpenedSampleStore> {
    const data = await engine.open();
    // Small limits, so that series are refused now and then (per agent, and for the whole store).
    const store = await openSampleStore(data.db, { followGraceMs: 0, maxSeriesPerAgent: 9, maxSeries: 14, compaction: { auto: false } });
    opened.push({ data, store });
    return store;
  }

  afterEach(async () => {
    for (const { data, store } of opened.splice(0)) {
      await store.close();
      await data.dispose();
    }
  });

  /** The batch as it reaches the store, or undefined when ingest rejects it whole. */
  function toStore(agentId: string, seq: number, validation: BatchValidation): IncomingBatch | undefined {
    if (validation.status === 'rejected') return undefined;
    return { agentId, epoch: 'e1', seq, series: validation.series, ...(validation.columns ? { columns: validation.columns } : {}) };
  }

  async function appendBoth(fast: SampleStore, exact: SampleStore, a: IncomingBatch | undefined, b: IncomingBatch | undefined, where: string): Promise<void> {
    expect(a === undefined, where).toBe(b === undefined);
    if (!a || !b) return;
    const [got, want] = await Promise.all([fast.append(a).catch((e: Error) => e.message), exact.append(b).catch((e: Error) => e.message)]);
    expect(JSON.stringify(got), where).toBe(JSON.stringify(want));
  }

  it('stores, refuses and announces the same as the series form, over random streams of three agents with reconnects', async () => {
    const fast = await openStore();
    const exact = await openStore();
    for (let seed = 1; seed <= 12; seed++) {
      const rand = seededRandom(seed);
      const agents = ['agent-a', 'agent-b', 'agent-c'].map((id) => ({ id, seq: 0, fast: new SeriesRefTable(REF_LIMIT), exact: new SeriesRefTable(REF_LIMIT), fastMemo: new SeriesMemo(), exactMemo: new SeriesMemo() }));
      for (let step = 0; step < 60; step++) {
        const agent = agents[Math.floor(rand() * agents.length)]!;
        if (rand() < 0.05) {
          // A new stream of the same agent: no references, the store's series stay.
          agent.fast = new SeriesRefTable(REF_LIMIT);
          agent.exact = new SeriesRefTable(REF_LIMIT);
        }
        const seq = (seed - 1) * 1000 + ++agent.seq;
        const batch = randomRefBatch(rand, seq, NOW);
        const ctx = (memo: SeriesMemo) => ({ ...refContext(NOW, memo), agentId: agent.id });
        const got = checkStreamBatch(batch, agent.fast, ctx(agent.fastMemo)).validation;
        const want = exactCheck(batch, agent.exact, ctx(agent.exactMemo)).validation;
        await appendBoth(fast, exact, toStore(agent.id, seq, got), toStore(agent.id, seq, want), `seed ${seed} step ${step} ${agent.id}: ${JSON.stringify(batch)}`);
      }
    }
    expect(await fast.countSamples()).toBe(await exact.countSamples());
    expect(await fast.countSamples()).toBeGreaterThan(100);
    const series = await fast.findSeries({});
    expect(series).toEqual(await exact.findSeries({}));
    expect(series.length).toBe(14); // the store limit was reached
    for (const s of series) expect(await fast.queryRange(s.id, 0, NOW * 2), `series ${s.id}`).toEqual(await exact.queryRange(s.id, 0, NOW * 2));
  });

  it('a reconnecting agent takes the series its previous stream checked only where they are the same: outcomes as the series form', async () => {
    const fast = await openStore();
    const exact = await openStore();
    const carried = new CarriedSeries();
    let taken = 0;
    let checkedAnew = 0;
    const counted = new Set<object>();
    for (let seed = 1; seed <= 12; seed++) {
      const rand = seededRandom(100 + seed);
      const agents = ['agent-a', 'agent-b', 'agent-c'].map((id) => ({ id, host: 'host-1', seq: 0, fast: new SeriesRefTable(REF_LIMIT), exact: new SeriesRefTable(REF_LIMIT), last: [] as vigil.v1.ISeriesDefinition[] }));
      for (const agent of agents) carried.connected(agent.id, agent.fast);
      for (let step = 0; step < 80; step++) {
        const agent = agents[Math.floor(rand() * agents.length)]!;
        let batch = randomRefBatch(rand, 0, NOW);
        if (rand() < 0.2) {
          // A new stream: it defines again what the last one did, mostly as before, sometimes changed.
          carried.disconnected(agent.id, agent.fast);
          agent.fast = new SeriesRefTable(REF_LIMIT);
          agent.exact = new SeriesRefTable(REF_LIMIT);
          carried.connected(agent.id, agent.fast);
          if (rand() < 0.1) agent.host = agent.host === 'host-1' ? 'host-2' : 'host-1';
          const again = agent.last.map((d) => (rand() < 0.8 ? d : rand() < 0.5 ? { ...d, labels: Object.fromEntries(Object.entries(d.labels ?? {}).reverse()) } : { ...d, type: d.type === 1 ? 0 : 1 }));
          batch = { ...batch, definitions: [...again, ...(batch.definitions ?? [])] };
        }
        for (const d of batch.definitions ?? []) agent.last[d.ref ?? 0] = d;
        agent.last = agent.last.filter((d) => d !== undefined);
        const seq = (seed - 1) * 1000 + ++agent.seq;
        batch = { ...batch, seq };
        const ctx = { ...refContext(NOW), agentId: agent.id, hostname: agent.host, memo: undefined };
        const got = checkStreamBatch(batch, agent.fast, ctx).validation;
        const want = exactCheck(batch, agent.exact, ctx).validation;
        // Definitions offered a series of the previous stream and checked by this batch: taken, or checked anew.
        for (let ref = 1; ref <= REF_LIMIT; ref++) {
          const d = agent.fast.definition(ref);
          if (d?.carried === undefined || d.checked === undefined || counted.has(d)) continue;
          counted.add(d);
          if (d.checked === d.carried) taken++;
          else checkedAnew++;
        }
        await appendBoth(fast, exact, toStore(agent.id, seq, got), toStore(agent.id, seq, want), `seed ${seed} step ${step} ${agent.id}: ${JSON.stringify(batch)}`);
      }
    }
    // Both ways were taken often (51 and 115 with these seeds).
    expect(taken).toBeGreaterThan(30);
    expect(checkedAnew).toBeGreaterThan(30);
    const series = await fast.findSeries({});
    expect(series).toEqual(await exact.findSeries({}));
    for (const s of series) expect(await fast.queryRange(s.id, 0, NOW * 2), `series ${s.id}`).toEqual(await exact.queryRange(s.id, 0, NOW * 2));
  });

  it('resolves a referenced series by key until the store has it, then by the series it remembers, also after a reopen', async () => {
    const store = await openStore();
    const table = new SeriesRefTable(REF_LIMIT);
    const ctx = { ...refContext(NOW), agentId: 'agent-z', maxSeriesPerBatch: 100 };
    const send = async (seq: number, batch: Parameters<typeof checkStreamBatch>[0]) => {
      const v = checkStreamBatch({ seq, ...batch }, table, ctx).validation;
      if (v.status !== 'accepted') throw new Error(`batch ${seq} rejected`);
      return { columns: v.columns!, result: await store.append({ agentId: 'agent-z', epoch: 'e1', seq, series: v.series, columns: v.columns }) };
    };
    const definitions = Array.from({ length: 8 }, (_, i) => ({ ref: i + 1, metric: 'vigil_x', labels: { i: String(i) } }));
    // 8 new series, the per-agent limit is 9: one more fits.
    const first = await send(1, { definitions, refSamples: { refs: [1, 2, 3, 4, 5, 6, 7, 8], values: [1, 2, 3, 4, 5, 6, 7, 8], baseTimestampMs: NOW } });
    expect(first.result.outcome).toEqual({ status: 'stored', samples: 8 });
    const remembered = first.columns.series.map((s) => s.resolved);
    expect(remembered.map((r) => r?.id)).toEqual(first.result.stored.map((s) => s.series.id));

    // Two new series over the limit: one refused, not remembered, and tried again next time.
    const second = await send(2, { definitions: [{ ref: 1, metric: 'vigil_y', labels: {} }, { ref: 2, metric: 'vigil_z', labels: {} }], refSamples: { refs: [3, 1, 2], values: [30, 10, 20], baseTimestampMs: NOW + 1000 } });
    expect(second.result.outcome).toMatchObject({ status: 'stored', samples: 2, limited: { series: 1, samples: 1 } });
    expect(second.columns.series.map((s) => s.resolved?.metric)).toEqual(['vigil_x', 'vigil_y', undefined]);
    expect(second.columns.series[0]!.resolved).toBe(remembered[2]);
    const third = await send(3, { refSamples: { refs: [2, 3], values: [21, 31], baseTimestampMs: NOW + 2000 } });
    expect(third.result.outcome).toMatchObject({ status: 'stored', samples: 1, limited: { series: 1, samples: 1, detail: expect.stringContaining('vigil_z') } });
    expect(await store.countSamples()).toBe(11);

    // A restart (same data, a new store): a series remembered from the old store is not trusted but looked up by key.
    const data = opened[0]!.data;
    await store.close();
    const restarted = await openSampleStore(await data.reopen(), { followGraceMs: 0, maxSeriesPerAgent: 9, maxSeries: 14, compaction: { auto: false } });
    opened[0] = { data, store: restarted };
    const again = third.columns.series[1]!;
    const after = await restarted.append({ agentId: 'agent-z', epoch: 'e1', seq: 4, series: [], columns: { series: [again], timestamps: Float64Array.of(NOW + 3000), values: Float64Array.of(32) } });
    expect(after.outcome).toEqual({ status: 'stored', samples: 1 });
    expect(after.stored[0]!.series).toEqual(remembered[2]);
    expect(again.resolved).not.toBe(remembered[2]);
    expect(again.resolved).toBe(after.stored[0]!.series);
    expect(await restarted.queryRange(remembered[2]!.id, 0, NOW * 2)).toEqual([[NOW, 3], [NOW + 1000, 30], [NOW + 2000, 31], [NOW + 3000, 32]]);
  });
});
