// A standby collector does not forecast: its timer reloads the forecasts the leader stored, so its
// API, metrics and capacity rule answer with the leader's figures. Real SQLite.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SwitchableLeadership } from '../../test/support/switchable-leadership.js';
import { ManualClock } from '../common/clock.js';
import { migrate } from '../database/migrations.js';
import { SqliteDatabase } from '../database/sqlite-database.js';
import { capacitySchema } from './capacity.config.js';
import type { CapacityInputs } from './capacity-inputs.js';
import { capacityMigrations } from './capacity.migrations.js';
import { CapacityRepository } from './capacity.repository.js';
import { CapacityService } from './capacity.service.js';
import type { CapacityEntry } from './domain/resources.js';

const T0 = Date.UTC(2026, 11, 6, 10, 0, 0);

/** Inputs a standby must never read: any call fails the run (and the test). */
const noInputs = new Proxy({} as CapacityInputs, {
  get: (_target, name) => () => {
    throw new Error(`a standby read capacity inputs (${String(name)})`);
  },
});

function stored(key: string, daysLeft: number): CapacityEntry {
  return {
    key, agent: 'a1', host: 'db-1', resource: 'filesystem', mountpoint: '/var', name: '', threshold: 0.9, unit: 'ratio', title: 'filesystem /var on db-1',
    status: 'ok', current: 0.8, growthPerDay: 0.01, horizonMs: 30 * 86_400_000, atHorizon: null, model: null, backtestError: null, backtest: [],
    exhaustion: { secondsLeft: daysLeft * 86_400 } as CapacityEntry['exhaustion'], historyHours: 200, computedMs: T0,
  };
}

describe('capacity on a standby collector', () => {
  let dir: string;
  let db: SqliteDatabase;
  let service: CapacityService | undefined;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-capacity-standby-'));
    db = await SqliteDatabase.open({ path: join(dir, 'vigil.db') });
    await migrate(db, capacityMigrations);
  });
  afterEach(async () => {
    await service?.onModuleDestroy();
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reloads what the leader stored instead of forecasting', async () => {
    const repository = new CapacityRepository(db);
    const settings = { ...capacitySchema.parse({}), interval: 100, workers: 0 };
    service = new CapacityService(repository, noInputs, new ManualClock(T0), settings, false, new SwitchableLeadership(false));
    await service.onModuleInit();
    service.onApplicationBootstrap();
    // The leader (another process) stores its forecasts after the standby started.
    await repository.replaceAll([stored('fs:/var', 3)]);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(service.list().map((e) => [e.key, e.exhaustion?.secondsLeft])).toEqual([['fs:/var', 3 * 86_400]]);
    expect(service.exhaustionSignals(7).map((s) => [s.resource, s.daysLeft])).toEqual([['filesystem /var on db-1', 3]]);
    expect(service.runs).toBe(0);
  });
});
