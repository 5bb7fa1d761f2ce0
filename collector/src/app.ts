import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { INestApplication, LoggerService, LogLevel } from '@nestjs/common';
import { createServer, type AddressInfo } from 'node:net';
import { AppModule } from './app.module.js';
import type { Clock } from './common/clock.js';
import type { CollectorConfig } from './config/config.schema.js';
import { type Database } from './database/database.js';
import { openDatabase } from './database/open-database.js';
import { databaseSettings } from './database/database.config.js';
import { migrate } from './database/migrations.js';
import { allMigrations } from './all-migrations.js';
import type { SampleStore } from './storage/storage.types.js';
import { IngestServer, splitHostPort } from './ingest/ingest.server.js';
import { openSampleStore } from './storage/open-store.js';
import { ApiExceptionFilter } from './api/api-exception.filter.js';
import { createCollectorLogger } from './common/logger.js';

export interface StartOptions {
  config: CollectorConfig;
  clock?: Clock;
  /** Replaces the SQLite sample store (unit tests of wiring only). */
  store?: (db: Database) => Promise<SampleStore>;
  /** Levels of the logger built from `config.log`; false silences it (tests). */
  logLevels?: LogLevel[] | false;
  /** A logger built by the caller (main.ts shares its own); overrides `logLevels`. */
  logger?: LoggerService;
  processMetrics?: boolean;
}

export interface RunningCollector {
  app: INestApplication;
  database: Database;
  store: SampleStore;
  grpcAddress: string;
  httpAddress: string;
  close(): Promise<void>;
}

/** A listen address that another process holds; main.ts prints the message alone and exits 1. */
export class AddressInUseError extends Error {
  constructor(readonly address: string) {
    super(`address ${address} is already in use`);
  }
}

/**
 * Binds and releases `address` so that a taken port is reported before the database is created or
 * migrated. Port 0 always binds. A port taken between this check and the real bind still fails, later.
 */
async function assertAddressFree(address: string): Promise<void> {
  const { host, port } = splitHostPort(address);
  if (port === 0) return;
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', (error: NodeJS.ErrnoException) => reject(error.code === 'EADDRINUSE' ? new AddressInUseError(address) : error));
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve()));
  });
}

/** Opens storage, boots every module, binds gRPC and HTTP. Used by main.ts and by tests. */
export async function startCollector(options: StartOptions): Promise<RunningCollector> {
  const { config } = options;
  await assertAddressFree(config.listen.grpc);
  await assertAddressFree(config.listen.http);
  const database = await openDatabase(databaseSettings(config.storage));
  await migrate(database, allMigrations);
  const ingest = config.ingest;
  const store = options.store
    ? await options.store(database)
    : await openSampleStore(database, {
      ...(options.clock ? { clock: options.clock } : {}),
      maxSequenceGap: ingest.max_sequence_gap,
      maxSeries: ingest.max_series,
      maxSeriesPerAgent: ingest.max_series_per_agent,
    });
  const app = await NestFactory.create(
    AppModule.forRoot({ config, database, store, ...(options.clock ? { clock: options.clock } : {}), processMetrics: options.processMetrics ?? false }),
    { logger: options.logger ?? (options.logLevels === false ? false : createCollectorLogger(config.log, options.logLevels)), bodyParser: true },
  );
  app.useGlobalFilters(new ApiExceptionFilter());
  await app.init();
  const grpcAddress = await app.get(IngestServer).start();
  const { host, port } = splitHostPort(config.listen.http);
  await app.listen(port, host);
  const bound = app.getHttpServer().address() as AddressInfo;
  const httpAddress = `${bound.family === 'IPv6' ? `[${bound.address}]` : bound.address}:${bound.port}`;
  let closing: Promise<void> | undefined;
  return {
    app,
    database,
    store,
    grpcAddress,
    httpAddress,
    close: () => (closing ??= app.close()),
  };
}
