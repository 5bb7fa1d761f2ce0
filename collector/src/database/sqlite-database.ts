import sqlite3 from 'sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  notARead,
  transactionFinished,
  type Database,
  type Durability,
  type MaintenanceCommand,
  type PreparedWrite,
  type ReadConnection,
  type ReadSql,
  type RunResult,
  type SqlParams,
  type Transaction,
} from './database.js';

export interface SqliteDatabaseOptions {
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

const WRITE_CACHE_KIB = 16 * 1024;
const READ_CACHE_KIB = 8 * 1024;

/**
 * The one place where sqlite3's callback API becomes promises. There is one connection, so
 * transactions are queued and run one after another (BEGIN IMMEDIATE … COMMIT).
 */
export class SqliteDatabase implements Database, ReadConnection {
  readonly dialect = 'sqlite' as const;
  private txQueue: Promise<unknown> = Promise.resolve();
  /** statementTransaction's statements, prepared once per SQL text (a few hot paths), finalized by close. */
  private readonly statements = new Map<string, Promise<sqlite3.Statement>>();

  private constructor(private readonly db: sqlite3.Database, readonly path: string) {}

  static async open(options: SqliteDatabaseOptions): Promise<SqliteDatabase> {
    if (options.readOnly && options.path === ':memory:') throw new Error('a read-only connection needs a database file, not :memory:');
    if (options.path !== ':memory:' && !options.readOnly) mkdirSync(dirname(options.path), { recursive: true });
    const mode = (options.readOnly ? sqlite3.OPEN_READONLY : sqlite3.OPEN_READWRITE | sqlite3.OPEN_CREATE) | sqlite3.OPEN_FULLMUTEX;
    const raw = await new Promise<sqlite3.Database>((resolve, reject) => {
      const db = new sqlite3.Database(options.path, mode, (err) => (err ? reject(err) : resolve(db)));
    });
    raw.configure('busyTimeout', options.busyTimeoutMs ?? 5000);
    // journal_mode and synchronous belong to the writing connection. Page caches in KiB (negative):
    // pages beyond them are read again from the OS's file cache, which costs a system call, not the
    // collector's RSS (docs/storage.md, issue 14 memory).
    const pragmas = options.readOnly
      ? ['PRAGMA temp_store = MEMORY', `PRAGMA cache_size = -${READ_CACHE_KIB}`]
      : [
          'PRAGMA journal_mode = WAL',
          `PRAGMA synchronous = ${options.durability === 'full' ? 'FULL' : 'NORMAL'}`,
          'PRAGMA foreign_keys = ON',
          'PRAGMA temp_store = MEMORY',
          `PRAGMA cache_size = -${WRITE_CACHE_KIB}`,
          'PRAGMA wal_autocheckpoint = 4000',
        ];
    await execRaw(raw, pragmas.join(';\n'));
    return new SqliteDatabase(raw, options.path);
  }

  get<T = Record<string, unknown>, S extends string = string>(sql: ReadSql<S>, params: SqlParams = []): Promise<T | undefined> {
    const refused = notARead(sql);
    return refused ? Promise.reject(refused) : getRaw<T>(this.db, sql, params);
  }

  all<T = Record<string, unknown>, S extends string = string>(sql: ReadSql<S>, params: SqlParams = []): Promise<T[]> {
    const refused = notARead(sql);
    return refused ? Promise.reject(refused) : allRaw<T>(this.db, sql, params);
  }

  transaction<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
    return this.queued(async () => {
      const tx = new SqliteTransaction(this.db);
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

  statementTransaction(sql: string, params: SqlParams = []): Promise<RunResult> {
    return this.queued(async () => {
      const stmt = await this.prepared(sql);
      // Outside BEGIN … COMMIT the statement is a transaction of its own (autocommit): its changes,
      // its triggers' included, are committed when it completes, or none are kept when it fails.
      return new Promise<RunResult>((resolve, reject) => stmt.run(params as unknown[], settleRun(resolve, reject)));
    });
  }

  /** The statement prepared for `sql`, prepared the first time (sqlite3 never runs a statement that failed to prepare: it is dropped). */
  private prepared(sql: string): Promise<sqlite3.Statement> {
    let stmt = this.statements.get(sql);
    if (!stmt) {
      stmt = new Promise((resolve, reject) => {
        const prepared = this.db.prepare(sql, (err: Error | null) => {
          if (!err) return resolve(prepared);
          this.statements.delete(sql);
          reject(err);
        });
      });
      this.statements.set(sql, stmt);
    }
    return stmt;
  }

  /** Runs `job` after every transaction and maintenance queued before it. */
  private queued<T>(job: () => Promise<T>): Promise<T> {
    const next = this.txQueue.then(job);
    this.txQueue = next.catch(() => undefined);
    return next;
  }

  maintenance(command: MaintenanceCommand): Promise<void> {
    return this.queued(() => execRaw(this.db, command));
  }

  async openReader(): Promise<ReadConnection | undefined> {
    if (this.path === ':memory:' || this.path === '') return undefined;
    return SqliteDatabase.open({ path: this.path, readOnly: true });
  }

  async close(): Promise<void> {
    for (const pending of this.statements.values()) {
      const stmt = await pending.catch(() => undefined);
      if (stmt) await new Promise((resolve) => stmt.finalize(() => resolve(undefined)));
    }
    this.statements.clear();
    return new Promise((resolve, reject) => this.db.close((err) => (err ? reject(err) : resolve())));
  }
}

class SqliteTransaction implements Transaction {
  readonly dialect = 'sqlite' as const;
  private open = true;

  constructor(private readonly db: sqlite3.Database) {}

  finish(): void {
    this.open = false;
  }

  run(sql: string | PreparedWrite, params: SqlParams = []): Promise<RunResult> {
    this.assertOpen();
    return new Promise((resolve, reject) => {
      const done = settleRun(resolve, reject);
      if (typeof sql === 'string') this.db.run(sql, params as unknown[], done);
      else statementOf(sql).run(params as unknown[], done);
    });
  }

  get<T = Record<string, unknown>>(sql: string, params: SqlParams = []): Promise<T | undefined> {
    this.assertOpen();
    return getRaw<T>(this.db, sql, params);
  }

  all<T = Record<string, unknown>>(sql: string, params: SqlParams = []): Promise<T[]> {
    this.assertOpen();
    return allRaw<T>(this.db, sql, params);
  }

  exec(sql: string): Promise<void> {
    this.assertOpen();
    return execRaw(this.db, sql);
  }

  prepare(sql: string): PreparedWrite {
    this.assertOpen();
    return new SqlitePreparedWrite(this.db.prepare(sql));
  }

  private assertOpen(): void {
    if (!this.open) throw transactionFinished();
  }
}

/** The sqlite3 statement behind each prepared write, reachable only from this module. */
const statements = new WeakMap<PreparedWrite, sqlite3.Statement>();

function statementOf(prepared: PreparedWrite): sqlite3.Statement {
  const statement = statements.get(prepared);
  if (!statement) throw new Error('a prepared write of another database engine was passed to a SQLite transaction');
  return statement;
}

class SqlitePreparedWrite implements PreparedWrite {
  constructor(stmt: sqlite3.Statement) {
    statements.set(this, stmt);
  }

  finalize(): Promise<void> {
    return new Promise((resolve) => statementOf(this).finalize(() => resolve()));
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
