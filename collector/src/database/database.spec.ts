import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Database } from './database.js';

describe('Database: writes only through transactions', () => {
  let dir: string;
  let db: Database;
  const names = async () => (await db.all<{ name: string }>('SELECT name FROM t ORDER BY name')).map((r) => r.name);

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-database-'));
    db = await Database.open({ path: join(dir, 'test.db') });
    await db.transaction((tx) => tx.exec('CREATE TABLE t (name TEXT PRIMARY KEY)'));
  });

  afterEach(async () => {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('commits the work of a transaction, and rolls all of it back when the work throws', async () => {
    await db.transaction(async (tx) => {
      await tx.run('INSERT INTO t (name) VALUES (?)', ['kept']);
      expect((await tx.get<{ n: number }>('SELECT count(*) AS n FROM t'))!.n).toBe(1);
    });
    await expect(
      db.transaction(async (tx) => {
        await tx.run('INSERT INTO t (name) VALUES (?)', ['lost']);
        throw new Error('work failed');
      }),
    ).rejects.toThrow('work failed');
    expect(await names()).toEqual(['kept']);
  });

  it('refuses writes through the read methods, naming the way to write', async () => {
    await expect(db.all('DELETE FROM t RETURNING name')).rejects.toThrow('Database.get/all run reads only; write through transaction((tx) => tx.run(...)): DELETE FROM t RETURNING name');
    await expect(db.get("INSERT INTO t (name) VALUES ('x')")).rejects.toThrow('Database.get/all run reads only');
    expect(await db.get<{ n: number }>('-- a comment first\nSELECT count(*) AS n FROM t')).toEqual({ n: 0 });
    expect(await db.get('PRAGMA page_count')).toEqual({ page_count: expect.any(Number) });
    await expect(db.get('PRAGMA user_version = 3')).rejects.toThrow('reads only');
  });

  it('makes a transaction handle and its prepared statements useless once the work settled', async () => {
    let escaped: Parameters<Parameters<Database['transaction']>[0]>[0] | undefined;
    const prepared = await db.transaction(async (tx) => {
      escaped = tx;
      return tx.prepare('INSERT INTO t (name) VALUES (?)');
    });
    expect(() => escaped!.run('INSERT INTO t (name) VALUES (?)', ['late'])).toThrow('transaction already finished');
    expect('run' in prepared).toBe(false);
    await db.transaction((tx) => tx.run(prepared, ['reused']));
    await prepared.finalize();
    expect(await names()).toEqual(['reused']);
  });

  it('legacy run(): a write from another flow never joins an open transaction and survives its rollback', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    const failing = db.transaction(async (tx) => {
      await tx.run('INSERT INTO t (name) VALUES (?)', ['rolled-back']);
      entered();
      await held;
      throw new Error('this flow fails');
    });
    await inside;
    // Another flow writes while that transaction is open: it waits for its own transaction.
    const other = db.run('INSERT INTO t (name) VALUES (?)', ['other-flow']);
    let otherDone = false;
    void other.then(() => (otherDone = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(otherDone).toBe(false);
    release();
    await expect(failing).rejects.toThrow('this flow fails');
    await other;
    expect(await names()).toEqual(['other-flow']);
  });

  it('legacy run() and prepare() inside a transaction of the same flow join it, and roll back with it', async () => {
    await expect(
      db.transaction(async () => {
        await db.run('INSERT INTO t (name) VALUES (?)', ['joined']);
        const stmt = db.prepare('INSERT INTO t (name) VALUES (?)');
        await stmt.run(['prepared']);
        await stmt.finalize();
        throw new Error('undo both');
      }),
    ).rejects.toThrow('undo both');
    expect(await names()).toEqual([]);
    const stmt = db.prepare('INSERT INTO t (name) VALUES (?)');
    await stmt.run(['alone']);
    await stmt.finalize();
    expect(await names()).toEqual(['alone']);
  });

  it('runs VACUUM and WAL checkpoints between transactions (SQLite refuses them inside one)', async () => {
    await db.transaction((tx) => tx.run('INSERT INTO t (name) VALUES (?)', ['a']));
    await db.maintenance('PRAGMA wal_checkpoint(TRUNCATE)');
    await db.maintenance('VACUUM');
    // The legacy run() routes them there too, instead of into a transaction where they fail.
    await db.run('PRAGMA wal_checkpoint(TRUNCATE)');
    await expect(db.transaction((tx) => tx.exec('PRAGMA wal_checkpoint(TRUNCATE)'))).rejects.toThrow('locked');
    expect(await names()).toEqual(['a']);
  });
});
