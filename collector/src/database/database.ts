import sqlite3 from 'sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export type SqlValue = string | number | bigint | Buffer | null;
export type SqlParams = readonly SqlValue[];

export interface RunResult {
  changes: number;
  lastID: number;
}

export type Durability = 'normal' | 'full';

export interface DatabaseOptions {
  path: string;
  /** synchronous=NORMAL survives a killed process; FULL also survives a power cut. */
  durability?: Durability;
  busyTimeoutMs?: number;
  /**
   * A second, read-only connection to a database another connection already opened in WAL mode:
   * its reads see the last committed state and run beside that connection's writes.
   */
  readOnly?: boolean;
}

/** Reads: what a Database offers outside a transaction, and a Transaction offers inside one. */
export interface SqlReader {
  get<T = Record<string, unknown>>(sql: string, params?: SqlParams): Promise<T | undefined>;
  all<T = Record<string, unknown>>(sql: string, params?: SqlParams): Promise<T[]>;
}

// Statements a Database runs outside a transaction: SELECT, WITH … SELECT, VALUES, EXPLAIN and
// PRAGMA reads (no "="). Leading comments are skipped.
const READ_SQL = /^(?:\s|--[^\n]*\n|\/\*[\s\S]*?\*\/)*(?:SELECT|WITH|VALUES|EXPLAIN|PRAGMA\s+[\w.]+\s*(?:$|;|\((?![^)]*=)))/i;

/** Statements SQLite refuses inside a transaction: they reorganise files, they change no data. */
export type MaintenanceCommand = 'VACUUM' | `PRAGMA wal_checkpoint(${'PASSIVE' | 'FULL' | 'RESTART' | 'TRUNCATE'})`;

/** Statements that change data or schema; a Database's get/all refuse them. */
type WriteVerb = 'INSERT' | 'UPDATE' | 'DELETE' | 'REPLACE' | 'CREATE' | 'DROP' | 'ALTER' | 'BEGIN' | 'COMMIT' | 'ROLLBACK' | 'VACUUM' | 'REINDEX' | 'ATTACH' | 'DETACH';
type TrimStart<S extends string> = S extends `${' ' | '\n' | '\t' | '\r'}${infer Rest}` ? TrimStart<Rest> : S;
/**
 * SQL a Database's get/all accept: a literal that starts with a write does not type-check (the
 * runtime check below covers SQL built at run time).
 */
export type ReadSql<S extends string> = Uppercase<TrimStart<S>> extends `${WriteVerb}${string}` ? 'Database.get/all run reads only; write through transaction((tx) => tx.run(...))' : S;

function notARead(sql: string): Error | undefined {
  return READ_SQL.test(sql) ? undefined : new Error(`Database.get/all run reads only; write through transaction((tx) => tx.run(...)): ${sql.slice(0, 80)}`);
}

/**
 * The one place where sqlite3's callback API becomes promises. Every repository goes through this,
 * so a later PostgreSQL backend replaces repositories, not services.
 *
 * Writes happen only inside `transaction((tx) => …)`: the Database itself offers reads. There is
 * one connection, so transactions are queued and run one after another; a write can never land in
 * another flow's open transaction and vanish with its rollback.
 */
export class Database implements SqlReader {
  private txQueue: Promise<unknown> = Promise.resolve();

  private constructor(private readonly db: sqlite3.Database, readonly path: string) {}

  static async open(options: DatabaseOptions): Promise<Database> {
    if (options.readOnly && options.path === ':memory:') throw new Error('a read-only connection needs a database file, not :memory:');
    if (options.path !== ':memory:' && !options.readOnly) mkdirSync(dirname(options.path), { recursive: true });
    const mode = (options.readOnly ? sqlite3.OPEN_READONLY : sqlite3.OPEN_READWRITE | sqlite3.OPEN_CREATE) | sqlite3.OPEN_FULLMUTEX;
    const raw = await new Promise<sqlite3.Database>((resolve, reject) => {
      const db = new sqlite3.Database(options.path, mode, (err) => (err ? reject(err) : resolve(db)));
    });
    raw.configure('busyTimeout', options.busyTimeoutMs ?? 5000);
    // journal_mode and synchronous belong to the writing connection.
    const pragmas = options.readOnly
      ? ['PRAGMA temp_store = MEMORY', 'PRAGMA cache_size = -65536']
      : [
          'PRAGMA journal_mode = WAL',
          `PRAGMA synchronous = ${options.durability === 'full' ? 'FULL' : 'NORMAL'}`,
          'PRAGMA foreign_keys = ON',
          'PRAGMA temp_store = MEMORY',
          'PRAGMA cache_size = -65536',
          'PRAGMA wal_autocheckpoint = 4000',
        ];
    await execRaw(raw, pragmas.join(';\n'));
    return new Database(raw, options.path);
  }

  get<T = Record<string, unknown>, S extends string = string>(sql: ReadSql<S>, params: SqlParams = []): Promise<T | undefined> {
    const refused = notARead(sql);
    return refused ? Promise.reject(refused) : getRaw<T>(this.db, sql, params);
  }

  all<T = Record<string, unknown>, S extends string = string>(sql: ReadSql<S>, params: SqlParams = []): Promise<T[]> {
    const refused = notARead(sql);
    return refused ? Promise.reject(refused) : allRaw<T>(this.db, sql, params);
  }

  /**
   * Runs `work` inside BEGIN IMMEDIATE … COMMIT, rolling back on error. Transactions are queued
   * and run one after another. `tx` is valid only until `work` settles. Do not await another
   * transaction from inside `work`: it waits for this one to finish.
   */
  transaction<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
    return this.queued(async () => {
      const tx = new Transaction(this.db);
      await execRaw(this.db, 'BEGIN IMMEDIATE');
      try {
        const result = await work(tx);
        tx.finish();
        await execRaw(this.db, 'COMMIT');
        return result;
      } catch (error) {
        tx.finish();
        await execRaw(this.db, 'ROLLBACK').catch(() => undefined);
        throw error;
      }
    });
  }

  /** Runs `job` after every transaction and maintenance queued before it. */
  private queued<T>(job: () => Promise<T>): Promise<T> {
    const next = this.txQueue.then(job);
    this.txQueue = next.catch(() => undefined);
    return next;
  }

  /** Runs VACUUM or a WAL checkpoint, queued between transactions like a transaction. */
  maintenance(command: MaintenanceCommand): Promise<void> {
    return this.queued(() => execRaw(this.db, command));
  }

  close(): Promise<void> {
    return new Promise((resolve, reject) => this.db.close((err) => (err ? reject(err) : resolve())));
  }
}

/** The write side of one open transaction. Every method throws once the transaction has finished. */
export class Transaction implements SqlReader {
  private open = true;

  /** @internal Created by Database.transaction only. */
  constructor(private readonly db: sqlite3.Database) {}

  /** @internal */
  finish(): void {
    this.open = false;
  }

  run(sql: string | PreparedWrite, params: SqlParams = []): Promise<RunResult> {
    this.assertOpen();
    return new Promise((resolve, reject) => {
      const done = settleRun(resolve, reject);
      if (typeof sql === 'string') this.db.run(sql, params as unknown[], done);
      else statements.get(sql)!.run(params as unknown[], done);
    });
  }

  /** Reads (and statements with RETURNING) that see this transaction's own writes. */
  get<T = Record<string, unknown>>(sql: string, params: SqlParams = []): Promise<T | undefined> {
    this.assertOpen();
    return getRaw<T>(this.db, sql, params);
  }

  all<T = Record<string, unknown>>(sql: string, params: SqlParams = []): Promise<T[]> {
    this.assertOpen();
    return allRaw<T>(this.db, sql, params);
  }

  /** Several statements without parameters (schema migrations). */
  exec(sql: string): Promise<void> {
    this.assertOpen();
    return execRaw(this.db, sql);
  }

  /**
   * A prepared statement for hot paths that run the same SQL many times. It runs only through
   * tx.run(prepared, params), in this or a later transaction; the caller finalizes it.
   */
  prepare(sql: string): PreparedWrite {
    this.assertOpen();
    return new PreparedWrite(this.db.prepare(sql));
  }

  private assertOpen(): void {
    if (!this.open) throw new Error('transaction already finished: its tx cannot be used after the work settled');
  }
}

/** The sqlite3 statement behind each PreparedWrite, reachable only from this module. */
const statements = new WeakMap<PreparedWrite, sqlite3.Statement>();

/** Prepared SQL with no way to run itself outside a transaction: pass it to tx.run(). */
export class PreparedWrite {
  /** @internal */
  constructor(stmt: sqlite3.Statement) {
    statements.set(this, stmt);
  }

  finalize(): Promise<void> {
    return new Promise((resolve) => statements.get(this)!.finalize(() => resolve()));
  }
}

/** sqlite3 reports a run's changes and last id on the callback's `this`. */
function settleRun(resolve: (result: RunResult) => void, reject: (error: Error) => void) {
  return function (this: sqlite3.RunResult, err: Error | null): void {
    if (err) reject(err);
    else resolve({ changes: this.changes, lastID: this.lastID });
  };
}

function getRaw<T>(db: sqlite3.Database, sql: string, params: SqlParams): Promise<T | undefined> {
  return new Promise((resolve, reject) => {
    db.get(sql, params as unknown[], (err: Error | null, row: T) => (err ? reject(err) : resolve(row)));
  });
}

function allRaw<T>(db: sqlite3.Database, sql: string, params: SqlParams): Promise<T[]> {
  return new Promise((resolve, reject) => {
    db.all(sql, params as unknown[], (err: Error | null, rows: T[]) => (err ? reject(err) : resolve(rows)));
  });
}

function execRaw(db: sqlite3.Database, sql: string): Promise<void> {
  return new Promise((resolve, reject) => db.exec(sql, (err) => (err ? reject(err) : resolve())));
}
