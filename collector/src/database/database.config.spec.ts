import { describe, expect, it } from 'vitest';
import { buildConfig, ConfigError } from '../config/config.loader.js';
import { databaseSettings, describeStorage } from './database.config.js';

const problemsOf = (raw: unknown, overrides = {}) => {
  try {
    buildConfig(raw, overrides);
    return [];
  } catch (error) {
    return (error as ConfigError).problems;
  }
};

describe('storage config', () => {
  it('defaults to the embedded SQLite file', () => {
    const config = buildConfig({});
    expect(databaseSettings(config.storage)).toEqual({ driver: 'sqlite', path: './data/vigil.db', durability: 'normal' });
  });

  it('takes PostgreSQL from the file or from VIGIL_STORAGE_URL, and never repeats the password', () => {
    const url = 'postgres://vigil:s3cret@db.example.net:5432/vigil';
    const fromFile = buildConfig({ storage: { driver: 'postgres', url } });
    expect(databaseSettings(fromFile.storage)).toEqual({ driver: 'postgres', url, poolSize: 4 });
    expect(describeStorage(fromFile.storage)).toBe('postgres://db.example.net:5432/vigil');
    const fromEnv = buildConfig({}, { storageUrl: url });
    expect(fromEnv.storage.driver).toBe('postgres');
    expect(problemsOf({ storage: { driver: 'postgres', url: 'mysql://u:s3cret@h/db' } })).toEqual(['storage.url: must start with postgres:// or postgresql:// (got mysql://)']);
  });

  it('names the key that is missing or contradicts the driver', () => {
    expect(problemsOf({ storage: { driver: 'postgres' } })).toEqual([expect.stringMatching(/^storage\.url: is required when storage\.driver is postgres \(or set VIGIL_STORAGE_URL\)/)]);
    expect(problemsOf({ storage: { driver: 'sqlite' } }, { storageUrl: 'postgres://h/db' })).toEqual([expect.stringMatching(/^storage\.url: is only used with storage\.driver: postgres/)]);
    expect(problemsOf({ storage: { driver: 'mysql' } })).toEqual([expect.stringMatching(/^storage\.driver: /)]);
  });
});
