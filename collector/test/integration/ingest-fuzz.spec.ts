// Property-based fuzzing of the gRPC ingest stream against a real collector (real SQLite file,
// loopback gRPC): garbage frames and structured, mostly-valid hellos and batches. Every input must
// get an answer (Welcome, Ack, Rejection or a status) within a deadline, the collector must stay
// healthy, and the store must change by exactly the samples an independent model calls valid:
// nothing of a rejected input is stored.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { credentials, makeGenericClientConstructor, Metadata, type ServiceError } from '@grpc/grpc-js';
import { INGEST_STREAM_PATH, IngestService, RejectReason, vigil } from '@vigil/proto';
import { AGENT_TOKEN, IngestHarness } from '../support/ingest-harness.js';
import { TestAgent } from '../support/test-agent.js';

const MAX_GAP = 1_000;
const ANSWER_DEADLINE_MS = 5_000;

/** Pools with known verdicts: the model below decides validity from them, not from the collector. */
const METRICS: Array<[string, boolean]> = [
  ['vigil_fuzz_a', true], ['vigil_fuzz_b', true], ['vigil_fuzz_c', true], ['vigil_fuzz_d', true], ['vigil_fuzzCamel', true], ['up', false], ['scrape_duration_seconds', false],
  ['vigil_ingest_samples_total', false], ['vigil_ingest_ack_latency_seconds_bucket', false], ['bad-name', false], ['', false],
];
const LABELS: Array<[Record<string, string>, boolean]> = [
  [{}, true], [{ k: 'v' }, true], [{ k: 'w' }, true], [{ j: 'v', k: 'v' }, true], [{ le: '1' }, true], [{ 'bad-label': 'x' }, false], [{ __name__: 'x' }, false], [{ agent: 'spoof' }, false],
];
type TsKind = 'recent' | 'old' | 'future';
type ValueKind = 'finite' | 'nan' | 'inf';

interface SeriesSpec { metric: number; labels: number; samples: Array<[TsKind, ValueKind]>; extraTimestamp: boolean }
type SeqStep = { kind: 'next' } | { kind: 'skip'; by: number } | { kind: 'gap'; by: number } | { kind: 'zero' } | { kind: 'replay' };
interface BatchSpec { seq: SeqStep; series: SeriesSpec[] }

/** True about once in `n`. */
const rarely = (n: number) => fc.nat(n - 1).map((x) => x === 0);

const seriesArb: fc.Arbitrary<SeriesSpec> = fc.record({
  metric: fc.nat(METRICS.length - 1),
  labels: fc.nat(LABELS.length - 1),
  samples: fc.array(fc.tuple(fc.constantFrom<TsKind>('recent', 'recent', 'recent', 'old', 'future'), fc.constantFrom<ValueKind>('finite', 'finite', 'finite', 'nan', 'inf')), { maxLength: 3 }),
  extraTimestamp: rarely(10),
});
const seqArb: fc.Arbitrary<SeqStep> = fc.oneof(
  { weight: 6, arbitrary: fc.constant({ kind: 'next' as const }) },
  { weight: 2, arbitrary: fc.integer({ min: 2, max: MAX_GAP }).map((by) => ({ kind: 'skip' as const, by })) },
  { weight: 1, arbitrary: fc.integer({ min: MAX_GAP + 1, max: 1e12 }).map((by) => ({ kind: 'gap' as const, by })) },
  { weight: 1, arbitrary: fc.constant({ kind: 'zero' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'replay' as const }) },
);
const helloArb = fc.record({
  labels: fc.constantFrom<Record<string, string>>({}, { site: 'b' }, { role: 'db', site: 'c' }, {}, { site: 'd' }, { 'bad-label': 'x' }, { __name__: 'x' }),
  hugeInventory: rarely(15),
});
const sessionArb = fc.record({ hello: helloArb, batches: fc.array(fc.record({ seq: seqArb, series: fc.array(seriesArb, { maxLength: 3 }) }), { minLength: 1, maxLength: 6 }) });

let nextTimestamp = 0;
function timestampFor(kind: TsKind): number {
  const unique = nextTimestamp++;
  if (kind === 'old') return Date.now() - 30 * 86_400_000 - unique;
  if (kind === 'future') return Date.now() + 3_600_000 + unique;
  return Date.now() - 60_000 - unique; // unique per sample: no sample ever overwrites another
}

/** The batch to send and the samples the model expects stored from it. */
function build(spec: BatchSpec, seq: number): { batch: vigil.v1.IBatch; valid: number } {
  let valid = 0;
  const series = spec.series.map((s): vigil.v1.ISeries => {
    const [metric, metricOk] = METRICS[s.metric]!;
    const [labels, labelsOk] = LABELS[s.labels]!;
    const timestampsMs = s.samples.map(([ts]) => timestampFor(ts));
    const values = s.samples.map(([, v]) => (v === 'nan' ? Number.NaN : v === 'inf' ? Number.POSITIVE_INFINITY : 1.5));
    if (s.extraTimestamp) timestampsMs.push(timestampFor('recent'));
    if (metricOk && labelsOk && !s.extraTimestamp) valid += s.samples.filter(([ts, v]) => ts === 'recent' && v === 'finite').length;
    return { metric, labels, type: vigil.v1.MetricType.METRIC_TYPE_GAUGE, timestampsMs, values };
  });
  return { batch: { seq, series, createdMs: Date.now() }, valid };
}

describe('ingest fuzzing (fast-check, real collector)', () => {
  let h: IngestHarness;
  let session = 0;
  const checked = { batches: 0, whole: 0, stored: 0 };
  beforeAll(async () => {
    h = await IngestHarness.start({ ingest: { max_sequence_gap: MAX_GAP } });
  });
  afterAll(() => h.close());

  const healthy = async () => expect((await fetch(`http://${h.collector.httpAddress}/healthz`)).status).toBe(200);

  it('answers every structured session, and stores exactly what the model calls valid', async () => {
    await fc.assert(
      fc.asyncProperty(sessionArb, async ({ hello, batches }) => {
        const agent = h.agent(AGENT_TOKEN, `fuzz-${session++}`);
        agent.connect().hello({ labels: hello.labels, inventory: hello.hugeInventory ? { blob: 'x'.repeat(70_000) } : {} });
        const helloOk = !('bad-label' in hello.labels) && !('__name__' in hello.labels) && !hello.hugeInventory;
        try {
          await agent.until(() => agent.welcome !== undefined || agent.error !== undefined, ANSWER_DEADLINE_MS);
          if (!helloOk) {
            expect(agent.error?.code).toBe(3); // INVALID_ARGUMENT
            return;
          }
          let highest = 0;
          const sent: Array<{ batch: vigil.v1.IBatch; stored: boolean }> = [];
          for (const spec of batches) {
            const previous = sent[sent.length - 1];
            const replay = spec.seq.kind === 'replay' && previous !== undefined;
            const seq = replay ? Number(previous.batch.seq) : spec.seq.kind === 'zero' ? 0 : highest + (spec.seq.kind === 'next' || spec.seq.kind === 'replay' ? 1 : spec.seq.by);
            const { batch, valid } = replay ? { batch: previous.batch, valid: 0 } : build(spec, seq);
            const before = await h.collector.store.countSamples();
            const rejectionsBefore = agent.rejections.length;
            const acksBefore = agent.acks.length;
            agent.send({ batch });
            await agent.until(() => agent.acks.length > acksBefore || agent.error !== undefined, ANSWER_DEADLINE_MS);
            expect(agent.error).toBeUndefined();
            const whole = agent.rejections.slice(rejectionsBefore).find((r) => r.wholeBatch);
            const delta = (await h.collector.store.countSamples()) - before;
            const expectWhole = !replay && (seq === 0 || seq - highest > MAX_GAP);
            if (expectWhole || (replay && !previous.stored)) {
              expect(whole?.reason).toBe(seq === 0 ? RejectReason.REJECT_REASON_SEQUENCE : RejectReason.REJECT_REASON_SEQUENCE_GAP);
              expect(delta).toBe(0);
            } else {
              expect(whole).toBeUndefined();
              expect(delta).toBe(valid);
            }
            const stored = !expectWhole && !(replay && !previous.stored);
            if (stored && !replay) highest = seq;
            sent.push({ batch, stored: replay ? previous.stored : stored });
            checked.batches++;
            if (whole) checked.whole++;
            checked.stored += delta;
          }
        } finally {
          agent.close();
        }
      }),
      { numRuns: 200, interruptAfterTimeLimit: 45_000 },
    );
    // The generators reach every branch: many batches, some rejected whole, samples stored.
    expect(checked.batches).toBeGreaterThan(300);
    expect(checked.whole).toBeGreaterThan(20);
    expect(checked.stored).toBeGreaterThan(30);
    await healthy();
  }, 90_000);

  it('answers random bytes on the stream with a message or a status, never hangs or crashes', async () => {
    const Client = makeGenericClientConstructor(IngestService, 'Ingest');
    const client = new Client(h.collector.grpcAddress, credentials.createInsecure());
    const before = await h.collector.store.countSamples();
    const frame = fc.oneof(
      fc.uint8Array({ maxLength: 512 }),
      // Valid framing of a random message (hello, batch or heartbeat with random fields), then random tail bytes.
      fc.tuple(fc.constantFrom(0x0a, 0x12, 0x1a), fc.uint8Array({ maxLength: 200 })).map(([tag, body]) => Uint8Array.from([tag, body.length, ...body])),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(frame, { minLength: 1, maxLength: 3 }), async (frames) => {
        const metadata = new Metadata();
        metadata.set('authorization', `Bearer ${AGENT_TOKEN}`);
        const call = client.makeBidiStreamRequest(INGEST_STREAM_PATH, (b: Buffer) => b, (b: Buffer) => b, metadata);
        const answered = new Promise<string>((resolve) => {
          call.on('data', () => resolve('message'));
          call.on('error', (e: ServiceError) => resolve(`status ${e.code}`));
          call.on('status', () => resolve('status'));
        });
        for (const f of frames) call.write(Buffer.from(f));
        const timeout = new Promise<string>((resolve) => setTimeout(() => resolve('none'), ANSWER_DEADLINE_MS).unref());
        const answer = await Promise.race([answered, timeout]);
        call.cancel();
        // A frame decoding to a valid hello alone gets a Welcome; everything else an error status.
        expect(answer).not.toBe('none');
      }),
      { numRuns: 200, interruptAfterTimeLimit: 30_000 },
    );
    client.close();
    // Random frames never carry a valid recent sample: nothing may have been stored.
    expect(await h.collector.store.countSamples()).toBe(before);
    await healthy();
    const agent = new TestAgent(h.collector.grpcAddress, AGENT_TOKEN, 'after-fuzz').connect().hello();
    agent.batch(1, [{ metric: 'vigil_after', timestampsMs: [Date.now() - 1000], values: [1] }]);
    await agent.until(() => agent.acks.includes(1));
    agent.close();
  }, 60_000);
});
