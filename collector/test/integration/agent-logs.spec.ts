// An operator reads in the collector's log when an agent connects and when its stream is gone.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildConfig } from '../../src/config/config.loader.js';
import { startCollector, type RunningCollector } from '../../src/app.js';
import { RecordingLogger } from '../support/recording-logger.js';
import { TestAgent } from '../support/test-agent.js';
import { eventually } from './incidents.support.js';

const TOKEN = 'agent-token-1';

describe('agent connection log lines', () => {
  let dir: string;
  let collector: RunningCollector;
  const logger = new RecordingLogger();

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-agent-logs-'));
    const config = buildConfig({ storage: { path: join(dir, 'vigil.db') }, listen: { grpc: '127.0.0.1:0', http: '127.0.0.1:0' }, auth: { agent_tokens: [TOKEN] } });
    collector = await startCollector({ config, logger });
  });
  afterEach(async () => {
    await collector.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('logs one line when an agent connects and one when its stream is lost', async () => {
    const agent = new TestAgent(collector.grpcAddress, TOKEN).connect().hello();
    await agent.until(() => agent.welcome !== undefined);
    const agentLines = () => logger.lines.filter((l) => l.startsWith('log [ingest] agent '));
    expect(agentLines()).toEqual([expect.stringMatching(/^log \[ingest\] agent agent-1 \(host-1\) connected from \S+; resumes after seq 0$/)]);
    agent.close();
    await eventually(() => agentLines().length === 2, 5000, 'the disconnect line');
    expect(agentLines()[1]).toMatch(/^log \[ingest\] agent agent-1 \(host-1\) disconnected from \S+$/);
  });
});
