// One throwaway PostgreSQL server for the whole test run, shared by every spec that runs on
// PostgreSQL (each takes its own database: test/support/postgres.ts). Where the server cannot be
// installed or started, specs learn why and skip (or fail under CI=true).
import type { TestProject } from 'vitest/node';
import { ensurePostgres, startPostgres, type TestPostgres } from '../scripts/lib/postgres-server.mjs';

import './support/postgres.js';

let server: TestPostgres | undefined;

export async function setup(project: TestProject): Promise<void> {
  const found = ensurePostgres();
  if (!found.available) {
    project.provide('postgres', { unavailable: found.reason });
    return;
  }
  try {
    // fsync off: a test run survives no power cut anyway, and it halves the time of commits.
    server = await startPostgres({ bin: found.bin, settings: { fsync: 'off', full_page_writes: 'off', max_connections: '300' } });
    project.provide('postgres', { url: server.url });
  } catch (error) {
    project.provide('postgres', { unavailable: `the PostgreSQL test server did not start: ${(error as Error).message}` });
  }
}

export async function teardown(): Promise<void> {
  server?.stop();
}
