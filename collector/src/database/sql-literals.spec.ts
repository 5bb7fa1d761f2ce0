import { describe, expect, it } from 'vitest';
import { SqliteDatabase } from './sqlite-database.js';
import { blobLiteral, intLiteral, textLiteral } from './sql-literals.js';

describe('SQL literals for Database.script', () => {
  it('writes text, bytes and integers that read back exactly, quotes and $-patterns included', async () => {
    const db = await SqliteDatabase.open({ path: ':memory:' });
    try {
      const text = `it's "quoted" \\ $' $& é 🙂 \n\t ;--`;
      const bytes = Uint8Array.from([0, 1, 0x27, 0xff, 0x5c]);
      await db.script(`CREATE TABLE t (s TEXT, b BLOB, n INTEGER); INSERT INTO t VALUES (${textLiteral(text)}, ${blobLiteral(bytes)}, ${intLiteral(2 ** 53 - 1)})`);
      const row = await db.get<{ s: string; b: Buffer; n: number }>('SELECT s, b, n FROM t');
      expect([row!.s, [...row!.b], row!.n]).toEqual([text, [...bytes], 2 ** 53 - 1]);
    } finally {
      await db.close();
    }
  });

  it('refuses what cannot be written exactly, naming it', () => {
    expect(() => textLiteral('a\u0000b')).toThrow('a SQL text literal cannot hold a NUL character');
    expect(() => intLiteral(1.5)).toThrow('a SQL integer literal must be a safe integer, got 1.5');
    expect(() => intLiteral(2 ** 53)).toThrow(`a SQL integer literal must be a safe integer, got ${2 ** 53}`);
  });

  it('rolls a failed script back as a whole and leaves the connection usable', async () => {
    const db = await SqliteDatabase.open({ path: ':memory:' });
    try {
      await db.script('CREATE TABLE t (x INTEGER PRIMARY KEY)');
      await expect(db.script('INSERT INTO t VALUES (1); INSERT INTO t VALUES (1)')).rejects.toThrow('UNIQUE constraint failed');
      expect((await db.get<{ n: number }>('SELECT count(*) AS n FROM t'))!.n).toBe(0);
      await db.script('INSERT INTO t VALUES (2)');
      expect((await db.get<{ n: number }>('SELECT count(*) AS n FROM t'))!.n).toBe(1);
    } finally {
      await db.close();
    }
  });
});
