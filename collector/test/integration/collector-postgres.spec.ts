// Whole collectors on PostgreSQL (storage.driver: postgres): a real agent stream over loopback
// gRPC stores its batches in the shared database; a second collector on the same database takes
// the agent over where the first left it.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildConfig } from '../../src/config/config.loader.js';
import { startCollector, type RunningCollector } from '../../src/app.js';
import { createPostgresDatabase, postgresServerUrl, type TestDatabase } from '../../../test/support/postgres.js';
import { TestAgent, gauge } from '../support/test-agent.js';

const TOKEN = 'agent-token-1';
const serverUrl = postgresServerUrl('collector-postgres.spec');

describe.runIf(serverUrl)('collectors on PostgreSQL', () => {
  let database: TestDatabase;
  const collectors: RunningCollector[] = [];
  const agents: TestAgent[] = [];

  const start = async (): Promise<RunningCollector> => {
    const config = buildConfig({ storage: { driver: 'postgres', url: database.url }, listen: { grpc: '127.0.0.1:0', http: '127.0.0.1:0' }, auth: { agent_tokens: [TOKEN] } });
    const collector = await startCollector({ config, logLevels: false });
    collectors.push(collector);
    return collector;
  };
  const agent = (collector: RunningCollector) => {
    const a = new TestAgent(collector.grpcAddress, TOKEN);
    agents.push(a);
    return a;
  };

  beforeEach(async () => {
    database = await createPostgresDatabase(serverUrl!);
  });

  afterEach(async () => {
    for (const a of agents.splice(0)) a.close();
    for (const c of collectors.splice(0)) await c.close();
    await database.drop();
  });

  it('stores an agent stream, acks after commit, serves it over the API and answers replays as duplicates', async () => {
    const collector = await start();
    const t0 = Date.now() - 10_000;
    const a = agent(collector).connect().hello();
    a.batch(1, [gauge('vigil_load1', {}, t0, [0.5, 0.75, 1.25]), gauge('vigil_filesystem_used_ratio', { mountpoint: '/' }, t0, [0.42])]);
    a.batch(2, [gauge('vigil_load1', {}, t0 + 3000, [1.5])]);
    await a.until(() => a.acks.includes(2));
    expect(await collector.store.countSamples()).toBe(5);
    a.close();

    const again = agent(collector).connect().hello();
    await again.until(() => again.welcome !== undefined);
    expect(Number(again.welcome!.lastStoredSeq)).toBe(2);
    again.batch(2, [gauge('vigil_load1', {}, t0 + 3000, [1.5])]).batch(3, [gauge('vigil_load1', {}, t0 + 4000, [2])]);
    await again.until(() => again.acks.includes(3));
    expect(await collector.store.countSamples()).toBe(6);

    const base = `http://${collector.httpAddress}`;
    const series = await (await fetch(`${base}/api/series?metric=vigil_load1`)).json();
    expect(series).toEqual([{ id: expect.any(Number), metric: 'vigil_load1', labels: { agent: 'agent-1', host: 'host-1' } }]);
    const q = await (await fetch(`${base}/api/query?series=${series[0].id}&from=${t0}&to=${t0 + 5000}`)).json();
    expect(q.points).toEqual([[t0, 0.5], [t0 + 1000, 0.75], [t0 + 2000, 1.25], [t0 + 3000, 1.5], [t0 + 4000, 2]]);
  });

  it('lets a second collector take the agent over: it resumes after the last batch the first stored', async () => {
    const first = await start();
    const second = await start();
    const t0 = Date.now() - 10_000;
    const a = agent(first).connect().hello();
    for (let seq = 1; seq <= 5; seq++) a.batch(seq, [gauge('vigil_load1', {}, t0 + seq * 1000, [seq])]);
    await a.until(() => a.acks.includes(5));
    a.close();

    const b = agent(second).connect().hello();
    await b.until(() => b.welcome !== undefined);
    expect(Number(b.welcome!.lastStoredSeq)).toBe(5);
    // A replay of the last batch (its ack was lost) and the next one.
    b.batch(5, [gauge('vigil_load1', {}, t0 + 5000, [5])]).batch(6, [gauge('vigil_load1', {}, t0 + 6000, [6])]);
    await b.until(() => b.acks.includes(6));
    for (const c of [first, second]) {
      expect(await c.store.countSamples()).toBe(6);
      const [ref] = await c.store.findSeries({ metric: 'vigil_load1' });
      expect((await c.store.queryRange(ref!.id, 0, Infinity)).map((p) => p[1])).toEqual([1, 2, 3, 4, 5, 6]);
    }
  });
});
