// A real collector on a temporary SQLite file, with test agents over loopback gRPC; cleanup()
// closes the agents and the collector and removes the directory.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildConfig } from '../../src/config/config.loader.js';
import { startCollector, type RunningCollector, type StartOptions } from '../../src/app.js';
import type { Database } from '../../src/database/database.js';
import { TestAgent } from './test-agent.js';

export class TempCollector {
  private dir: string | undefined;
  private collector: RunningCollector | undefined;
  private readonly agents: TestAgent[] = [];

  constructor(
    private readonly prefix: string,
    private readonly agentToken: string,
  ) {}

  async start(store: StartOptions['store']): Promise<RunningCollector> {
    this.dir = mkdtempSync(join(tmpdir(), this.prefix));
    const config = buildConfig({ storage: { path: join(this.dir, 'vigil.db') }, listen: { grpc: '127.0.0.1:0', http: '127.0.0.1:0' }, auth: { agent_tokens: [this.agentToken] } });
    this.collector = await startCollector({ config, logLevels: false, store });
    return this.collector;
  }

  agent(c: RunningCollector): TestAgent {
    const a = new TestAgent(c.grpcAddress, this.agentToken).connect().hello();
    this.agents.push(a);
    return a;
  }

  async cleanup(): Promise<void> {
    for (const a of this.agents.splice(0)) a.close();
    await this.collector?.close();
    this.collector = undefined;
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Caps the database file at its current size (SQLite's own limit): the next write that needs a new page fails with SQLITE_FULL. */
export async function fillDatabase(db: Database): Promise<void> {
  const pages = (await db.get<{ page_count: number }>('PRAGMA page_count'))!.page_count;
  await db.transaction((tx) => tx.exec(`PRAGMA max_page_count = ${pages}`));
}

/** Lifts the cap of fillDatabase. */
export async function freeDatabase(db: Database): Promise<void> {
  await db.transaction((tx) => tx.exec('PRAGMA max_page_count = 1073741823'));
}
