// `vigil-collector report sla|capacity`: the same reports as GET /api/reports/…, rendered from the
// stored data by booting only the modules a report needs (no gRPC, no HTTP, READ_ONLY: no timers,
// nothing written). App level: it wires core, storage and the report modules together.
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { HttpException, type INestApplicationContext, type ModuleMetadata } from '@nestjs/common';
import type { CollectorConfig } from './config/config.schema.js';
import { parseCliInput, UsageError, type CliArgs } from './cli.js';
import { CoreModule } from './core/core.module.js';
import { openDatabase } from './database/open-database.js';
import { databaseSettings, describeStorage } from './database/database.config.js';
import { migrate } from './database/migrations.js';
import { allMigrations } from './all-migrations.js';
import { openSampleStore } from './storage/open-store.js';
import { parseInput } from './api/validation.js';
import { RollupsModule } from './rollups/rollups.module.js';
import { CapacityReportModule, SlaReportModule } from './reports/reports.module.js';
import { SlaReportService } from './reports/sla-report.js';
import { CapacityReportService } from './reports/capacity-report.js';
import { capacityReportQuerySchema, slaReportQuerySchema } from './reports/reports.dto.js';
import type { RenderedReport } from './reports/render/index.js';

/**
 * Boots the given modules on the configured database, runs `use` and shuts everything down. Safe next
 * to a running collector: SQLite WAL allows concurrent readers, and READ_ONLY features write nothing.
 */
async function withReportContext<T>(
  config: CollectorConfig,
  modules: NonNullable<ModuleMetadata['imports']>,
  use: (app: INestApplicationContext) => Promise<T>,
): Promise<T> {
  const database = await openDatabase(databaseSettings(config.storage));
  // Creates the schema on a new file (a report of nothing); changes nothing on an existing one.
  await migrate(database, allMigrations);
  // No background compaction: a report only reads; the running collector owns the log.
  const store = await openSampleStore(database, { compaction: { auto: false } });
  const root = class ReportRoot {};
  const app = await NestFactory.createApplicationContext(
    { module: root, imports: [CoreModule.forRoot({ config, database, store, processMetrics: false, readOnly: true }), ...modules] },
    { logger: ['error'] },
  );
  try {
    return await use(app);
  } finally {
    await app.close();
  }
}

/**
 * `report sla [--period 2026-11] [--service ID] [--format json|csv|html]`; without a period, each
 * service's current one. Bad flags and unknown services become usage errors (exit code 2) with the
 * API's wording; so does a database and configuration without any service (most often a forgotten
 * --config), rather than an empty report that looks like success.
 */
async function runSlaReport(config: CollectorConfig, args: CliArgs): Promise<RenderedReport> {
  try {
    const request = parseInput(slaReportQuerySchema, { period: args.period, format: args.format, service: args.service });
    return await withReportContext(config, [SlaReportModule], (app) => {
      const reports = app.get(SlaReportService);
      if (!reports.hasServices()) throw new UsageError(noServicesMessage(config, args));
      return reports.renderSlaReport(request);
    });
  } catch (error) {
    if (error instanceof HttpException) throw new UsageError(problemsOf(error).join('; '));
    throw error;
  }
}

function noServicesMessage(config: CollectorConfig, args: CliArgs): string {
  const configText = args.configPath ? `the configuration ${args.configPath}` : 'the configuration (none given: pass --config FILE)';
  return `no services are defined in the database ${describeStorage(config.storage)} or ${configText}; nothing to report`;
}

/** "period: required, e.g. 2026-11" → "--period: required, e.g. 2026-11" (API field = CLI flag). */
function problemsOf(error: HttpException): string[] {
  const body = error.getResponse() as { issues?: string[]; message?: string } | string;
  if (typeof body === 'string') return [body];
  if (body.issues?.length) return body.issues.map((issue) => `--${issue}`);
  return [body.message ?? error.message];
}

/** `report capacity [--format json|csv|html]`: forecast from the stored hourly rollups. */
function runCapacityReport(config: CollectorConfig, args: CliArgs): Promise<RenderedReport> {
  const request = parseCliInput(capacityReportQuerySchema, { format: args.format });
  return withReportContext(config, [RollupsModule, CapacityReportModule], (app) => app.get(CapacityReportService).renderCapacityReport(request));
}

/** Renders the report `args.reportKind` names. A new report adds its module and one case here. */
export async function runReport(config: CollectorConfig, args: CliArgs): Promise<RenderedReport> {
  if (args.reportKind === 'sla') return runSlaReport(config, args);
  if (args.reportKind === 'capacity') return runCapacityReport(config, args);
  throw new Error(`unknown report kind ${args.reportKind}`);
}
