import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresEngine, type EngineDatabase } from '../../../test/support/engines.js';
import type { Database } from './database.js';
import { migrate } from './migrations.js';
import { PostgresDatabase, redactUrl } from './postgres-database.js';

const postgres = postgresEngine('postgres-database.spec');

describe.runIf(postgres)('PostgresDatabase', () => {
  let opened: EngineDatabase;
  let db: Database;

  beforeAll(async () => {
    opened = await postgres!.open();
    db = opened.db;
  });
  afterAll(() => opened?.dispose());

  it('returns rows in the shapes SQLite gives: 64-bit integers and numerics as numbers, BYTEA as Buffer', async () => {
    const row = await db.get<Record<string, unknown>>(
      "SELECT CAST(? AS BIGINT) AS ms, count(*) AS n, sum(CAST(x AS BIGINT)) AS total, avg(x) AS mean, CAST(? AS BYTEA) AS bytes, 'it''s ?' AS text FROM (VALUES (1), (2)) AS v(x)",
      [1_767_225_600_123, Buffer.from([1, 2, 255])],
    );
    expect(row).toEqual({ ms: 1_767_225_600_123, n: 2, total: 3, mean: 1.5, bytes: Buffer.from([1, 2, 255]), text: "it's ?" });
  });

  it('applies SQLite-written migrations with 64-bit integers and double precision, once even when two collectors start together', async () => {
    const steps = [
      { id: 'test/001-points', sql: 'CREATE TABLE points (id INTEGER PRIMARY KEY AUTOINCREMENT, at_ms INTEGER NOT NULL, value REAL NOT NULL, raw BLOB) ' },
      { id: 'test/002-index', sql: 'CREATE INDEX points_at ON points (at_ms)' },
    ];
    const second = await opened.reopen();
    const [a, b] = await Promise.all([migrate(db, steps), migrate(second, steps)]);
    expect([...a, ...b].sort()).toEqual(['test/001-points', 'test/002-index']);
    const inserted = await db.transaction((tx) =>
      tx.get<{ id: number }>('INSERT INTO points (at_ms, value, raw) VALUES (?, ?, ?) RETURNING id', [4_102_444_800_000, 0.1 + 0.2, Buffer.from('x')]),
    );
    expect(inserted!.id).toBe(1);
    expect(await db.get('SELECT at_ms, value, raw FROM points')).toEqual({ at_ms: 4_102_444_800_000, value: 0.1 + 0.2, raw: Buffer.from('x') });
  });

  it('runs prepared writes and reports the rows a write changed', async () => {
    await db.transaction((tx) => tx.exec('CREATE TABLE kv (k TEXT PRIMARY KEY, v INTEGER NOT NULL)'));
    const changes = await db.transaction(async (tx) => {
      const upsert = tx.prepare('INSERT INTO kv (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = kv.v + excluded.v');
      let total = 0;
      for (const [k, v] of [['a', 1], ['b', 2], ['a', 3]] as const) total += (await tx.run(upsert, [k, v])).changes;
      await upsert.finalize();
      return total;
    });
    expect(changes).toBe(3);
    expect(await db.all('SELECT k, v FROM kv ORDER BY k')).toEqual([{ k: 'a', v: 4 }, { k: 'b', v: 2 }]);
  });

  it('names the server without its password when it cannot connect', async () => {
    const url = 'postgres://vigil:s3cret@127.0.0.1:1/vigil';
    await expect(PostgresDatabase.open({ url })).rejects.toThrow(/^cannot connect to PostgreSQL at postgres:\/\/vigil:\*\*\*@127\.0\.0\.1:1\/vigil: /);
    expect(redactUrl(url)).not.toContain('s3cret');
  });
});
