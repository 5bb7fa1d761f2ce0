import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { type Database } from './database.js';
import { engines, type EngineDatabase } from '../../../test/support/engines.js';

describe.each(engines('database.spec'))('Database on $name: writes only through transactions', (engine) => {
  let opened: EngineDatabase;
  let db: Database;
  const names = async () => (await db.all<{ name: string }>('SELECT name FROM t ORDER BY name')).map((r) => r.name);

  beforeEach(async () => {
    opened = await engine.open();
    db = opened.db;
    await db.transaction((tx) => tx.exec('CREATE TABLE t (name TEXT PRIMARY KEY)'));
  });

  afterEach(async () => {
    await opened.dispose();
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
    // @ts-expect-error a literal write does not even type-check
    await expect(db.all('DELETE FROM t RETURNING name')).rejects.toThrow('Database.get/all run reads only; write through transaction((tx) => tx.run(...)): DELETE FROM t RETURNING name');
    // @ts-expect-error a literal write does not even type-check
    await expect(db.get("INSERT INTO t (name) VALUES ('x')")).rejects.toThrow('Database.get/all run reads only');
    const built = ['INSERT', 'INTO t (name) VALUES (?)'].join(' ');
    await expect(db.get(built, ['x'])).rejects.toThrow('Database.get/all run reads only');
    expect(await db.get<{ n: number }>('-- a comment first\nSELECT count(*) AS n FROM t')).toEqual({ n: 0 });
    if (engine.name === 'sqlite') expect(await db.get('PRAGMA page_count')).toEqual({ page_count: expect.any(Number) });
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

  it('a write from another flow never joins an open transaction: it waits, and survives its rollback', async () => {
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
    const other = db.transaction((tx) => tx.run('INSERT INTO t (name) VALUES (?)', ['other-flow']));
    let otherDone = false;
    void other.then(() => (otherDone = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(otherDone).toBe(false);
    release();
    await expect(failing).rejects.toThrow('this flow fails');
    await other;
    expect(await names()).toEqual(['other-flow']);
  });

  it('runs a transaction of one statement after the transactions queued before it, and keeps all or none of its changes', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const open = db.transaction(async (tx) => {
      await tx.run('INSERT INTO t (name) VALUES (?)', ['first']);
      await held;
      throw new Error('first flow fails');
    });
    const one = db.statementTransaction('INSERT INTO t (name) VALUES (?)', ['one']);
    release();
    await expect(open).rejects.toThrow('first flow fails');
    expect(await one).toMatchObject({ changes: 1 });
    // The second row repeats the first: the statement fails and leaves neither row.
    await expect(db.statementTransaction('INSERT INTO t (name) SELECT ? UNION ALL SELECT ?', ['two', 'two'])).rejects.toThrow(/UNIQUE|unique/);
    await expect(db.statementTransaction('INSERT INTO missing (name) VALUES (?)', ['x'])).rejects.toThrow(/missing/);
    await db.statementTransaction('INSERT INTO t (name) VALUES (?)', ['three']);
    expect(await names()).toEqual(['one', 'three']);
  });

  it.runIf(engine.name === 'sqlite')("runs a statement's triggers in its transaction: one failing write of a trigger leaves none", async () => {
    await db.transaction((tx) =>
      tx.exec(`CREATE TEMP VIEW pair (a, b) AS SELECT NULL, NULL WHERE false;
        CREATE TEMP TRIGGER pair_write INSTEAD OF INSERT ON pair BEGIN INSERT INTO t (name) VALUES (NEW.a); INSERT INTO t (name) VALUES (NEW.b); END;`),
    );
    await db.statementTransaction('INSERT INTO temp.pair (a, b) VALUES (?, ?)', ['a', 'b']);
    await expect(db.statementTransaction('INSERT INTO temp.pair (a, b) VALUES (?, ?)', ['c', 'a'])).rejects.toThrow('UNIQUE');
    expect(await names()).toEqual(['a', 'b']);
  });

  it('offers no write outside a transaction: neither the Database nor a prepared statement can run one', async () => {
    const prepared = await db.transaction(async (tx) => tx.prepare('INSERT INTO t (name) VALUES (?)'));
    // @ts-expect-error Database has no run()
    expect(() => db.run('INSERT INTO t (name) VALUES (?)', ['bare'])).toThrow(TypeError);
    // @ts-expect-error Database has no prepare()
    expect(() => db.prepare('INSERT INTO t (name) VALUES (?)')).toThrow(TypeError);
    // @ts-expect-error Database has no exec()
    expect(() => db.exec("INSERT INTO t (name) VALUES ('bare')")).toThrow(TypeError);
    // @ts-expect-error a PreparedWrite runs only through tx.run(prepared, params)
    expect(() => prepared.run(['bare'])).toThrow(TypeError);
    await prepared.finalize();
    expect(await names()).toEqual([]);
  });

  it.runIf(engine.name === 'sqlite')('runs VACUUM and WAL checkpoints between transactions (SQLite refuses them inside one)', async () => {
    await db.transaction((tx) => tx.run('INSERT INTO t (name) VALUES (?)', ['a']));
    await db.maintenance('PRAGMA wal_checkpoint(TRUNCATE)');
    await db.maintenance('VACUUM');
    await expect(db.transaction((tx) => tx.exec('PRAGMA wal_checkpoint(TRUNCATE)'))).rejects.toThrow('locked');
    expect(await names()).toEqual(['a']);
  });

  it.runIf(engine.name === 'sqlite')("type-checks: every line marked @ts-expect-error above is refused by tsc, for the reason it names", () => {
    const file = fileURLToPath(import.meta.url);
    const source = readFileSync(file, 'utf8');
    const base = ts.getParsedCommandLineOfConfigFile(fileURLToPath(new URL('../../../tsconfig.base.json', import.meta.url)), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined })!;
    const options = { ...base.options, noEmit: true, composite: false, declaration: false, declarationMap: false, sourceMap: false };
    /** tsc's errors for this file with `text` as its content, as "line: message". */
    const errorsOf = (text: string) => {
      const host = ts.createCompilerHost(options);
      const read = host.getSourceFile.bind(host);
      host.getSourceFile = (name, language, ...rest) => (name === file ? ts.createSourceFile(name, text, language) : read(name, language, ...rest));
      const program = ts.createProgram([file], options, host);
      return ts.getPreEmitDiagnostics(program).map((d) => {
        const line = d.file ? d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1 : 0;
        return `${line}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`;
      });
    };
    // As written: no unused @ts-expect-error (each marked line fails) and nothing else fails.
    expect(errorsOf(source)).toEqual([]);
    // Without the markers: the errors are the ones the markers claim, on the lines after them.
    const marker = /^(\s*)\/\/ @ts-expect-error/;
    const marked = source.split('\n').flatMap((text, i) => (marker.test(text) ? [i + 2] : []));
    const errors = errorsOf(source.replace(new RegExp(marker.source, 'gm'), '$1//'));
    expect(errors.map((e) => Number(e.split(':')[0]))).toEqual(marked);
    expect(errors.map((e) => e.replace(/^\d+: /, ''))).toEqual([
      `Argument of type '"DELETE FROM t RETURNING name"' is not assignable to parameter of type '"Database.get/all run reads only; write through transaction((tx) => tx.run(...))"'.`,
      `Argument of type '"INSERT INTO t (name) VALUES ('x')"' is not assignable to parameter of type '"Database.get/all run reads only; write through transaction((tx) => tx.run(...))"'.`,
      "Property 'run' does not exist on type 'Database'.",
      "Property 'prepare' does not exist on type 'Database'.",
      "Property 'exec' does not exist on type 'Database'.",
      "Property 'run' does not exist on type 'PreparedWrite'.",
    ]);
  }, 60_000);
});
