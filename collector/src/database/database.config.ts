import { z } from 'zod';
import type { DatabaseSettings } from './open-database.js';

/** The `storage` section of collector.yaml. */
export const storageSchema = z
  .strictObject({
    /** sqlite: one embedded file (the default); postgres: a PostgreSQL server several collectors may share. */
    driver: z.enum(['sqlite', 'postgres']).default('sqlite'),
    path: z.string().min(1).default('./data/vigil.db'),
    /** normal: survives a killed process; full: also survives a power cut (fsync per commit). SQLite only. */
    durability: z.enum(['normal', 'full']).default('normal'),
    /** postgres://user:password@host:5432/vigil; VIGIL_STORAGE_URL keeps the password out of the file. */
    url: z.string().optional(),
    /** PostgreSQL connections for reads beside the writer. */
    pool_size: z.number().int().min(1).max(64).default(4),
  })
  .prefault({});

export type StorageConfig = z.infer<typeof storageSchema>;

/**
 * Checks across the section's keys. The URL is checked here, not by the schema, so that no message
 * repeats it: it may hold a password.
 */
export function validateStorageConfig(storage: StorageConfig): string[] {
  if (storage.driver === 'sqlite') {
    return storage.url === undefined ? [] : ['storage.url: is only used with storage.driver: postgres (set the driver, or remove the url and VIGIL_STORAGE_URL)'];
  }
  if (storage.url === undefined || storage.url === '') return ['storage.url: is required when storage.driver is postgres (or set VIGIL_STORAGE_URL), e.g. postgres://vigil:secret@db.example.net:5432/vigil'];
  let parsed: URL;
  try {
    parsed = new URL(storage.url);
  } catch {
    return ['storage.url: is not a URL (expected postgres://user:password@host:5432/database)'];
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') return [`storage.url: must start with postgres:// or postgresql:// (got ${parsed.protocol}//)`];
  if (!parsed.hostname) return ['storage.url: names no host (expected postgres://user:password@host:5432/database)'];
  return [];
}

/** What openDatabase needs from the section. */
export function databaseSettings(storage: StorageConfig): DatabaseSettings {
  if (storage.driver === 'postgres') return { driver: 'postgres', url: storage.url!, poolSize: storage.pool_size };
  return { driver: 'sqlite', path: storage.path, durability: storage.durability };
}

/** Where the data lives, for logs and messages: the file, or the server without its password. */
export function describeStorage(storage: StorageConfig): string {
  if (storage.driver === 'sqlite') return storage.path;
  try {
    const url = new URL(storage.url ?? '');
    return `postgres://${url.host}${url.pathname}`;
  } catch {
    return 'postgres';
  }
}
