import { describe, expect, it } from 'vitest';
import { RejectReason, vigil } from '@vigil/proto';
import { seededRandom } from '../storage/prng.js';
import { REF_LIMIT, asSeries, exactCheck, randomRefBatch, refContext } from '../../test/support/ref-batches.js';
import { SeriesMemo } from './batch-validation.js';
import { checkStreamBatch } from './ref-batch.js';
import { SeriesRefTable, sentLabels } from './series-refs.js';

const NOW = 1_764_000_000_000;

describe('referenced samples straight to the store (checkStreamBatch)', () => {
  it('gives what the batch turned back into series gives: same samples, label sets (key order too), rejections, estimate', () => {
    const seen = { columns: 0, grouped: 0, rejectedSamples: 0, wholeBatch: 0, noColumns: 0 };
    for (let seed = 1; seed <= 300; seed++) {
      const rand = seededRandom(seed);
      // One stream each side, with its own memo, as ingest keeps them; a reconnect now and then starts both afresh.
      let fast = { table: new SeriesRefTable(REF_LIMIT), memo: new SeriesMemo() };
      let exact = { table: new SeriesRefTable(REF_LIMIT), memo: new SeriesMemo() };
      for (let seq = 1; seq <= 25; seq++) {
        if (rand() < 0.05) {
          fast = { table: new SeriesRefTable(REF_LIMIT), memo: new SeriesMemo() };
          exact = { table: new SeriesRefTable(REF_LIMIT), memo: new SeriesMemo() };
        }
        const batch = randomRefBatch(rand, seq, NOW);
        const got = checkStreamBatch(batch, fast.table, refContext(NOW, fast.memo));
        const want = exactCheck(batch, exact.table, refContext(NOW, exact.memo));
        const where = `seed ${seed} seq ${seq}: ${JSON.stringify(batch)}`;
        expect(JSON.stringify(asSeries(got.validation)), where).toBe(JSON.stringify(want.validation));
        expect(got.bytes, where).toBe(want.bytes);
        const v = got.validation;
        if (v.status === 'rejected') seen.wholeBatch++;
        else {
          if (v.columns) seen.columns++;
          else seen.noColumns++;
          if (v.columns?.counts) seen.grouped++;
          if (v.rejections.length) seen.rejectedSamples++;
        }
      }
    }
    // The generator exercises the fast path (plain and grouped), the exact path it leaves bad samples to, and refusals.
    for (const [what, n] of Object.entries(seen)) expect(n, what).toBeGreaterThan(300);
  });

  it('checks a definition once for the stream and hands the same series object to the store batch after batch', () => {
    const table = new SeriesRefTable(10);
    const ctx = refContext(NOW);
    const define: Pick<vigil.v1.IBatch, 'definitions'> = { definitions: [{ ref: 1, metric: 'vigil_load1', labels: { core: '1' } }, { ref: 2, metric: 'vigil_cpu_seconds_total', labels: {}, type: vigil.v1.MetricType.METRIC_TYPE_COUNTER }] };
    const first = checkStreamBatch({ seq: 1, ...define, refSamples: { refs: [1, 2], values: [0.5, 7], baseTimestampMs: NOW } }, table, ctx).validation;
    const second = checkStreamBatch({ seq: 2, refSamples: { refs: [2, 1], values: [8, 0.6], baseTimestampMs: NOW + 1000 } }, table, ctx).validation;
    if (first.status !== 'accepted' || second.status !== 'accepted') throw new Error('expected accepted');
    expect(first.columns!.series.map((s) => [s.metric, s.labels, s.kind])).toEqual([
      ['vigil_load1', { core: '1', agent: 'agent-1', host: 'host-1' }, 'gauge'],
      ['vigil_cpu_seconds_total', { agent: 'agent-1', host: 'host-1' }, 'counter'],
    ]);
    expect(second.columns!.series[0]).toBe(first.columns!.series[1]);
    expect(second.columns!.series[1]).toBe(first.columns!.series[0]);
    expect([...second.columns!.timestamps]).toEqual([NOW + 1000, NOW + 1000]);
    expect(second.columns!.counts).toBeUndefined();

    // A redefinition is a new series for the store (it starts unresolved).
    const third = checkStreamBatch({ seq: 3, definitions: [{ ref: 1, metric: 'vigil_load1', labels: { core: '2' } }], refSamples: { refs: [1], values: [0.7], baseTimestampMs: NOW } }, table, ctx).validation;
    if (third.status !== 'accepted') throw new Error('expected accepted');
    expect(third.columns!.series[0]).not.toBe(first.columns!.series[0]);
    expect(third.columns!.series[0]!.labels).toEqual({ core: '2', agent: 'agent-1', host: 'host-1' });
  });

  it('groups a series\' samples in arrival order and drops the samples of a bad definition with its reason and count', () => {
    const table = new SeriesRefTable(10);
    const result = checkStreamBatch({
      seq: 1,
      definitions: [{ ref: 1, metric: 'vigil_a' }, { ref: 2, metric: 'bad-name' }, { ref: 3, metric: 'vigil_b', labels: { host: 'h' } }],
      refSamples: { refs: [1, 2, 1, 3, 2], values: [1, 2, 3, 4, 5], baseTimestampMs: NOW, timestampDeltasMs: [0, 0, 1000, 0, 0] },
    }, table, refContext(NOW)).validation;
    if (result.status !== 'accepted') throw new Error('expected accepted');
    expect(result.samples).toBe(2);
    expect([...result.columns!.counts!]).toEqual([2]);
    expect([...result.columns!.timestamps]).toEqual([NOW, NOW + 1000]);
    expect([...result.columns!.values]).toEqual([1, 3]);
    expect(result.rejections).toEqual([
      { reason: RejectReason.REJECT_REASON_INVALID_METRIC_NAME, count: 2, detail: 'invalid metric name "bad-name"' },
      { reason: RejectReason.REJECT_REASON_INVALID_LABEL, count: 1, detail: 'vigil_b: label host is set by the collector' },
    ]);
  });

  it('keeps no decoded labels for a checked definition (its series gives them back, in the order sent) and keeps those of a bad one', () => {
    const table = new SeriesRefTable(10);
    const ctx = refContext(NOW);
    const sent = { zone: 'b', core: '1', area: 'x' };
    const first = checkStreamBatch({ seq: 1, definitions: [{ ref: 1, metric: 'vigil_a', labels: sent }, { ref: 2, metric: 'vigil_b', labels: { host: 'h' } }], refSamples: { refs: [1, 2], values: [1, 2], baseTimestampMs: NOW } }, table, ctx).validation;
    if (first.status !== 'accepted') throw new Error('expected accepted');
    expect(table.definition(1)!.labels).toBeUndefined();
    expect(table.definition(1)!.metric).toBe(first.columns!.series[0]!.metric);
    expect(table.definition(2)!.labels).toEqual({ host: 'h' });
    // A sample to drop takes the exact path, which turns the batch back into series with the labels as sent.
    expect(JSON.stringify(sentLabels(table.definition(1)!))).toBe(JSON.stringify(sent));
    const bad = checkStreamBatch({ seq: 2, refSamples: { refs: [1, 1], values: [3, Number.NaN], baseTimestampMs: NOW } }, table, ctx).validation;
    if (bad.status !== 'accepted') throw new Error('expected accepted');
    expect(bad.series.map((s) => s.labels)).toEqual([first.columns!.series[0]!.labels]);
    expect(Object.keys(bad.series[0]!.labels)).toEqual(Object.keys(first.columns!.series[0]!.labels));
  });
});
