// Test helpers shared by the incidents, notify and live specs: a real HTTP receiver on loopback
// that records requests and answers as scripted, and a temp database (SQLite or PostgreSQL) with the
// incident schema.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { type Database } from '../../src/database/database.js';
import type { SampleStore } from '../../src/storage/storage.types.js';
import { sqliteEngine, type Engine } from '../../../test/support/engines.js';
import { createPostgresDatabase, postgresServerUrl } from '../../../test/support/postgres.js';
import { engineSampleStores } from '../support/engine-sample-store.js';
import { migrate } from '../../src/database/migrations.js';
import { incidentsAllMigrations } from '../../src/incidents/incidents.migrations.js';
import { NestFactory } from '@nestjs/core';
import type { DynamicModule, INestApplication, LoggerService } from '@nestjs/common';
import { Registry } from 'prom-client';
import { CoreModule } from '../../src/core/core.module.js';
import { CollectorEvents } from '../../src/common/events.js';
import type { Leadership } from '../../src/leadership/leadership.js';
import type { Clock } from '../../src/common/clock.js';
import { buildConfig } from '../../src/config/config.loader.js';
import { ApiExceptionFilter } from '../../src/api/api-exception.filter.js';
import { IncidentsModule, type IncidentsModuleOptions } from '../../src/incidents/incidents.module.js';
import { IncidentTransitions } from '../../src/incidents/incident-transitions.service.js';
import { IncidentUpkeep } from '../../src/incidents/incident-upkeep.service.js';
import { LiveModule } from '../../src/live/live.module.js';
import { RuleEvaluator } from '../../src/incidents/rule-evaluator.service.js';
import { NotifyService } from '../../src/notify/notify.service.js';
import { MemorySampleStore } from '../support/memory-sample-store.js';
import type { StoredSeriesSamples } from '../../src/storage/storage.types.js';
import { Global, Module, type Provider } from '@nestjs/common';
import type { Leadership } from '../../src/leadership/leadership.js';

export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  atMs: number;
}

export type Reply = { status: number; body?: string; headers?: Record<string, string> } | 'hang';

export class Receiver {
  readonly requests: Received[] = [];
  /** Scripted replies, consumed in order; afterwards every request gets `fallback`. */
  readonly script: Reply[] = [];
  fallback: Reply = { status: 200 };
  /** Decides per request before the script (e.g. by idempotency key); undefined falls through. */
  respond: ((request: Received) => Reply | undefined) | undefined;
  concurrent = 0;
  maxConcurrent = 0;
  private waiters: Array<{ count: number; resolve: () => void }> = [];
  private readonly hanging = new Set<() => void>();
  private constructor(private readonly server: Server, readonly url: string) {}

  static async start(): Promise<Receiver> {
    let receiver!: Receiver;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        receiver.concurrent++;
        receiver.maxConcurrent = Math.max(receiver.maxConcurrent, receiver.concurrent);
        const received = { path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), atMs: Date.now() };
        receiver.requests.push(received);
        const reply = receiver.respond?.(received) ?? receiver.script.shift() ?? receiver.fallback;
        const done = () => {
          receiver.concurrent--;
          receiver.notify();
        };
        if (reply === 'hang') {
          const release = () => {
            res.destroy();
            done();
          };
          receiver.hanging.add(release);
          res.on('close', () => receiver.hanging.delete(release));
          return;
        }
        res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
        res.end(reply.body ?? '{}');
        done();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    receiver = new Receiver(server, `http://127.0.0.1:${port}`);
    return receiver;
  }

  /** Resolves once `count` requests have been answered (or hung). */
  waitFor(count: number, timeoutMs = 5000): Promise<void> {
    if (this.requests.length >= count) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`receiver got ${this.requests.length} of ${count} requests in ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({
        count,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
      this.notify();
    });
  }

  json<T = any>(index: number): T {
    return JSON.parse(this.requests[index]!.body) as T;
  }

  private notify(): void {
    this.waiters = this.waiters.filter((w) => {
      if (this.requests.length < w.count) return true;
      w.resolve();
      return false;
    });
  }

  async close(): Promise<void> {
    for (const release of this.hanging) release();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

export interface TempDb {
  db: Database;
  /** Opens the same data again (a restart); `db` becomes the new connection. */
  reopen(): Promise<Database>;
  /** Another connection to the same data, as a second collector would have; closed by cleanup(). */
  peer(): Promise<Database>;
  cleanup(): Promise<void>;
}

/** A fresh database of `engine` with every incident, change, problem and outbox table. */
export async function tempDatabase(engine: Engine = sqliteEngine): Promise<TempDb> {
  const opened = await engine.open();
  const handle: TempDb = {
    db: opened.db,
    async reopen() {
      handle.db = await opened.reopen();
      return handle.db;
    },
    peer: () => opened.reopen(),
    cleanup: () => opened.dispose(),
  };
  await migrate(handle.db, incidentsAllMigrations);
  return handle;
}

/** What startCollector needs to run on one engine: the `storage` config and, where needed, a sample store. */
export interface CollectorStorage {
  storage: Record<string, unknown>;
  /** startCollector's `store` option (undefined: the engine's own). */
  store: ((db: Database) => Promise<SampleStore>) | undefined;
  dispose(): Promise<void>;
}

/**
 * Storage for a whole collector on `engine`, its files under `dir`. On PostgreSQL the database
 * holds everything but the samples, which stay in a SqliteSampleStore on a separate temp file
 * (engineSampleStores) until the PostgreSQL sample store lands.
 */
export async function collectorStorage(engine: Engine, dir: string, spec: string): Promise<CollectorStorage> {
  if (engine.name === 'sqlite') return { storage: { path: join(dir, 'vigil.db') }, store: undefined, dispose: async () => undefined };
  const database = await createPostgresDatabase(postgresServerUrl(spec)!);
  const samples = engineSampleStores();
  return {
    storage: { driver: 'postgres', url: database.url },
    store: (db) => samples.open(db),
    async dispose() {
      await samples.dispose();
      await database.drop();
    },
  };
}

/** Polls `check` until it returns true (for asynchronous effects in real-time tests). */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

// ---- a Nest app with CoreModule + IncidentsModule on loopback ------------------------------

export const API_TOKEN = 'test-api-token-0123';

export interface IncidentsApp {
  app: INestApplication;
  url: string;
  events: CollectorEvents;
  evaluator: RuleEvaluator;
  incidents: IncidentTransitions;
  notify: NotifyService;
  registry: Registry;
  /** Emits samples as ingest would, then applies the resulting transitions. */
  samples(items: Array<{ id: number; metric: string; labels: Record<string, string>; points: Array<[number, number]> }>): Promise<void>;
  /** One evaluation-timer step, then waits for transitions and upkeep. */
  tick(): Promise<void>;
  /** Waits until the delivery worker has nothing due or in flight. */
  settle(): Promise<void>;
  api(method: string, path: string, body?: unknown, token?: string | null): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

/** Providers for `sources` (fakes), made global so IncidentsModule.register can `useExisting` them. */
export function fakeSourcesModule(providers: Provider[]) {
  @Global()
  @Module({ providers, exports: providers.map((p) => (typeof p === 'function' ? p : (p as { provide: unknown }).provide) as never) })
  class FakeSources {}
  return FakeSources;
}

export async function startIncidentsApp(options: {
  raw: Record<string, unknown>;
  settings?: Record<string, unknown>;
  clock: Clock;
  db: Database;
  module?: IncidentsModuleOptions;
  /** Extra modules (e.g. fakeSourcesModule). */
  imports?: DynamicModule['imports'];
  /** Receives every log line (default: errors to the console). */
  logger?: LoggerService;
  /** Who leads (default: the sole collector, always the leader). */
  leadership?: Leadership;
}): Promise<IncidentsApp> {
  const config = buildConfig({ auth: { api_tokens: [API_TOKEN] }, ...options.raw, incidents: options.settings ?? {} });
  const registry = new Registry();
  @Module({})
  class TestRoot {}
  const root: DynamicModule = {
    module: TestRoot,
    imports: [
      CoreModule.forRoot({ config, clock: options.clock, database: options.db, store: new MemorySampleStore(), registry, ...(options.leadership ? { leadership: options.leadership } : {}) }),
      ...(options.imports ?? []),
      IncidentsModule.register(options.module),
      LiveModule,
    ],
  };
  const app = await NestFactory.create(root, { logger: options.logger ?? ['error'] });
  app.useGlobalFilters(new ApiExceptionFilter());
  await app.listen(0, '127.0.0.1');
  const server = app.getHttpServer() as Server;
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  const events = app.get(CollectorEvents);
  const evaluator = app.get(RuleEvaluator);
  const incidents = app.get(IncidentTransitions);
  const upkeep = app.get(IncidentUpkeep);
  const notify = app.get(NotifyService);
  return {
    app,
    url,
    events,
    evaluator,
    incidents,
    notify,
    registry,
    async samples(items) {
      const batch: StoredSeriesSamples[] = items.map((i) => ({
        series: { id: i.id, metric: i.metric, labels: i.labels, kind: 'gauge' },
        timestamps: i.points.map((p) => p[0]),
        values: i.points.map((p) => p[1]),
      }));
      events.emit('samples', batch);
      await incidents.whenIdle();
    },
    async tick() {
      await evaluator.tick();
      await incidents.whenIdle();
      await upkeep.upkeep();
    },
    async settle() {
      notify.wake();
      await new Promise((r) => setTimeout(r, 20));
      await notify.worker.runOnce(); // what is due, should the woken timer not have fired yet (a busy machine)
      await notify.worker.idle();
    },
    async api(method, path, body, token = API_TOKEN) {
      const headers: Record<string, string> = {};
      if (token) headers.authorization = `Bearer ${token}`;
      if (body !== undefined) headers['content-type'] = 'application/json';
      const res = await fetch(`${url}${path}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    },
    async close() {
      await app.close();
    },
  };
}
