// Two whole collectors (startCollector) on one PostgreSQL: one leads, the other stands by; /readyz
// says which; an agent connecting to one shows on the other's live feed; closing the leader hands
// the leadership over within a poll. Samples sit in an in-memory store here: this spec is about the
// wiring between collectors, and the PostgreSQL sample store is another helper's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { postgresEngine, type EngineDatabase } from '../../../test/support/engines.js';
import { startCollector, type RunningCollector } from '../../src/app.js';
import { buildConfig } from '../../src/config/config.loader.js';
import { MemorySampleStore } from '../support/memory-sample-store.js';
import { TestAgent } from '../support/test-agent.js';
import { eventually } from './incidents.support.js';

const postgres = postgresEngine('replicas.spec');
const TOKEN = 'agent-token-1';
const POLL_MS = 200;

describe.runIf(postgres)('two collectors on one PostgreSQL', () => {
  let opened: EngineDatabase;
  let url: string;
  const collectors: RunningCollector[] = [];
  const agents: TestAgent[] = [];

  beforeAll(async () => {
    opened = await postgres!.open();
    url = (opened.db as unknown as { url: string }).url;
  });
  afterAll(async () => {
    for (const a of agents) a.close();
    for (const c of collectors) await c.close();
    await opened?.dispose();
  });

  async function start(replicaId: string): Promise<RunningCollector> {
    const config = buildConfig({
      storage: { driver: 'postgres', url },
      listen: { grpc: '127.0.0.1:0', http: '127.0.0.1:0' },
      auth: { agent_tokens: [TOKEN] },
    });
    const c = await startCollector({ config, logLevels: false, replicaId, leaderPollMs: POLL_MS, store: async () => new MemorySampleStore() });
    collectors.push(c);
    return c;
  }
  const readyz = async (c: RunningCollector) => (await fetch(`http://${c.httpAddress}/readyz`)).json();

  it('elects one leader, relays the live feed, and hands over when the leader closes', async () => {
    const a = await start('collector-a');
    const b = await start('collector-b');
    expect(await readyz(a)).toEqual({ status: 'ready', role: 'leader', replica: 'collector-a' });
    expect(await readyz(b)).toEqual({ status: 'ready', role: 'standby', replica: 'collector-b' });

    const live = new WebSocket(`ws://${b.httpAddress}/ws?types=agent`);
    const received: Array<{ type: string; event?: string; agent?: { id: string; hostname: string } }> = [];
    await new Promise<void>((resolve, reject) => {
      live.once('error', reject);
      live.on('message', (data) => {
        const message = JSON.parse(String(data)) as (typeof received)[number];
        if (message.type === 'hello') resolve();
        else received.push(message);
      });
    });
    const agent = new TestAgent(a.grpcAddress, TOKEN).connect().hello();
    agents.push(agent);
    await eventually(() => received.length > 0, 5_000, 'the agent connect on the other collector');
    expect(received[0]).toMatchObject({ type: 'agent', event: 'connected', agent: { id: agent.id, hostname: 'host-1' } });
    live.close();

    const closed = performance.now();
    await a.close();
    await eventually(async () => (await readyz(b)).role === 'leader', 3_000, 'b to lead');
    const handoverMs = performance.now() - closed;
    console.log(`leadership handed over ${handoverMs.toFixed(0)} ms after the leader began closing (poll ${POLL_MS} ms)`);
    expect(handoverMs).toBeLessThan(POLL_MS * 5);
  });
});
