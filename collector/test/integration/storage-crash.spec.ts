import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { SqliteDatabase } from '../../src/database/sqlite-database.js';
import { SqliteSampleStore } from '../../src/storage/sqlite-sample-store.js';
import { CRASH_SERIES, expectedPoints } from './storage-crash.model.js';

const here = fileURLToPath(new URL('.', import.meta.url));

interface ChildRun {
  start: number;
  acked: number[];
  compactions: number;
  signal: NodeJS.Signals | null;
}

/** Runs the writer child until it has acked `killAfterAcks` batches, then SIGKILLs it mid-write. */
function runAndKill(path: string, killAfterAcks: number): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', './storage-ts-loader.mjs', 'storage-crash.child.ts', path, '8'], { cwd: here, stdio: ['ignore', 'pipe', 'pipe'] });
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

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-storage-crash-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('SqliteSampleStore: crash safety', () => {
  it('keeps every acked batch exactly once and no partial batch after SIGKILL, three times in a row', async () => {
    const path = join(dir, 'crash.db');
    const runs: ChildRun[] = [];
    // Each run starts on whatever the previous one left: often an uncompacted log.
    for (const acks of [400, 250, 333]) runs.push(await runAndKill(path, acks));
    expect(runs[0]!.start).toBe(1);
    for (let i = 1; i < runs.length; i++) expect(runs[i]!.start).toBeGreaterThan(Math.max(...runs[i - 1]!.acked));
    // The writers were killed while compaction was running too, not only during appends.
    expect(runs.reduce((n, r) => n + r.compactions, 0)).toBeGreaterThan(2);
    const maxAcked = Math.max(...runs.at(-1)!.acked);

    const db = await SqliteDatabase.open({ path });
    const store = await SqliteSampleStore.open(db, { compaction: { auto: false }, chunk: { maxSamples: 16 } });
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
