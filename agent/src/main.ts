// Process entry: config, startup summary, signal handling. `bin/vigil-agent.js` calls main().
import { loadConfig } from './config/config.loader.js';
import { USAGE } from './cli.js';
import { startAgent } from './agent.js';
import { configSummary } from './config/config.schema.js';
import { createLogger } from './log.js';
import { AGENT_VERSION } from './version.js';

export { startAgent, type AgentDeps, type RunningAgent } from './agent.js';
export { loadConfig } from './config/config.loader.js';
export type { AgentConfig } from './config/config.schema.js';

/** Runs the agent until SIGTERM/SIGINT; resolves with the process exit code. */
export async function main(argv: readonly string[], env: Record<string, string | undefined>): Promise<number> {
  const result = loadConfig({ argv, env, cwd: process.cwd() });
  if (result.status === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  if (result.status === 'version') {
    process.stdout.write(`vigil-agent ${AGENT_VERSION}\n`);
    return 0;
  }
  if (result.status === 'error') {
    for (const error of result.errors) process.stderr.write(`config error: ${error}\n`);
    if (result.command !== 'check-config') return 2;
    const n = result.errors.length;
    process.stderr.write(`${result.configFile ?? 'flags and environment'}: ${n} problem${n === 1 ? '' : 's'}\n`);
    return 1;
  }
  const { config } = result;
  if (result.command === 'check-config') {
    process.stdout.write(`${result.configFile ?? 'flags and environment'}: configuration is valid (${configSummary(config)})\n`);
    return 0;
  }
  const logger = createLogger(config.logLevel, undefined, config.logFormat);
  // Listening from the start: a signal during start-up (the inventory may take seconds) still ends in a clean shutdown.
  const stopSignal = new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  let agent;
  try {
    agent = await startAgent(config, { logger });
  } catch (error) {
    logger.error(`cannot start: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
  logger.info(agent.summary);

  // Everything inside the agent is unref'd; this handle is what keeps the process alive until a signal.
  const keepAlive = setInterval(() => undefined, 1 << 30);
  const signal = await stopSignal;
  const forceExit = (second: NodeJS.Signals) => {
    logger.warn(`${second} again: exiting now; undelivered batches stay in the spool`);
    process.exit(1);
  };
  process.once('SIGTERM', forceExit);
  process.once('SIGINT', forceExit);
  logger.info(`${signal} received: shutting down`, { grace_ms: config.shutdownGraceMs });
  const { delivered, pending } = await agent.shutdown();
  clearInterval(keepAlive);
  logger.info(delivered ? 'stopped; every batch was delivered' : 'stopped; undelivered batches stay in the spool for the next start', { pending });
  return 0;
}
