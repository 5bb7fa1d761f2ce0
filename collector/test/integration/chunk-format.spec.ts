// A database whose chunks were written in chunk format 1 keeps working: reads decode them, the
// compactor resumes a format 1 head and writes it back in format 2, retention rewrites them.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Database } from '../../src/database/database.js';
import { SqliteDatabase } from '../../src/database/sqlite-database.js';
import { SqliteSampleStore } from '../../src/storage/sqlite-sample-store.js';
import { V1_CHUNKS_BASE64 } from '../../src/storage/chunk-codec.v1-fixture.js';

// The samples of the fixture's jitteredCounter chunk.
const OLD_TS = [1_700_000_000_003, 1_700_000_010_001, 1_700_000_020_007, 1_700_000_030_000, 1_700_000_040_012, 1_700_000_050_004, 1_700_003_650_004, 1_700_003_650_005];
const OLD_VALUES = [0, 1200, 2390, 2390, 5000, 123456789, 123456790, 0];
const OLD_POINTS = OLD_TS.map((ts, i) => [ts, OLD_VALUES[i]]);

let dir: string;
let path: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-chunk-format-'));
  path = join(dir, 'collector.db');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function withStore<T>(fn: (store: SqliteSampleStore, db: Database) => Promise<T>): Promise<T> {
  const db = await SqliteDatabase.open({ path });
  const store = await SqliteSampleStore.open(db, { compaction: { auto: false } });
  try {
    return await fn(store, db);
  } finally {
    await store.close();
    await db.close();
  }
}

const formats = (db: Database): Promise<Array<{ version: number; count: number }>> =>
  db.all<{ version: number; count: number }>('SELECT CAST(hex(substr(data, 1, 1)) AS INTEGER) AS version, count FROM chunk ORDER BY id');

describe('chunks stored in format 1', () => {
  it('are read, extended in format 2 and cut by retention', async () => {
    // A database as the previous version left it: the series' samples in one format 1 chunk.
    const seriesId = await withStore(async (store, db) => {
      await store.append({ agentId: 'a', epoch: 'e', seq: 1, series: [{ metric: 'vigil_old', labels: {}, kind: 'counter', timestamps: OLD_TS, values: OLD_VALUES }] });
      await store.compact();
      expect(await formats(db)).toEqual([{ version: 2, count: 8 }]);
      await db.transaction((tx) => tx.run('UPDATE chunk SET data = ?', [Buffer.from(V1_CHUNKS_BASE64.jitteredCounter, 'base64')]));
      expect(await formats(db)).toEqual([{ version: 1, count: 8 }]);
      return (await store.findSeries({ metric: 'vigil_old' }))[0]!.id;
    });

    const later: Array<[number, number]> = [[OLD_TS[7]! + 10_000, 12.5], [OLD_TS[7]! + 20_000, 13]];
    await withStore(async (store, db) => {
      expect(await store.queryRange(seriesId, 0, Infinity)).toEqual(OLD_POINTS);
      await store.append({ agentId: 'a', epoch: 'e', seq: 2, series: [{ metric: 'vigil_old', labels: {}, kind: 'counter', timestamps: later.map((p) => p[0]), values: later.map((p) => p[1]) }] });
      await store.compact();
      // The head was resumed from its format 1 bytes and rewritten whole in format 2.
      expect(await formats(db)).toEqual([{ version: 2, count: 10 }]);
      expect(await store.queryRange(seriesId, 0, Infinity)).toEqual([...OLD_POINTS, ...later]);
    });

    await withStore(async (store, db) => {
      await db.transaction((tx) => tx.run('UPDATE chunk SET data = ?, count = 8, end_ts = ?', [Buffer.from(V1_CHUNKS_BASE64.jitteredCounter, 'base64'), OLD_TS[7]]));
      await store.deleteBefore(OLD_TS[4]!);
      expect(await formats(db)).toEqual([{ version: 2, count: 4 }]);
      expect(await store.queryRange(seriesId, 0, Infinity)).toEqual(OLD_POINTS.slice(4));
    });
  });
});
