import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { INestApplicationContext, ModuleMetadata } from '@nestjs/common';
import type { CollectorConfig } from '../config/config.schema.js';
import type { CliArgs } from '../cli.js';
import { CoreModule } from '../core/core.module.js';
import { Database } from '../database/database.js';
import { migrate } from '../database/migrations.js';
import { allMigrations } from '../database/all-migrations.js';
import { openSampleStore } from '../storage/open-store.js';
import { runSlaReportCommand } from './sla-report-command.js';
import { runCapacityReportCommand } from './capacity-report-command.js';

export interface RenderedReport {
  contentType: string;
  body: string;
}

/**
 * Boots only the modules a report needs on the configured database (no gRPC, no HTTP), runs `use`
 * and shuts everything down. Safe next to a running collector: SQLite WAL allows concurrent readers.
 */
export async function withReportContext<T>(
  config: CollectorConfig,
  modules: NonNullable<ModuleMetadata['imports']>,
  use: (app: INestApplicationContext) => Promise<T>,
): Promise<T> {
  const database = await Database.open({ path: config.storage.path, durability: config.storage.durability });
  // Creates the schema on a new file (a report of nothing); changes nothing on an existing one.
  await migrate(database, allMigrations);
  // No background compaction: a report only reads; the running collector owns the log.
  const store = await openSampleStore(database, { compaction: { auto: false } });
  const root = class ReportRoot {};
  const app = await NestFactory.createApplicationContext(
    { module: root, imports: [CoreModule.forRoot({ config, database, store, processMetrics: false }), ...modules] },
    { logger: ['error'] },
  );
  try {
    return await use(app);
  } finally {
    await app.close();
  }
}

/** Renders a report from the stored data without starting the listeners (`vigil-collector report …`). */
export async function runReport(config: CollectorConfig, args: CliArgs): Promise<RenderedReport> {
  if (args.reportKind === 'sla') return runSlaReportCommand(config, args);
  if (args.reportKind === 'capacity') return runCapacityReportCommand(config, args);
  throw new Error(`unknown report kind ${args.reportKind}`);
}
