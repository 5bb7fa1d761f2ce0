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
import { PostgresDatabase } from './database/postgres-database.js';
import { defaultReplicaId, type Leadership } from './leadership/leadership.js';
import { PostgresLeadership } from './leadership/postgres-leadership.js';

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
  /** This collector's name among collectors sharing a PostgreSQL database (default host:pid). */
  replicaId?: string;
  /** How often a standby tries to take the leadership on PostgreSQL (default 2 s; tests go faster). */
  leaderPollMs?: number;
}

export interface RunningCollector {
  app: INestApplication;
  database: Database;
  store: SampleStore;
  leadership: Leadership | undefined;
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
  // Created first so the store starts background compaction on the leader only (the election itself starts below).
  const leadership = database instanceof PostgresDatabase ? electionOn(database, options) : undefined;
  const store = options.store
    ? await options.store(database)
    : await openSampleStore(database, {
      ...(options.clock ? { clock: options.clock } : {}),
      ...(leadership ? { leadership } : {}),
      maxSequenceGap: ingest.max_sequence_gap,
      maxSeries: ingest.max_series,
      maxSeriesPerAgent: ingest.max_series_per_agent,
    });
  const app = await NestFactory.create(
    AppModule.forRoot({
      config,
      database,
      store,
      ...(options.clock ? { clock: options.clock } : {}),
      ...(leadership ? { leadership } : {}),
      processMetrics: options.processMetrics ?? false,
    }),
    { logger: options.logger ?? (options.logLevels === false ? false : createCollectorLogger(config.log, options.logLevels)), bodyParser: true },
  );
  app.useGlobalFilters(new ApiExceptionFilter());
  // The first attempt runs before the features start (with the app's logger in place), so a
  // collector that wins at once starts its leader loops at boot; later changes arrive as onChange.
  try {
    await leadership?.start();
    await app.init();
  } catch (error) {
    await leadership?.close();
    throw error;
  }
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
    leadership,
    grpcAddress,
    httpAddress,
    // The leader loops stop with the app; the lock goes last, so a standby starts them only then.
    close: () => (closing ??= app.close().finally(() => leadership?.close())),
  };
}

function electionOn(database: PostgresDatabase, options: StartOptions): PostgresLeadership {
  const replicaId = options.replicaId ?? defaultReplicaId();
  return new PostgresLeadership({
    client: database.clientConfig(`vigil-leader ${replicaId}`),
    replicaId,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.leaderPollMs !== undefined ? { pollIntervalMs: options.leaderPollMs } : {}),
  });
}
