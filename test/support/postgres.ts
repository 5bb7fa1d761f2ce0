// PostgreSQL for specs: a database of its own per call, on the run's server (test/global-setup.ts).
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { databaseUrl } from '../../scripts/lib/postgres-server.mjs';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Set by test/global-setup.ts. */
    postgres: { url: string } | { unavailable: string };
  }
}

/**
 * The run's server URL, or undefined after printing why the spec skips. Under CI=true a missing
 * server throws instead: CI installs it (scripts/ensure-debian-package.sh), so its absence there is
 * a broken setup, not a reason to prove less.
 */
export function postgresServerUrl(spec: string): string | undefined {
  const provided = inject('postgres');
  if ('url' in provided) return provided.url;
  if (process.env.CI) throw new Error(`${spec}: CI=true and ${provided.unavailable}`);
  console.warn(`SKIPPED ${spec} on PostgreSQL: ${provided.unavailable}`);
  return undefined;
}

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/** A new, empty database on the run's server; drop() removes it (closing what still uses it). */
export async function createPostgresDatabase(serverUrl: string): Promise<TestDatabase> {
  const name = `vigil_${process.pid}_${randomBytes(4).toString('hex')}`;
  await admin(serverUrl, `CREATE DATABASE ${name}`);
  return {
    url: databaseUrl(serverUrl, name),
    drop: () => admin(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

async function admin(serverUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
