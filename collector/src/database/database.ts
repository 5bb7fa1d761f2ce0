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

/**
 * The one place where sqlite3's callback API becomes promises. Every repository goes through this,
 * so a later PostgreSQL backend replaces repositories, not services.
 */
export class Database {
  private constructor(private readonly db: sqlite3.Database, readonly path: string) {}

  static async open(options: DatabaseOptions): Promise<Database> {
    if (options.readOnly && options.path === ':memory:') throw new Error('a read-only connection needs a database file, not :memory:');
    if (options.path !== ':memory:' && !options.readOnly) mkdirSync(dirname(options.path), { recursive: true });
    const mode = (options.readOnly ? sqlite3.OPEN_READONLY : sqlite3.OPEN_READWRITE | sqlite3.OPEN_CREATE) | sqlite3.OPEN_FULLMUTEX;
    const raw = await new Promise<sqlite3.Database>((resolve, reject) => {
      const db = new sqlite3.Database(options.path, mode, (err) => (err ? reject(err) : resolve(db)));
    });
    const database = new Database(raw, options.path);
    raw.configure('busyTimeout', options.busyTimeoutMs ?? 5000);
    if (options.readOnly) {
      // journal_mode and synchronous belong to the writing connection.
      await database.exec('PRAGMA temp_store = MEMORY;\nPRAGMA cache_size = -65536');
      return database;
    }
    await database.exec(
      [
        'PRAGMA journal_mode = WAL',
        `PRAGMA synchronous = ${options.durability === 'full' ? 'FULL' : 'NORMAL'}`,
        'PRAGMA foreign_keys = ON',
        'PRAGMA temp_store = MEMORY',
        'PRAGMA cache_size = -65536',
        'PRAGMA wal_autocheckpoint = 4000',
      ].join(';\n'),
    );
    return database;
  }

  run(sql: string, params: SqlParams = []): Promise<RunResult> {
    return new Promise((resolve, reject) => {
      this.db.run(sql, params as unknown[], function (this: sqlite3.RunResult, err: Error | null) {
        if (err) reject(err);
        else resolve({ changes: this.changes, lastID: this.lastID });
      });
    });
  }

  get<T = Record<string, unknown>>(sql: string, params: SqlParams = []): Promise<T | undefined> {
    return new Promise((resolve, reject) => {
      this.db.get(sql, params as unknown[], (err: Error | null, row: T) => (err ? reject(err) : resolve(row)));
    });
  }

  all<T = Record<string, unknown>>(sql: string, params: SqlParams = []): Promise<T[]> {
    return new Promise((resolve, reject) => {
      this.db.all(sql, params as unknown[], (err: Error | null, rows: T[]) => (err ? reject(err) : resolve(rows)));
    });
  }

  exec(sql: string): Promise<void> {
    return new Promise((resolve, reject) => this.db.exec(sql, (err) => (err ? reject(err) : resolve())));
  }

  /** A prepared statement, for hot paths that run the same SQL many times. */
  prepare(sql: string): Statement {
    return new Statement(this.db.prepare(sql));
  }

  /**
   * Runs `work` inside BEGIN IMMEDIATE … COMMIT, rolling back on error. sqlite3 has one connection,
   * so callers must not interleave other writes while a transaction is open: transactions are
   * queued here and run one after another.
   */
  transaction<T>(work: () => Promise<T>): Promise<T> {
    const next = this.txQueue.then(async () => {
      await this.exec('BEGIN IMMEDIATE');
      try {
        const result = await work();
        await this.exec('COMMIT');
        return result;
      } catch (error) {
        await this.exec('ROLLBACK').catch(() => undefined);
        throw error;
      }
    });
    this.txQueue = next.catch(() => undefined);
    return next;
  }
  private txQueue: Promise<unknown> = Promise.resolve();

  close(): Promise<void> {
    return new Promise((resolve, reject) => this.db.close((err) => (err ? reject(err) : resolve())));
  }
}

export class Statement {
  constructor(private readonly stmt: sqlite3.Statement) {}

  run(params: SqlParams = []): Promise<RunResult> {
    return new Promise((resolve, reject) => {
      this.stmt.run(params as unknown[], function (this: sqlite3.RunResult, err: Error | null) {
        if (err) reject(err);
        else resolve({ changes: this.changes, lastID: this.lastID });
      });
    });
  }

  all<T = Record<string, unknown>>(params: SqlParams = []): Promise<T[]> {
    return new Promise((resolve, reject) => {
      this.stmt.all(params as unknown[], (err: Error | null, rows: T[]) => (err ? reject(err) : resolve(rows)));
    });
  }

  get<T = Record<string, unknown>>(params: SqlParams = []): Promise<T | undefined> {
    return new Promise((resolve, reject) => {
      this.stmt.get(params as unknown[], (err: Error | null, row: T) => (err ? reject(err) : resolve(row)));
    });
  }

  finalize(): Promise<void> {
    return new Promise((resolve) => this.stmt.finalize(() => resolve()));
  }
}
