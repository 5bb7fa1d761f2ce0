import { describe, expect, it } from 'vitest';
import { RejectReason, vigil } from '@vigil/proto';
import { WireWriter } from '@vigil/proto/agent';
import { seededRandom } from '../storage/prng.js';
import { asSeries, refContext } from '../../test/support/ref-batches.js';
import { SeriesMemo, type ValidationContext } from './batch-validation.js';
import { checkStreamBatch } from './ref-batch.js';
import { SeriesRefTable } from './series-refs.js';
import { checkSeriesBatch, decodeAgentMessage, readSeriesBatch } from './wire-batch.js';

const NOW = 1_764_000_000_000;
const METRICS = ['vigil_load1', 'vigil_cpu_seconds_total', 'vigil_disk_bytes', '1bad', 'vigil_reserved'];
const LABELS: Array<Record<string, string>> = [{}, { core: '1' }, { core: '2', mode: 'user' }, { mode: 'user', core: '2' }, { i: 'é' }, { 'bad-label': 'x' }, { agent: 'x' }];

interface SentSeries {
  metric: string;
  labels: Record<string, string>;
  type: number;
  timestamps: number[];
  values: number[];
  /** Wire variants protobufjs reads the same: the type written when 0, samples one key each, a head field after the samples. */
  zeroType?: boolean;
  unpacked?: boolean;
  metricLast?: boolean;
}

/** The AgentMessage of a batch of these series, written field by field (protobufjs writes only the plain form). */
function encode(seq: number, series: SentSeries[]): Buffer {
  const w = new WireWriter();
  w.tag(2, 2).fork();
  if (seq !== 0) w.tag(1, 0).int64(seq);
  for (const s of series) {
    w.tag(2, 2).fork();
    if (!s.metricLast) w.tag(1, 2).string(s.metric);
    for (const [k, v] of Object.entries(s.labels)) w.tag(2, 2).fork().tag(1, 2).string(k).tag(2, 2).string(v).ldelim();
    if (s.type !== 0 || s.zeroType) w.tag(3, 0).int32(s.type);
    if (s.unpacked) {
      for (const t of s.timestamps) w.tag(4, 0).int64(t);
      for (const v of s.values) {
        const b = Buffer.alloc(8);
        b.writeDoubleLE(v);
        w.tag(5, 1).raw(b);
      }
    } else {
      if (s.timestamps.length) w.tag(4, 2).packedInt64(s.timestamps);
      if (s.values.length) w.tag(5, 2).packedDouble(s.values);
    }
    if (s.metricLast) w.tag(1, 2).string(s.metric);
    w.ldelim();
  }
  w.tag(3, 0).int64(NOW);
  return w.ldelim().finish();
}

/**
 * One stream of both kinds: as ingest reads it (against the memo; protobufjs for what is not a plain batch), and
 * decoded by protobufjs then checked as before.
 */
function streams(maxSeriesPerBatch = 8) {
  const fast = refContext(NOW, new SeriesMemo());
  const fastTable = new SeriesRefTable(8);
  const exact = { ctx: refContext(NOW, new SeriesMemo()), table: new SeriesRefTable(8) };
  const check = (bytes: Buffer) => {
    const wire = readSeriesBatch(bytes);
    const ctx = { ...fast, maxSeriesPerBatch };
    const got = wire ? checkSeriesBatch(wire, ctx) : checkStreamBatch(decodeAgentMessage(bytes).batch!, fastTable, ctx);
    const want = checkStreamBatch(decodeAgentMessage(bytes).batch!, exact.table, { ...exact.ctx, maxSeriesPerBatch });
    return { got, want, read: wire !== undefined };
  };
  return { fast, check };
}

const seriesOf = (v: ReturnType<typeof checkSeriesBatch>['validation']) => (v.status === 'accepted' ? v.columns?.series ?? [] : []);

describe('full batches against the stream memo (checkSeriesBatch)', () => {
  it('gives what protobufjs and validateBatch give, batch after batch of a stream that mostly repeats itself', () => {
    const seen = { reused: 0, decoded: 0, protobufjs: 0, rejectedSamples: 0, wholeBatch: 0 };
    for (let seed = 1; seed <= 200; seed++) {
      const rand = seededRandom(seed);
      const pick = <T>(list: readonly T[], valid = list.length): T => list[Math.floor(rand() * (rand() < 0.9 ? valid : list.length))]!;
      const fresh = (): SentSeries => ({ metric: pick(METRICS, 3), labels: pick(LABELS, 5), type: rand() < 0.3 ? 1 : 0, timestamps: [], values: [] });
      let set = Array.from({ length: 1 + Math.floor(rand() * 6) }, fresh);
      let { fast, check } = streams();
      for (let seq = 1; seq <= 20; seq++) {
        if (rand() < 0.03) ({ fast, check } = streams());
        // What a stream changes now and then: a series (name, label, type), the order, the set, the wire form.
        const r = rand();
        if (r < 0.05) set = set.map((s) => (rand() < 0.3 ? fresh() : s));
        else if (r < 0.08) set = [...set].reverse();
        else if (r < 0.11) set = set.concat(fresh());
        else if (r < 0.14) set = set.slice(1);
        else if (r < 0.16) set = set.map((s) => ({ ...s, type: 1 - s.type }));
        const sent = set.map((s): SentSeries => {
          const n = rand() < 0.9 ? 1 : Math.floor(rand() * 3);
          const value = () => (rand() < 0.03 ? Number.NaN : rand() < 0.02 ? Number.NEGATIVE_INFINITY : Math.round(rand() * 100));
          const time = () => (rand() < 0.02 ? NOW - 7_200_000 : rand() < 0.02 ? NOW + 120_000 : NOW - Math.floor(rand() * 5000));
          return {
            ...s,
            timestamps: Array.from({ length: n + (rand() < 0.03 ? 1 : 0) }, time),
            values: Array.from({ length: n }, value),
            zeroType: rand() < 0.03, unpacked: rand() < 0.05, metricLast: rand() < 0.02,
          };
        });
        const memo = fast.memo!;
        const before = { hits: 0 };
        const sameHead = memo.sameHead.bind(memo);
        memo.sameHead = (...args) => {
          const e = sameHead(...args);
          if (e) before.hits++;
          return e;
        };
        const { got, want, read } = check(encode(rand() < 0.02 ? 0 : seq, sent));
        if (!read) seen.protobufjs++;
        const where = `seed ${seed} seq ${seq}: ${JSON.stringify(sent)}`;
        expect(JSON.stringify(asSeries(got.validation)), where).toBe(JSON.stringify(asSeries(want.validation)));
        expect(got.bytes, where).toBe(want.bytes);
        seen.reused += before.hits;
        seen.decoded += sent.length - before.hits;
        if (got.validation.status === 'rejected') seen.wholeBatch++;
        else if (got.validation.rejections.length) seen.rejectedSamples++;
      }
    }
    expect(seen.reused).toBeGreaterThan(5000);
    expect(seen.decoded).toBeGreaterThan(1000);
    expect(seen.protobufjs).toBeGreaterThan(50);
    expect(seen.rejectedSamples).toBeGreaterThan(100);
    expect(seen.wholeBatch).toBeGreaterThan(10);
  });

  const gauge = (metric: string, labels: Record<string, string>, value = 1): SentSeries => ({ metric, labels, type: 0, timestamps: [NOW], values: [value] });

  it('reuses the series of equal bytes and decodes a series whose bytes differ in any way', () => {
    const { check } = streams();
    const a = [gauge('vigil_a', { core: '1' }), gauge('vigil_b', { core: '2' })];
    const first = seriesOf(check(encode(1, a)).got.validation);
    const second = seriesOf(check(encode(2, a.map((s) => ({ ...s, values: [2] })))).got.validation);
    expect(second[0]).toBe(first[0]);
    expect(second[1]).toBe(first[1]);
    // One byte of a label value, the type, or the same labels in another order: decoded and checked again.
    const changed = [gauge('vigil_a', { core: '3' }), { ...gauge('vigil_b', { core: '2' }), type: 1 }];
    const { got, want } = check(encode(3, changed));
    expect(JSON.stringify(asSeries(got.validation))).toBe(JSON.stringify(asSeries(want.validation)));
    const third = seriesOf(got.validation);
    expect(third[0]!.labels).toEqual({ core: '3', agent: 'agent-1', host: 'host-1' });
    expect(third[1]).toMatchObject({ metric: 'vigil_b', kind: 'counter' });
    expect(seriesOf(check(encode(4, changed)).got.validation)[0]).toBe(third[0]);
    const reordered = check(encode(5, [gauge('vigil_c', { mode: 'user', core: '2' }), gauge('vigil_c', { core: '2', mode: 'user' })]));
    expect(JSON.stringify(asSeries(reordered.got.validation))).toBe(JSON.stringify(asSeries(reordered.want.validation)));
  });

  it('follows series that change places, and a stream whose set of series grows and shrinks', () => {
    const { check } = streams();
    const s = ['vigil_a', 'vigil_b', 'vigil_c', 'vigil_d'].map((m) => gauge(m, { k: m }));
    for (const [seq, set] of [[1, s], [2, [s[1]!, s[0]!, s[2]!, s[3]!]], [3, s.slice(0, 2)], [4, s], [5, s.slice(2)], [6, s]] as const) {
      const { got, want } = check(encode(seq, [...set]));
      expect(JSON.stringify(asSeries(got.validation)), `seq ${seq}`).toBe(JSON.stringify(asSeries(want.validation)));
      expect(seriesOf(got.validation).map((x) => x.metric)).toEqual(set.map((x) => x.metric));
    }
  });

  it('checks a reused series samples as the first time: NaN, times out of range, counts that differ', () => {
    const { check } = streams();
    const s = gauge('vigil_a', {});
    check(encode(1, [s]));
    for (const [seq, bad] of [[2, { values: [Number.NaN] }], [3, { timestamps: [NOW + 3_600_000] }], [4, { timestamps: [NOW, NOW] }], [5, { timestamps: [], values: [] }]] as const) {
      const { got, want } = check(encode(seq, [{ ...s, ...bad }]));
      expect(JSON.stringify(asSeries(got.validation)), `seq ${seq}`).toBe(JSON.stringify(asSeries(want.validation)));
    }
    const nan = check(encode(6, [{ ...s, values: [Number.NaN] }])).got.validation;
    expect(nan).toMatchObject({ status: 'accepted', samples: 0, rejections: [{ reason: RejectReason.REJECT_REASON_NON_FINITE_VALUE, count: 1 }] });
  });

  it('leaves to protobufjs what is not a plain batch of full series, and refuses what protobufjs refuses', () => {
    const plain = encode(1, [gauge('vigil_a', {})]);
    expect(readSeriesBatch(plain)).toBeDefined();
    const hello = Buffer.from(vigil.v1.AgentMessage.encode({ hello: { agentId: 'a' } }).finish());
    const refs = Buffer.from(vigil.v1.AgentMessage.encode({ batch: { seq: 1, definitions: [{ ref: 1, metric: 'vigil_a' }] } }).finish());
    const unknownField = Buffer.concat([plain.subarray(0, 1), Buffer.from([plain[1]! + 2]), plain.subarray(2), Buffer.from([0x30, 0x01])]);
    for (const bytes of [hello, refs, unknownField, plain.subarray(0, plain.length - 1), Buffer.alloc(0), Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01])]) {
      expect(readSeriesBatch(bytes)).toBeUndefined();
    }
    expect(() => decodeAgentMessage(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]))).toThrow('Error deserializing request');
    // A head protobufjs refuses (a label value that is not UTF-8): the message is refused, not read.
    const badUtf8 = encode(1, [gauge('vigil_a', { k: 'x' })]);
    badUtf8[badUtf8.indexOf('x')] = 0xff;
    expect(() => vigil.v1.AgentMessage.decode(badUtf8)).toThrow();
    const { fast } = streams();
    expect(() => checkSeriesBatch(readSeriesBatch(badUtf8)!, fast as ValidationContext)).toThrow('Error deserializing request');
  });
});
