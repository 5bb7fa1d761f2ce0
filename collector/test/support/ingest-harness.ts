import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildConfig } from '../../src/config/config.loader.js';
import { startCollector, type RunningCollector } from '../../src/app.js';
import { TestAgent } from './test-agent.js';

export const AGENT_TOKEN = 'agent-token-1';

/** A real collector (real SQLite file in a temp dir, gRPC and HTTP on ephemeral loopback ports) plus scripted agents. */
export class IngestHarness {
  private readonly agents: TestAgent[] = [];

  private constructor(
    readonly dir: string,
    readonly raw: Record<string, unknown>,
    public collector: RunningCollector,
  ) {}

  /** `raw` is merged over storage, listen and auth defaults (one shared agent token). */
  static async start(raw: Record<string, unknown> = {}, dir = mkdtempSync(join(tmpdir(), 'vigil-ingest-'))): Promise<IngestHarness> {
    const full = { storage: { path: join(dir, 'vigil.db') }, listen: { grpc: '127.0.0.1:0', http: '127.0.0.1:0' }, auth: { agent_tokens: [AGENT_TOKEN] }, ...raw };
    return new IngestHarness(dir, full, await startCollector({ config: buildConfig(full), logLevels: false }));
  }

  agent(token = AGENT_TOKEN, id = 'agent-1', epoch = 'epoch-1', hostname = 'host-1'): TestAgent {
    const a = new TestAgent(this.collector.grpcAddress, token, id, epoch, hostname);
    this.agents.push(a);
    return a;
  }

  metricsText(): Promise<string> {
    return fetch(`http://${this.collector.httpAddress}/metrics`).then((r) => r.text());
  }

  /** Closes agents and the collector, then starts a new collector on the same database file. */
  async restart(): Promise<void> {
    await this.stopCollector();
    this.collector = await startCollector({ config: buildConfig(this.raw), logLevels: false });
  }

  async close(): Promise<void> {
    await this.stopCollector();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async stopCollector(): Promise<void> {
    for (const a of this.agents.splice(0)) a.close();
    await this.collector.close();
  }
}

/** Milliseconds ten seconds ago: a timestamp every collector accepts. */
export const recentMs = () => Date.now() - 10_000;
