// Agent failover between two collectors, end to end: two real `vigil-collector` processes, each on its own
// SQLite file, and one real `vigil-agent` listing both. The first collector is killed with SIGKILL mid-stream;
// the agent must stream to the second within a few seconds, and nothing it produced may be missing: the points
// stored by the first and by the second together are every point the agent spooled (a batch in flight at the
// kill may be in both; with one shared PostgreSQL it would be stored once).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  AGENT_BIN, getJson, sleep, spawnNode, spooledBatches, startCollectorProcess, storedPoints, waitFor, type RunningCollectorProcess, type VigilProcess,
} from './support/vigil-processes.js';

const AGENT_TOKEN = 'failover-agent-token';
const AGENT_ID = 'failover-a';

describe.runIf(process.platform === 'linux')('an agent listing two collectors → the first killed with SIGKILL', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-failover-'));
  const processes: VigilProcess[] = [];

  afterAll(async () => {
    await Promise.all(processes.map((p) => p.stop('SIGKILL')));
    rmSync(dir, { recursive: true, force: true });
  });

  async function collector(name: string, grpc = '127.0.0.1:0'): Promise<RunningCollectorProcess> {
    const c = await startCollectorProcess(['--db', path.join(dir, `${name}.db`), '--grpc-listen', grpc, '--http-listen', '127.0.0.1:0', '--agent-token', AGENT_TOKEN], name);
    processes.push(c);
    return c;
  }

  const connectedTo = (c: RunningCollectorProcess) => async () => {
    const agents = await getJson<{ id: string; connected: boolean }[]>(c.http, '/api/agents').catch(() => []);
    return agents.some((a) => a.id === AGENT_ID && a.connected) ? true : undefined;
  };

  it('streams to the second within seconds; the two databases together hold every point the agent produced', async () => {
    const [first, second] = await Promise.all([collector('first'), collector('second')]);
    const agent = spawnNode(AGENT_ID, AGENT_BIN, [
      '--collector', `${first.grpc},${second.grpc}`, '--token', AGENT_TOKEN, '--interval', '1s', '--id', AGENT_ID,
      '--spool-dir', path.join(dir, 'spool'), '--log-level', 'debug',
    ]);
    processes.push(agent);

    await waitFor('the agent on the first collector', connectedTo(first), 30_000);
    await sleep(3_000);
    const killedAt = Date.now();
    await first.stop('SIGKILL');
    await waitFor('the agent on the second collector', connectedTo(second), 10_000, 100);
    const failoverMs = Date.now() - killedAt;
    expect(failoverMs, agent.tail()).toBeLessThan(5_000);
    expect(agent.output).toContain(`connected to collector ${first.grpc} (1 of 2)`);
    expect(agent.output).toContain(`connected to collector ${second.grpc} (2 of 2)`);
    await sleep(3_000);

    const exit = await agent.stop('SIGTERM', 20_000);
    expect(exit, agent.tail()).toEqual({ code: 0, signal: null });
    expect(agent.output, agent.tail()).toMatch(/every batch was delivered/);

    const produced = spooledBatches(agent);
    const seqs = [...produced.keys()].sort((a, b) => a - b);
    expect(seqs, agent.tail()).toEqual(seqs.map((_, i) => i + 1));
    const producedSamples = [...produced.values()].reduce((a, b) => a + b, 0);

    // The killed collector's database, read back through a fresh process on it (another gRPC port: no agent dials it).
    const firstAgain = await collector('first', '127.0.0.1:0');
    const atFirst = await storedPoints(firstAgain.http, AGENT_ID);
    const atSecond = await storedPoints(second.http, AGENT_ID);
    for (const [name, points] of [['first', atFirst], ['second', atSecond]] as const) {
      expect(points.length, `${name} stored something`).toBeGreaterThan(0);
      expect(new Set(points).size, `no point stored twice by ${name}`).toBe(points.length);
    }
    const union = new Set([...atFirst, ...atSecond]);
    expect(union.size, 'points stored by the two collectors together').toBe(producedSamples);
    // Only a batch in flight at the kill (stored by the first, its ack lost) can be in both.
    const inBoth = atFirst.length + atSecond.length - union.size;
    console.log(`agent failover: ${failoverMs} ms from SIGKILL to streaming to the second collector; ${producedSamples} samples in ${seqs.length} batches, ${atFirst.length} at the first, ${atSecond.length} at the second, ${inBoth} in both`);
  }, 120_000);
});
