import { writeFileSync } from 'node:fs';
import type { LoggerService } from '@nestjs/common';
import { ConfigError, loadConfigFile } from './config/config.loader.js';
import { describeStorage } from './database/database.config.js';
import { parseCli, USAGE, UsageError } from './cli.js';
import { AddressInUseError, startCollector } from './app.js';
import { VERSION } from './version.js';
import { runReport } from './report-command.js';
import { createCollectorLogger } from './common/logger.js';
import { startupWarnings } from './config/startup-warnings.js';

const CONTEXT = 'vigil-collector';
/** Set once the configuration is known; until then problems go to stderr as plain lines. */
let logger: LoggerService | undefined;

async function main(argv: string[]): Promise<number> {
  const args = parseCli(argv);
  if (args.command === 'help') {
    console.log(USAGE);
    return 0;
  }
  if (args.command === 'version') {
    console.log(VERSION);
    return 0;
  }
  const config = loadConfigFile(args.configPath, args.overrides);
  if (args.command === 'check-config') {
    console.log(`${args.configPath ?? 'defaults'}: configuration is valid`);
    return 0;
  }
  if (args.command === 'report') {
    const { body } = await runReport(config, args);
    if (args.out) writeFileSync(args.out, body);
    else process.stdout.write(body);
    return 0;
  }

  const log = (logger = createCollectorLogger(config.log));
  const collector = await startCollector({ config, processMetrics: true, logger: log });
  const http = collector.httpAddress;
  // Listening for the signals before the ready line: whoever waits for that line may stop us at once.
  const stopped = new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log.log(`${signal} received, shutting down`, CONTEXT);
      resolve();
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  // The addresses are not the last word of the line, so that `http=(\S+)` also works on JSON lines.
  log.log(`vigil-collector ${VERSION} ready grpc=${collector.grpcAddress} http=${http} db=${describeStorage(config.storage)}`, CONTEXT);
  log.log(`metrics: http://${http}/metrics   api: http://${http}/api/agents   api description: http://${http}/api/openapi.json`, CONTEXT);
  // After the banner, so they are the last thing an operator sees at start.
  for (const warning of startupWarnings(config)) log.warn(`WARNING: ${warning}`, 'security');
  await stopped;
  await collector.close();
  return 0;
}

function fail(message: string): void {
  if (logger) logger.error(message, CONTEXT);
  else console.error(`vigil-collector: ${message}`);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof ConfigError || error instanceof UsageError) {
      fail(error.message);
      if (error instanceof UsageError) console.error(USAGE);
      process.exit(2);
    }
    if (error instanceof AddressInUseError) {
      fail(error.message);
      process.exit(1);
    }
    fail(`fatal: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
