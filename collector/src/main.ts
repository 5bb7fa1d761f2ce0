import { writeFileSync } from 'node:fs';
import { ConfigError, loadConfigFile } from './config/config.loader.js';
import { parseCli, USAGE, UsageError } from './cli.js';
import { AddressInUseError, startCollector } from './app.js';
import { VERSION } from './version.js';
import { runReport } from './report-command.js';

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

  const collector = await startCollector({ config, processMetrics: true });
  const http = collector.httpAddress;
  console.log(`vigil-collector ${VERSION} ready grpc=${collector.grpcAddress} http=${http}`);
  console.log(`  metrics: http://${http}/metrics   api: http://${http}/api/agents   db: ${config.storage.path}`);
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      console.log(`vigil-collector: ${signal} received, shutting down`);
      resolve();
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  await collector.close();
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof ConfigError || error instanceof UsageError) {
      console.error(`vigil-collector: ${error.message}`);
      if (error instanceof UsageError) console.error(USAGE);
      process.exit(2);
    }
    if (error instanceof AddressInUseError) {
      console.error(`vigil-collector: ${error.message}`);
      process.exit(1);
    }
    console.error('vigil-collector: fatal:', error);
    process.exit(1);
  },
);
