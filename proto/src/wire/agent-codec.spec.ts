import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { vigil } from '../index.js';
import { batchLength, decodeBatch, decodeCollectorMessage, encodeAgentMessage, encodeBatch } from './agent-codec.js';
import { WireError } from './reader.js';
import { WireWriter } from './writer.js';

// The hand-written codec against the generated protobufjs code, on random messages: same bytes out, same values in.
const RUNS = { numRuns: 300 };
const opt = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 3 });
const text = fc.string({ unit: 'binary', maxLength: 40 });
const longText = fc.oneof(text, fc.string({ unit: 'binary', minLength: 100, maxLength: 300 }));
const labels = fc.dictionary(text, longText, { maxKeys: 5 });
const uint64 = fc.oneof(fc.constant(0), fc.nat({ max: 300 }), fc.maxSafeNat());
const int64 = fc.oneof(fc.constant(0), fc.integer({ min: -300, max: 300 }), fc.maxSafeInteger());
const uint32 = fc.oneof(fc.constant(0), fc.nat({ max: 300 }), fc.nat({ max: 0xffffffff }));
const int32 = fc.oneof(fc.constant(0), fc.constantFrom(1, 2), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }));
const doubles = fc.array(fc.double(), { maxLength: 20 });

const series = fc.record({ metric: opt(text), labels: opt(labels), type: opt(int32), timestampsMs: opt(fc.array(int64, { maxLength: 20 })), values: opt(doubles) }, { requiredKeys: [] });
const definition = fc.record({ ref: opt(uint32), metric: opt(text), labels: opt(labels), type: opt(int32) }, { requiredKeys: [] });
const refSamples = fc.record({ refs: opt(fc.array(uint32, { maxLength: 20 })), values: opt(doubles), baseTimestampMs: opt(int64), timestampDeltasMs: opt(fc.array(int64, { maxLength: 20 })) }, { requiredKeys: [] });
const batch = fc.record({ seq: opt(uint64), series: opt(fc.array(series, { maxLength: 6 })), createdMs: opt(int64), definitions: opt(fc.array(definition, { maxLength: 4 })), refSamples: opt(refSamples) }, { requiredKeys: [] });
const hello = fc.record({ agentId: opt(text), hostname: opt(text), version: opt(text), labels: opt(labels), streamEpoch: opt(text), intervalMs: opt(uint32), inventory: opt(labels) }, { requiredKeys: [] });
const heartbeat = fc.record({ timeMs: opt(int64), spoolPending: opt(uint64), spoolDropped: opt(uint64) }, { requiredKeys: [] });
const agentMessage = fc.oneof(fc.record({ hello }), fc.record({ batch }), fc.record({ heartbeat }), fc.constant({}));
const welcome = fc.record({ lastStoredSeq: opt(uint64), maxMessageBytes: opt(uint32), maxSeriesRefs: opt(uint32) }, { requiredKeys: [] });
const rejection = fc.record({ seq: opt(uint64), reason: opt(int32), detail: opt(longText), rejectedSamples: opt(uint32), wholeBatch: opt(fc.boolean()) }, { requiredKeys: [] });
const collectorMessage = fc.oneof(fc.record({ welcome }), fc.record({ ack: fc.record({ seq: opt(uint64) }, { requiredKeys: [] }) }), fc.record({ rejection }), fc.constant({}));

/** A decoded message as plain data, reading every field (protobufjs keeps defaults on prototypes). */
function plain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(plain);
  if (value === null || typeof value !== 'object') return value;
  // The generated prototypes' 64-bit defaults are Long zeros (made before index.ts turns Long off).
  if ('unsigned' in value && 'low' in value && 'high' in value) return (value.high as number) * 2 ** 32 + ((value.low as number) >>> 0);
  const out: Record<string, unknown> = {};
  const proto = Object.getPrototypeOf(value) as object | null;
  const keys = new Set([...Object.keys(value), ...(proto && proto !== Object.prototype ? Object.keys(proto) : [])]);
  for (const key of keys) {
    const field = (value as Record<string, unknown>)[key];
    // protobufjs's oneof name (`body`) and unset oneof members are not data.
    if (key !== 'body' && key !== '$unknowns' && typeof field !== 'function' && field != null) out[key] = plain(field);
  }
  return out;
}

/** Fields of every wire type a newer peer might add: varint, 64-bit, length-delimited, a group, 32-bit. */
function unknownFields(): Buffer {
  const w = new WireWriter();
  w.tag(90, 0).int64(-5).tag(91, 1).raw(Buffer.alloc(8, 7)).tag(92, 2).string('from a newer collector');
  w.uint32((93 << 3) | 3).tag(1, 0).uint32(4).uint32((93 << 3) | 4);
  return w.uint32((94 << 3) | 5).raw(Buffer.from([1, 2, 3, 4])).finish();
}

const delimited = (field: number, body: Uint8Array) => Buffer.concat([new WireWriter().tag(field, 2).uint32(body.length).finish(), body]);

describe('agent codec against the generated code', () => {
  it('encodes every AgentMessage to the same bytes as vigil.v1.AgentMessage.encode', () => {
    fc.assert(
      fc.property(agentMessage, (message) => {
        expect(encodeAgentMessage(message)).toEqual(Buffer.from(vigil.v1.AgentMessage.encode(message).finish()));
      }),
      RUNS,
    );
  });

  it('encodes every Batch to the same bytes as vigil.v1.Batch.encode, and measures it', () => {
    fc.assert(
      fc.property(batch, (b) => {
        const expected = Buffer.from(vigil.v1.Batch.encode(b).finish());
        expect(encodeBatch(b)).toEqual(expected);
        expect(batchLength(b)).toBe(expected.length);
      }),
      RUNS,
    );
  });

  it('writes 64-bit numbers at the edges of its fast paths as the generated code does', () => {
    const edges = [0, -0, 1, 127, 128, 2 ** 32 - 1, 2 ** 32, 2 ** 51, 2 ** 51 + 1, 2 ** 52, 2 ** 53 - 1, 2 ** 53, 2 ** 60, -1, -128, -(2 ** 31), -(2 ** 32), -(2 ** 51), -(2 ** 51) - 1, -(2 ** 53 - 1), -(2 ** 60), 1.5, -1.5, 2 ** 40 + 0.25, NaN, Infinity, -Infinity];
    const b = { seq: 2 ** 53 - 1, createdMs: -(2 ** 51) - 1, series: [{ timestampsMs: edges, values: edges }], refSamples: { refs: [0, 1, 2 ** 32 - 1], timestampDeltasMs: edges, baseTimestampMs: 2 ** 51 } };
    expect(encodeBatch(b)).toEqual(Buffer.from(vigil.v1.Batch.encode(b).finish()));
    for (const seq of edges) expect(encodeBatch({ seq, createdMs: seq })).toEqual(Buffer.from(vigil.v1.Batch.encode({ seq, createdMs: seq }).finish()));
  });

  it('decodes every Batch as vigil.v1.Batch.decode does', () => {
    fc.assert(
      fc.property(batch, (b) => {
        const bytes = vigil.v1.Batch.encode(b).finish();
        expect(plain(decodeBatch(bytes))).toEqual(plain(vigil.v1.Batch.decode(bytes)));
      }),
      RUNS,
    );
  });

  it('decodes every CollectorMessage as vigil.v1.CollectorMessage.decode does', () => {
    fc.assert(
      fc.property(collectorMessage, (m) => {
        const bytes = vigil.v1.CollectorMessage.encode(m).finish();
        expect(plain(decodeCollectorMessage(bytes))).toEqual(plain(vigil.v1.CollectorMessage.decode(bytes)));
      }),
      RUNS,
    );
  });

  it('skips fields it does not know, at the top and inside messages, as a newer collector may send them', () => {
    fc.assert(
      fc.property(welcome, rejection, (w, r) => {
        const extra = unknownFields();
        const welcomeBytes = Buffer.concat([extra, vigil.v1.Welcome.encode(w).finish(), extra]);
        const rejectionBytes = Buffer.concat([vigil.v1.Rejection.encode(r).finish(), extra]);
        const bytes = Buffer.concat([extra, delimited(1, welcomeBytes), extra]);
        expect(plain(decodeCollectorMessage(bytes))).toEqual(plain(vigil.v1.CollectorMessage.decode(vigil.v1.CollectorMessage.encode({ welcome: w }).finish())));
        expect(plain(decodeCollectorMessage(delimited(3, rejectionBytes)))).toEqual(plain({ rejection: vigil.v1.Rejection.decode(vigil.v1.Rejection.encode(r).finish()) }));
      }),
      RUNS,
    );
    // A known field with another wire type than the contract's is skipped too (as the generated decoder does).
    const ackWithFixedSeq = delimited(2, Buffer.from([(1 << 3) | 1, 1, 0, 0, 0, 0, 0, 0, 0]));
    expect(decodeCollectorMessage(ackWithFixedSeq)).toEqual({ ack: { seq: 0 } });
  });

  it('reads unpacked repeated scalars, which the contract allows', () => {
    const w = new WireWriter();
    w.tag(2, 2).fork().tag(1, 2).string('m').tag(4, 0).int64(1000).tag(4, 0).int64(2000).tag(5, 1).raw(Buffer.from(new Float64Array([1.5]).buffer)).ldelim();
    const bytes = w.finish();
    expect(plain(decodeBatch(bytes))).toEqual(plain(vigil.v1.Batch.decode(bytes)));
    expect(decodeBatch(bytes).series).toEqual([{ metric: 'm', labels: {}, type: 0, timestampsMs: [1000, 2000], values: [1.5] }]);
  });

  it('refuses truncated and malformed bytes with an error', () => {
    const bytes = vigil.v1.Batch.encode({ seq: 7, series: [{ metric: 'vigil_x', labels: { a: 'b' }, timestampsMs: [1], values: [2] }], createdMs: 9 }).finish();
    for (let cut = 1; cut < bytes.length; cut++) {
      const truncated = bytes.subarray(0, cut);
      let generated: unknown;
      try {
        vigil.v1.Batch.decode(truncated);
      } catch (error) {
        generated = error;
      }
      // Where the generated decoder fails, so does this one (a cut between fields is a shorter valid message).
      if (generated) expect(() => decodeBatch(truncated)).toThrow();
    }
    expect(() => decodeBatch(Buffer.from([0x0a, 0x05, 0x01]))).toThrow(WireError);
    expect(() => decodeCollectorMessage(Buffer.from([(1 << 3) | 7]))).toThrow('invalid wire type 7');
  });

  it('writes a lone surrogate as U+FFFD, keeping strings valid UTF-8', () => {
    const bytes = encodeAgentMessage({ hello: { agentId: 'a\uD800b' } });
    expect(vigil.v1.AgentMessage.decode(bytes).hello?.agentId).toBe('a\uFFFDb');
  });
});
