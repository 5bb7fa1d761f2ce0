// The delivery guarantee end to end: real `vigil-agent` processes stream host metrics to a real
// `vigil-collector` on a SQLite file, and on PostgreSQL; the collector is killed with SIGKILL mid-stream (twice) and
// restarted on the same port. Afterwards every sample the agents produced must be stored exactly
// once. What an agent produced is read from its own debug log ("spooled batch seq=N samples=M"),
// what the collector stored from its query API.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  AGENT_BIN, getJson, sleep, spawnNode, spooledBatches, startCollectorProcess, storedPoints, waitFor, type RunningCollectorProcess, type VigilProcess,
} from './support/vigil-processes.js';
import { createPostgresDatabase, postgresServerUrl, type TestDatabase } from '../test/support/postgres.js';

const AGENT_TOKEN = 'crash-test-agent-token';
const AGENTS = ['crash-a', 'crash-b', 'crash-c'];

interface SeriesRef { id: number; metric: string; labels: Record<string, string> }
interface AgentView { id: string; connected: boolean; lastSeen: number }

const serverUrl = postgresServerUrl('pipeline-crash.spec');
const storages = ['sqlite', ...(serverUrl ? ['postgres'] : [])];

describe.runIf(process.platform === 'linux').each(storages)('agents → collector on %s killed with SIGKILL → restarted', (storage) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-crash-'));
  const db = path.join(dir, 'vigil.db');
  const processes: VigilProcess[] = [];
  let pg: TestDatabase | undefined;

  afterAll(async () => {
    await Promise.all(processes.map((p) => p.stop('SIGKILL')));
    rmSync(dir, { recursive: true, force: true });
    await pg?.drop();
  });

  async function collectorOn(grpc: string, http: string, name: string): Promise<RunningCollectorProcess> {
    if (storage === 'postgres') pg ??= await createPostgresDatabase(serverUrl!);
    const where = pg ? [] : ['--db', db];
    const c = await startCollectorProcess([...where, '--grpc-listen', grpc, '--http-listen', http, '--agent-token', AGENT_TOKEN], name, pg ? { VIGIL_STORAGE_URL: pg.url } : {});
    processes.push(c);
    return c;
  }

  it('stores every sample exactly once', async () => {
    let collector = await collectorOn('127.0.0.1:0', '127.0.0.1:0', 'collector-1');
    const grpc = collector.grpc;
    const agents = AGENTS.map((id) => {
      const agent = spawnNode(id, AGENT_BIN, [
        '--collector', grpc, '--token', AGENT_TOKEN, '--interval', '1s', '--id', id,
        '--spool-dir', path.join(dir, `spool-${id}`), '--log-level', 'debug',
      ]);
      processes.push(agent);
      return agent;
    });
    const allConnected = (c: RunningCollectorProcess) => async () => {
      const list = await getJson<AgentView[]>(c.http, '/api/agents').catch(() => []);
      return AGENTS.every((id) => list.some((a) => a.id === id && a.connected)) ? true : undefined;
    };

    // Two crashes while batches are in flight; the agents keep sampling into their spools meanwhile.
    for (const round of [2, 3]) {
      await waitFor('all agents connected', allConnected(collector), 30_000);
      await sleep(2_500);
      await collector.stop('SIGKILL');
      await sleep(2_000);
      collector = await collectorOn(grpc, '127.0.0.1:0', `collector-${round}`);
    }
    await waitFor('all agents connected after the last restart', allConnected(collector), 30_000);
    await sleep(2_000);

    // SIGTERM: each agent closes its last batch, delivers what is left and exits 0.
    const exits = await Promise.all(agents.map((a) => a.stop('SIGTERM', 20_000)));
    for (const [i, exit] of exits.entries()) expect(exit, agents[i]!.tail()).toEqual({ code: 0, signal: null });

    for (const agent of agents) {
      const produced = spooledBatches(agent);
      const seqs = [...produced.keys()].sort((a, b) => a - b);
      // Seqs are consecutive from 1: nothing was skipped while the collector was down.
      expect(seqs, agent.tail()).toEqual(seqs.map((_, i) => i + 1));
      expect(agent.output, agent.tail()).toMatch(/every batch was delivered/);
      const producedSamples = [...produced.values()].reduce((a, b) => a + b, 0);
      expect(producedSamples).toBeGreaterThan(100);
      expect((await storedPoints(collector.http, agent.name)).length, `samples stored for ${agent.name}`).toBe(producedSamples);
    }

    // No duplicate: within every series the timestamps strictly increase.
    const series = await getJson<SeriesRef[]>(collector.http, '/api/series?limit=100000');
    for (const s of series) {
      const { points } = await getJson<{ points: [number, number][] }>(collector.http, `/api/query?series=${s.id}`);
      for (let i = 1; i < points.length; i++) expect(points[i]![0], `${s.metric} ${JSON.stringify(s.labels)}`).toBeGreaterThan(points[i - 1]![0]);
    }
  }, 150_000);
});
