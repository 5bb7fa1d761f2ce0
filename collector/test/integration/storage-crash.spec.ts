import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { openDatabase } from '../../src/database/open-database.js';
import { openSampleStore } from '../../src/storage/open-store.js';
import { createPostgresDatabase, postgresServerUrl, type TestDatabase } from '../../../test/support/postgres.js';
import { CRASH_SERIES, expectedPoints } from './storage-crash.model.js';

const here = fileURLToPath(new URL('.', import.meta.url));

interface ChildRun {
  start: number;
  acked: number[];
  compactions: number;
  signal: NodeJS.Signals | null;
}

/** Runs the writer child until it has acked `killAfterAcks` batches, then SIGKILLs it mid-write. */
function runAndKill(target: string, killAfterAcks: number): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', './storage-ts-loader.mjs', 'storage-crash.child.ts', target, '8'], { cwd: here, stdio: ['ignore', 'pipe', 'pipe'] });
    const run: ChildRun = { start: 0, acked: [], compactions: 0, signal: null };
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const [word, n] = line.split(' ');
      if (word === 'start') run.start = Number(n);
      if (word === 'ack') run.acked.push(Number(n));
      if (word === 'compacted') run.compactions++;
      if (run.acked.length === killAfterAcks) child.kill('SIGKILL');
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      run.signal = signal;
      if (signal !== 'SIGKILL') reject(new Error(`writer child exited with ${code}: ${stderr}`));
      else resolve(run);
    });
  });
}

const serverUrl = postgresServerUrl('storage-crash.spec');
const targets = ['sqlite', ...(serverUrl ? ['postgres'] : [])];

describe.each(targets)('sample store on %s: crash safety', (engine) => {
  let dir: string;
  let pg: TestDatabase | undefined;
  let target: string;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-storage-crash-'));
    pg = engine === 'postgres' ? await createPostgresDatabase(serverUrl!) : undefined;
    target = pg?.url ?? join(dir, 'crash.db');
  });
  afterEach(async () => {
    rmSync(dir, { recursive: true, force: true });
    await pg?.drop();
  });

  it('keeps every acked batch exactly once and no partial batch after SIGKILL, three times in a row', async () => {
    const runs: ChildRun[] = [];
    // Each run starts on whatever the previous one left: often an uncompacted log.
    for (const acks of [400, 250, 333]) runs.push(await runAndKill(target, acks));
    expect(runs[0]!.start).toBe(1);
    for (let i = 1; i < runs.length; i++) expect(runs[i]!.start).toBeGreaterThan(Math.max(...runs[i - 1]!.acked));
    // The writers were killed while compaction was running too, not only during appends.
    expect(runs.reduce((n, r) => n + r.compactions, 0)).toBeGreaterThan(2);
    const maxAcked = Math.max(...runs.at(-1)!.acked);

    const db = await openDatabase(pg ? { driver: 'postgres', url: pg.url } : { driver: 'sqlite', path: target });
    const store = await openSampleStore(db, { compaction: { auto: false }, chunk: { maxSamples: 16 }, followGraceMs: 0 });
    try {
      const last = await store.lastStoredSeq('crash-agent', 'e1');
      expect(last).toBeGreaterThanOrEqual(maxAcked);
      // Batches are stored whole and in sequence order: every series holds exactly batches 1..last.
      const check = async () => {
        let total = 0;
        for (let i = 0; i < CRASH_SERIES; i++) {
          const [ref] = await store.findSeries({ metric: 'crash_m', labels: { s: `s${i}` } });
          const expected = expectedPoints(i, last);
          expect(await store.queryRange(ref!.id, 0, Number.MAX_SAFE_INTEGER)).toEqual(expected);
          total += expected.length;
        }
        // No sample stored twice (a replay or a re-run compaction would add to the count).
        expect(await store.countSamples()).toBe(total);
      };
      await check();
      await store.compact();
      await check();
    } finally {
      await store.close();
      await db.close();
    }
  });
});
