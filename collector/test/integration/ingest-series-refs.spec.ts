import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentials, makeGenericClientConstructor, Metadata, type ClientDuplexStream } from '@grpc/grpc-js';
import { RejectReason, type vigil } from '@vigil/proto';
import { buildConfig } from '../../src/config/config.loader.js';
import { startCollector, type RunningCollector } from '../../src/app.js';
import { TestAgent } from '../support/test-agent.js';
import { IngestServiceV10 } from '../../../proto/test/fixtures/v1-0.mjs';

const TOKEN = 'agent-token-1';
const API = 'api-token-12';

describe('series references at ingest', () => {
  let dir: string;
  let collector: RunningCollector;
  const closers: Array<() => void> = [];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-refs-'));
    const config = buildConfig({
      storage: { path: join(dir, 'vigil.db') },
      listen: { grpc: '127.0.0.1:0', http: '127.0.0.1:0' },
      auth: { agent_tokens: [TOKEN], api_tokens: [API] },
      ingest: { max_series_per_agent: 500 },
    });
    collector = await startCollector({ config, logLevels: false });
  });

  afterEach(async () => {
    for (const close of closers.splice(0)) close();
    await collector.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const t0 = Date.now() - 60_000;
  const base = () => `http://${collector.httpAddress}`;
  const get = async (path: string) => (await fetch(`${base()}${path}`, { headers: { authorization: `Bearer ${API}` } })).json();
  /** Every stored point of a metric, as "labels ts value". */
  async function points(metric: string): Promise<string[]> {
    const out: string[] = [];
    for (const s of await get(`/api/series?metric=${metric}`)) {
      const q = await get(`/api/query?series=${s.id}&from=${t0 - 1}&to=${t0 + 100_000}`);
      const labels = JSON.stringify(Object.fromEntries(Object.entries(s.labels).sort()));
      for (const [ts, v] of q.points) out.push(`${labels} ${ts - t0} ${v}`);
    }
    return out.sort();
  }
  function agent(): TestAgent {
    const a = new TestAgent(collector.grpcAddress, TOKEN);
    closers.push(() => a.close());
    return a;
  }

  it('stores what an agent of the v1.0 contract sends (full series, encoded with the old schema), which decodes our Welcome', async () => {
    const Client = makeGenericClientConstructor(IngestServiceV10, 'Ingest');
    const client = new Client(collector.grpcAddress, credentials.createInsecure());
    closers.push(() => client.close());
    const metadata = new Metadata();
    metadata.set('authorization', `Bearer ${TOKEN}`);
    const call = (client as unknown as { stream(m: Metadata): ClientDuplexStream<unknown, Record<string, Record<string, unknown>>> }).stream(metadata);
    const messages: Array<Record<string, Record<string, unknown>>> = [];
    call.on('data', (m) => messages.push(m));
    call.write({ hello: { agentId: 'old-agent', hostname: 'old-host', version: '0.1.0', streamEpoch: 'e1', intervalMs: 1000 } });
    for (let seq = 1; seq <= 3; seq++) {
      call.write({ batch: { seq, createdMs: Date.now(), series: [
        { metric: 'vigil_load1', labels: {}, timestampsMs: [t0 + seq * 1000], values: [seq] },
        { metric: 'vigil_cpu_seconds_total', labels: { cpu: '0' }, type: 1, timestampsMs: [t0 + seq * 1000], values: [seq * 10] },
      ] } });
    }
    const deadline = Date.now() + 5000;
    while (!messages.some((m) => m.ack?.seq === 3) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    call.end();
    // Decoded with the old schema: max_series_refs is an unknown field, skipped; last_stored_seq 0 is the default.
    expect(messages[0]).toEqual({ welcome: { maxMessageBytes: 4 * 1024 * 1024 }, body: 'welcome' });
    expect(messages.slice(1).map((m) => m.ack?.seq)).toEqual([1, 2, 3]);
    expect(await points('vigil_load1')).toEqual(['{"agent":"old-agent","host":"old-host"} 1000 1', '{"agent":"old-agent","host":"old-host"} 2000 2', '{"agent":"old-agent","host":"old-host"} 3000 3']);
    expect(await collector.store.countSamples()).toBe(6);
  });

  it('offers references in Welcome and stores referenced samples like full ones; definitions hold for the stream only', async () => {
    const a = agent().connect().hello();
    await a.until(() => a.welcome !== undefined);
    expect(a.welcome!.maxSeriesRefs).toBe(500);
    a.send({ batch: { seq: 1, createdMs: Date.now(), definitions: [{ ref: 1, metric: 'vigil_load1', labels: {} }, { ref: 2, metric: 'vigil_load1', labels: { core: '1' } }], refSamples: { refs: [1, 2], values: [0.5, 1.5], baseTimestampMs: t0 } } });
    a.send({ batch: { seq: 2, createdMs: Date.now(), refSamples: { refs: [2, 1, 1], values: [2.5, 0.75, 1], baseTimestampMs: t0 + 1000, timestampDeltasMs: [0, 0, 1000] } } });
    await a.until(() => a.acks.includes(2));
    expect(a.rejections).toEqual([]);
    expect(await points('vigil_load1')).toEqual([
      '{"agent":"agent-1","core":"1","host":"host-1"} 0 1.5',
      '{"agent":"agent-1","core":"1","host":"host-1"} 1000 2.5',
      '{"agent":"agent-1","host":"host-1"} 0 0.5',
      '{"agent":"agent-1","host":"host-1"} 1000 0.75',
      '{"agent":"agent-1","host":"host-1"} 2000 1',
    ]);
    a.close();

    // A new stream knows no references: a batch using one is refused whole, acked, and stores nothing.
    const b = agent().connect().hello();
    await b.until(() => b.welcome !== undefined);
    b.send({ batch: { seq: 3, createdMs: Date.now(), refSamples: { refs: [1], values: [9], baseTimestampMs: t0 + 5000 } } });
    await b.until(() => b.acks.includes(3));
    expect(b.rejections).toEqual([expect.objectContaining({
      seq: 3, reason: RejectReason.REJECT_REASON_SERIES_REFS, detail: 'sample 0 references series 1, which this stream has not defined', rejectedSamples: 1, wholeBatch: true,
    })]);
    expect(await collector.store.countSamples()).toBe(5);
    const metrics = await (await fetch(`${base()}/metrics`, { headers: { authorization: `Bearer ${API}` } })).text();
    expect(metrics).toMatch(/vigil_ingest_rejected_samples_total\{reason="series_refs"\} 1/);
  });

  it('stores mixed batches (full series and references) and drops what a bad definition or sample names, with reasons and counts; a new stream may number its series anew', async () => {
    const a = agent().connect().hello();
    await a.until(() => a.welcome !== undefined);
    const definitions = [{ ref: 1, metric: 'vigil_mix', labels: { n: '1' } }, { ref: 2, metric: 'bad-name', labels: {} }, { ref: 3, metric: 'vigil_mix', labels: { agent: 'x' } }];
    a.send({ batch: { seq: 1, createdMs: Date.now(), series: [{ metric: 'vigil_mix', labels: { n: 'full' }, timestampsMs: [t0], values: [7] }], definitions, refSamples: { refs: [1, 2, 3, 2], values: [1, 2, 3, 4], baseTimestampMs: t0 } } });
    // Referenced samples one of which is not finite: the rest of the batch is stored.
    a.send({ batch: { seq: 2, createdMs: Date.now(), refSamples: { refs: [1, 1, 2], values: [5, Number.NaN, 6], baseTimestampMs: t0 + 1000, timestampDeltasMs: [0, 1000, 0] } } });
    a.send({ batch: { seq: 3, createdMs: Date.now(), refSamples: { refs: [1], values: [8], baseTimestampMs: t0 + 3000 } } });
    await a.until(() => a.acks.includes(3));
    expect(a.rejections.map((r) => [r.seq, r.reason, r.rejectedSamples, r.detail, r.wholeBatch])).toEqual([
      [1, RejectReason.REJECT_REASON_INVALID_METRIC_NAME, 2, 'invalid metric name "bad-name"', false],
      [1, RejectReason.REJECT_REASON_INVALID_LABEL, 1, 'vigil_mix: label agent is set by the collector', false],
      [2, RejectReason.REJECT_REASON_NON_FINITE_VALUE, 1, 'vigil_mix: value NaN', false],
      [2, RejectReason.REJECT_REASON_INVALID_METRIC_NAME, 1, 'invalid metric name "bad-name"', false],
    ]);
    a.close();

    // The next stream numbers its series differently: 1 is now another series, 2 the one 1 was.
    const b = agent().connect().hello();
    await b.until(() => b.welcome !== undefined);
    b.send({ batch: { seq: 4, createdMs: Date.now(), definitions: [{ ref: 1, metric: 'vigil_mix', labels: { n: '2' } }, { ref: 2, metric: 'vigil_mix', labels: { n: '1' } }], refSamples: { refs: [2, 1], values: [9, 10], baseTimestampMs: t0 + 4000 } } });
    await b.until(() => b.acks.includes(4));
    expect(b.rejections).toEqual([]);
    expect(await points('vigil_mix')).toEqual([
      '{"agent":"agent-1","host":"host-1","n":"1"} 0 1',
      '{"agent":"agent-1","host":"host-1","n":"1"} 1000 5',
      '{"agent":"agent-1","host":"host-1","n":"1"} 3000 8',
      '{"agent":"agent-1","host":"host-1","n":"1"} 4000 9',
      '{"agent":"agent-1","host":"host-1","n":"2"} 4000 10',
      '{"agent":"agent-1","host":"host-1","n":"full"} 0 7',
    ]);
  });

  it('a reconnecting agent defining its series again: the same ones, reordered, changed and invalid ones are stored and refused as by a check of their own', async () => {
    const COUNTER = 1;
    const first: vigil.v1.ISeriesDefinition[] = [
      { ref: 1, metric: 'vigil_rc', labels: { n: '1' } },
      { ref: 2, metric: 'vigil_rc', labels: { n: '2', m: 'x' } },
      { ref: 3, metric: 'vigil_rc', labels: { n: '3' } },
      { ref: 4, metric: 'vigil_rc_total', labels: {}, type: COUNTER },
      { ref: 5, metric: 'vigil_rc', labels: { n: '5' } },
    ];
    const stream = async (hostname: string, seq: number, definitions: vigil.v1.ISeriesDefinition[], base: number) => {
      const a = new TestAgent(collector.grpcAddress, TOKEN, 'agent-1', 'epoch-1', hostname);
      closers.push(() => a.close());
      a.connect().hello();
      await a.until(() => a.welcome !== undefined);
      const refs = definitions.map((d) => d.ref!);
      a.send({ batch: { seq, createdMs: Date.now(), definitions, refSamples: { refs, values: refs.map((r) => base + r), baseTimestampMs: t0 + base * 100 } } });
      await a.until(() => a.acks.includes(seq));
      a.close();
      return a.rejections.map((r) => [r.seq, r.reason, r.rejectedSamples, r.detail, r.wholeBatch]);
    };
    expect(await stream('host-1', 1, first, 0)).toEqual([]);
    const again: vigil.v1.ISeriesDefinition[] = [
      first[0]!, // the same
      { ref: 2, metric: 'vigil_rc', labels: { m: 'x', n: '2' } }, // the same series, labels in another order
      { ref: 3, metric: 'vigil_rc', labels: { n: '3b' } }, // another series under the number
      { ref: 4, metric: 'vigil_rc_total', labels: {} }, // now a gauge: the series stays a counter
      { ref: 5, metric: 'vigil_rc', labels: { n: '5', agent: 'x' } },
      { ref: 6, metric: 'bad-name', labels: {} },
      { ref: 7, metric: 'up', labels: {} },
    ];
    expect(await stream('host-1', 2, again, 10)).toEqual([
      [2, RejectReason.REJECT_REASON_INVALID_LABEL, 1, 'vigil_rc: label agent is set by the collector', false],
      [2, RejectReason.REJECT_REASON_INVALID_METRIC_NAME, 1, 'invalid metric name "bad-name"', false],
      [2, RejectReason.REJECT_REASON_RESERVED_METRIC_NAME, 1, 'metric name up is reserved: the collector exposes it itself', false],
    ]);
    // The same definitions from another host name: other series (the host label is the collector's).
    expect(await stream('host-2', 3, first, 20)).toEqual([]);
    const labels = (host: string, extra: string) => `{"agent":"agent-1","host":"${host}"${extra}}`;
    expect(await points('vigil_rc')).toEqual([
      `${labels('host-1', ',"m":"x","n":"2"')} 0 2`,
      `${labels('host-1', ',"m":"x","n":"2"')} 1000 12`,
      `${labels('host-1', ',"n":"1"')} 0 1`,
      `${labels('host-1', ',"n":"1"')} 1000 11`,
      `${labels('host-1', ',"n":"3"')} 0 3`,
      `${labels('host-1', ',"n":"3b"')} 1000 13`,
      `${labels('host-1', ',"n":"5"')} 0 5`,
      `${labels('host-2', ',"m":"x","n":"2"')} 2000 22`,
      `${labels('host-2', ',"n":"1"')} 2000 21`,
      `${labels('host-2', ',"n":"3"')} 2000 23`,
      `${labels('host-2', ',"n":"5"')} 2000 25`,
    ]);
    expect(await points('vigil_rc_total')).toEqual([`${labels('host-1', '')} 0 4`, `${labels('host-1', '')} 1000 14`, `${labels('host-2', '')} 2000 24`]);
    expect((await collector.store.findSeries({ metric: 'vigil_rc_total' })).map((s) => s.kind)).toEqual(['counter', 'counter']);
  });
});
