// The storage-engine-neutral face of the database: what repositories and the sample store see.
// Two engines implement it: SqliteDatabase (the embedded default) and PostgresDatabase
// (several collectors sharing one server). Repositories write SQL in the shared subset and ask
// `db.dialect` (dialect.ts) where the engines differ.

export type SqlValue = string | number | bigint | Buffer | null;
export type SqlParams = readonly SqlValue[];

export interface RunResult {
  changes: number;
  /** SQLite's rowid of the last insert; PostgreSQL has none (0): use INSERT … RETURNING id on both. */
  lastID: number;
}

export type Durability = 'normal' | 'full';

export type DialectName = 'sqlite' | 'postgres';

/** Reads: what a Database offers outside a transaction, and a Transaction offers inside one. */
export interface SqlReader {
  get<T = Record<string, unknown>>(sql: string, params?: SqlParams): Promise<T | undefined>;
  all<T = Record<string, unknown>>(sql: string, params?: SqlParams): Promise<T[]>;
}

/** A reader that runs beside the writer (its own connection) and is closed by whoever opened it. */
export interface ReadConnection extends SqlReader {
  close(): Promise<void>;
}

// Statements a Database runs outside a transaction: SELECT, WITH … SELECT, VALUES, EXPLAIN and
// PRAGMA reads (no "="). Leading comments are skipped.
const READ_SQL = /^(?:\s|--[^\n]*\n|\/\*[\s\S]*?\*\/)*(?:SELECT|WITH|VALUES|EXPLAIN|PRAGMA\s+[\w.]+\s*(?:$|;|\((?![^)]*=)))/i;

/** Statements that reorganise storage and change no data; run between transactions. */
export type MaintenanceCommand = 'VACUUM' | `PRAGMA wal_checkpoint(${'PASSIVE' | 'FULL' | 'RESTART' | 'TRUNCATE'})`;

/** Statements that change data or schema; a Database's get/all refuse them. */
type WriteVerb = 'INSERT' | 'UPDATE' | 'DELETE' | 'REPLACE' | 'CREATE' | 'DROP' | 'ALTER' | 'BEGIN' | 'COMMIT' | 'ROLLBACK' | 'VACUUM' | 'REINDEX' | 'ATTACH' | 'DETACH';
type TrimStart<S extends string> = S extends `${' ' | '\n' | '\t' | '\r'}${infer Rest}` ? TrimStart<Rest> : S;
/**
 * SQL a Database's get/all accept: a literal that starts with a write does not type-check (the
 * runtime check, notARead, covers SQL built at run time).
 */
export type ReadSql<S extends string> = Uppercase<TrimStart<S>> extends `${WriteVerb}${string}` ? 'Database.get/all run reads only; write through transaction((tx) => tx.run(...))' : S;

/** The error a Database's get/all answer for SQL that is not a read, or undefined for a read. */
export function notARead(sql: string): Error | undefined {
  return READ_SQL.test(sql) ? undefined : new Error(`Database.get/all run reads only; write through transaction((tx) => tx.run(...)): ${sql.slice(0, 80)}`);
}

/**
 * One database, whichever the engine. Writes happen only inside `transaction((tx) => …)`; the
 * Database itself offers reads. Transactions of one Database are queued and run one after
 * another, on both engines, so a write never lands in another flow's open transaction.
 */
export interface Database {
  readonly dialect: DialectName;
  get<T = Record<string, unknown>, S extends string = string>(sql: ReadSql<S>, params?: SqlParams): Promise<T | undefined>;
  all<T = Record<string, unknown>, S extends string = string>(sql: ReadSql<S>, params?: SqlParams): Promise<T[]>;
  /**
   * Runs `work` inside a transaction, committing when it settles and rolling back when it throws.
   * `tx` is valid only until `work` settles. Do not await another transaction from inside `work`:
   * it waits for this one to finish.
   */
  transaction<T>(work: (tx: Transaction) => Promise<T>): Promise<T>;
  /**
   * A transaction of one write statement, queued like `transaction`: its changes (those of its triggers
   * included) are committed when it resolves, and none is left when it rejects. SQLite runs it in one call
   * on its connection, without BEGIN and COMMIT: a hot path that waits for a busy event loop between
   * statements waits once instead of once per statement (the store's group commits and compaction steps).
   */
  statementTransaction(sql: string, params?: SqlParams): Promise<RunResult>;
  /** Runs VACUUM or a WAL checkpoint between transactions (PostgreSQL: VACUUM; checkpoints are its own). */
  maintenance(command: MaintenanceCommand): Promise<void>;
  /**
   * A reader whose queries do not wait behind this database's writes: SQLite opens a read-only
   * connection on the same file (undefined for :memory:); PostgreSQL reads through its pool.
   */
  openReader(): Promise<ReadConnection | undefined>;
  close(): Promise<void>;
}

/** The write side of one open transaction. Every method throws once the transaction has finished. */
export interface Transaction extends SqlReader {
  readonly dialect: DialectName;
  run(sql: string | PreparedWrite, params?: SqlParams): Promise<RunResult>;
  /** Several statements without parameters (schema migrations). */
  exec(sql: string): Promise<void>;
  /**
   * A prepared statement for hot paths that run the same SQL many times. It runs only through
   * tx.run(prepared, params), in this or a later transaction; the caller finalizes it.
   */
  prepare(sql: string): PreparedWrite;
}

/** Prepared SQL with no way to run itself outside a transaction: pass it to tx.run(). */
export interface PreparedWrite {
  finalize(): Promise<void>;
}

/** Thrown by a transaction's methods once its work settled. */
export function transactionFinished(): Error {
  return new Error('transaction already finished: its tx cannot be used after the work settled');
}
