import { Global, Module, type DynamicModule, type OnApplicationShutdown, Inject } from '@nestjs/common';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { CLOCK, systemClock, type Clock } from '../common/clock.js';
import { CONFIG, DATABASE, METRICS_REGISTRY, READ_ONLY, SAMPLE_STORE } from '../common/tokens.js';
import { CollectorEvents } from '../common/events.js';
import type { CollectorConfig } from '../config/config.schema.js';
import { featureSettingsProviders } from '../config/feature-settings.js';
import type { Database } from '../database/database.js';
import type { SampleStore } from '../storage/storage.types.js';
import { TokenVerifier } from '../auth/token-verifier.js';
import { LEADERSHIP, SoleLeadership, defaultReplicaId, type Leadership } from '../leadership/leadership.js';
import { LeadershipMetrics } from '../leadership/leadership.metrics.js';

export interface CoreOptions {
  config: CollectorConfig;
  database: Database;
  store: SampleStore;
  clock?: Clock;
  registry?: Registry;
  /** Process metrics (CPU, memory, event loop) on /metrics; off in unit tests. */
  processMetrics?: boolean;
  /** Who runs the leader's loops; the sole collector of a SQLite database when left out. */
  leadership?: Leadership;
  /** `vigil-collector report`: features read what is stored, start no timers, write nothing (READ_ONLY). */
  readOnly?: boolean;
}

/** Closes the store and the database when the application shuts down (store first: it flushes). */
class CoreLifecycle implements OnApplicationShutdown {
  private closed = false;
  constructor(@Inject(SAMPLE_STORE) private readonly store: SampleStore, @Inject(DATABASE) private readonly db: Database) {}
  async onApplicationShutdown(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.store.close();
    await this.db.close();
  }
}

/**
 * Shared infrastructure every feature module injects: clock, database, store, metrics, events, token
 * verifier, the read-only flag and each feature's settings (CONFIG, the whole config, only for features
 * not yet given their own settings token).
 */
@Global()
@Module({})
export class CoreModule {
  static forRoot(options: CoreOptions): DynamicModule {
    const registry = options.registry ?? new Registry();
    if (options.processMetrics) {
      collectDefaultMetrics({ register: registry, prefix: 'vigil_collector_' });
      // prom-client names these gauges *_total, which promtool check metrics rejects (a *_total is a
      // counter); the same figures stay exposed without the suffix (nodejs_active_handles, ...).
      for (const name of ['active_handles_total', 'active_requests_total', 'active_resources_total']) registry.removeSingleMetric(`vigil_collector_nodejs_${name}`);
    }
    const providers = [
      { provide: CONFIG, useValue: options.config },
      { provide: CLOCK, useValue: options.clock ?? systemClock },
      { provide: DATABASE, useValue: options.database },
      { provide: SAMPLE_STORE, useValue: options.store },
      { provide: METRICS_REGISTRY, useValue: registry },
      { provide: CollectorEvents, useValue: new CollectorEvents() },
      { provide: READ_ONLY, useValue: options.readOnly ?? false },
      { provide: LEADERSHIP, useValue: options.leadership ?? new SoleLeadership(defaultReplicaId()) },
      { provide: TokenVerifier, useValue: TokenVerifier.fromSettings(options.config.auth) },
      ...featureSettingsProviders(options.config),
      CoreLifecycle,
      LeadershipMetrics,
    ];
    return {
      module: CoreModule,
      providers,
      exports: providers.filter((p) => p !== CoreLifecycle && p !== LeadershipMetrics).map((p) => (typeof p === 'function' ? p : p.provide)),
    };
  }
}
